using System.Globalization;
using System.Text.Json;
using Cib.Projections.ReadModels.History;
using CsvHelper;

namespace Audit.Api.History;

/// <summary>
/// <c>GET /api/v1/history/events|fencing|operations|changes|failovers</c>: the raw log and the stored history read models
/// (decision 0011), filtered and paged in SQL (keyset on the log position: <c>after</c> is the last row's position of
/// the page before; the answer's <c>next</c> and a <c>Link: &lt;...&gt;; rel="next"</c> header name the next page). JSON, or
/// CSV (<c>Accept: text/csv</c> or <c>?format=csv</c>). Every user may read them (the auditor role suffices).
/// <c>?current=true</c>: the stored history with the log after its position folded on (<c>asOf</c> the log's end).
/// </summary>
public static class HistoryApi
{
    public static void MapHistoryApi(this RouteGroupBuilder api)
    {
        var history = api.MapGroup("/history");
        history.MapGet("/events", async (HttpContext http, HistoryQueries queries, string? type, string? stream, string? actor, string? correlation,
            CancellationToken ct) =>
        {
            if (Range(http) is not { } range) return RangeProblem(http);
            var types = type?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var page = await queries.EventsAsync(new LogFilter(types, stream, actor, correlation), range, ct);
            return Answer(http, page, EventColumns);
        }).WithName("GetHistoryEvents")
          .WithSummary("the raw log, paged and filtered: ?type=NAME[,NAME] &stream=ID (ID* a prefix) &actor= &correlation= &since= &until= &after=SEQ &limit=N")
          .Produces<HistoryPage<LogEventRow>>().Produces(StatusCodes.Status200OK, contentType: "text/csv")
          .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        history.MapGet("/fencing", async (HttpContext http, HistoryQueries queries, string? target, bool? current, CancellationToken ct) =>
        {
            if (Range(http) is not { } range) return RangeProblem(http);
            return Answer(http, await queries.FencingAsync(target, range, current == true, ct), FencingColumns);
        }).WithName("GetFencingHistory")
          .WithSummary("fencing history, as stonith_admin --history: target, action, device, executor, origin, result, duration, attempt (?target=NODE)")
          .Produces<HistoryPage<FencingHistoryRow>>().Produces(StatusCodes.Status200OK, contentType: "text/csv")
          .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        history.MapGet("/operations", async (HttpContext http, HistoryQueries queries, string? resource, string? node, bool? current, CancellationToken ct) =>
        {
            if (Range(http) is not { } range) return RangeProblem(http);
            return Answer(http, await queries.OperationsAsync(resource, node, range, current == true, ct), OperationColumns);
        }).WithName("GetOperationHistory")
          .WithSummary("operation history per resource and node: results, rc, exit reason, duration, the fail count after each; clean-ups (?resource=ID &node=NODE)")
          .Produces<HistoryPage<OperationHistoryRow>>().Produces(StatusCodes.Status200OK, contentType: "text/csv")
          .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        history.MapGet("/changes", async (HttpContext http, HistoryQueries queries, string? actor, bool? current, CancellationToken ct) =>
        {
            if (Range(http) is not { } range) return RangeProblem(http);
            return Answer(http, await queries.ChangesAsync(actor, range, current == true, ct), ChangeColumns);
        }).WithName("GetConfigurationChanges")
          .WithSummary("configuration changes: who, when, why, the commands and the readable diff (?actor=NAME)")
          .Produces<HistoryPage<ConfigurationChangeRow>>().Produces(StatusCodes.Status200OK, contentType: "text/csv")
          .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        history.MapGet("/failovers", async (HttpContext http, HistoryQueries queries, string? resource, bool? current, CancellationToken ct) =>
        {
            if (Range(http) is not { } range) return RangeProblem(http);
            return Answer(http, await queries.IncidentsAsync(resource, range, current == true, ct), IncidentColumns);
        }).WithName("GetFailoverIncidents")
          .WithSummary("failover incidents: trigger, detection, fence, recovery actions, transitions, time to recovery, from the causation chain (?resource=ID)")
          .Produces<HistoryPage<IncidentRow>>().Produces(StatusCodes.Status200OK, contentType: "text/csv")
          .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
    }

    /// <summary>The query's range, or null when a value is bad (<see cref="RangeProblem"/> says which).</summary>
    private static HistoryRange? Range(HttpContext http) => ParseRange(http.Request.Query, out _);

    private static IResult RangeProblem(HttpContext http)
    {
        ParseRange(http.Request.Query, out var problem);
        return Problems.Result(StatusCodes.Status400BadRequest, problem!.Value.Code, problem.Value.Detail);
    }

    internal static HistoryRange? ParseRange(IQueryCollection query, out (string Code, string Detail)? problem)
    {
        problem = null;
        long after = 0;
        if (query["after"].FirstOrDefault() is { } a && (!long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out after)))
        {
            problem = ("cursor-invalid", $"after: '{a}' is not a log position (a whole number, 0 or more)");
            return null;
        }
        var limit = HistoryRange.DefaultLimit;
        if (query["limit"].FirstOrDefault() is { } l
            && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > HistoryRange.MaxLimit))
        {
            problem = ("limit-out-of-range", $"limit: '{l}' is not from 1 to {HistoryRange.MaxLimit}");
            return null;
        }
        DateTimeOffset? since = null, until = null;
        foreach (var (name, set) in new (string, Action<DateTimeOffset>)[] { ("since", t => since = t), ("until", t => until = t) })
        {
            if (query[name].FirstOrDefault() is not { } text) continue;
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var t))
            {
                problem = ("time-invalid", $"{name}: '{text}' is not a time (ISO 8601, e.g. 2026-11-30T10:00:00Z)");
                return null;
            }
            set(t);
        }
        if (since is { } s && until is { } u && u < s)
        {
            problem = ("time-range-invalid", "until is before since");
            return null;
        }
        if (query["format"].FirstOrDefault() is { } f && f is not ("json" or "csv"))
        {
            problem = ("format-unknown", $"format: '{f}' is neither json nor csv");
            return null;
        }
        return new HistoryRange(after, limit, since, until);
    }

    /// <summary>The page as JSON or CSV, with the next page's link.</summary>
    private static IResult Answer<T>(HttpContext http, HistoryPage<T> page, IReadOnlyList<(string Name, Func<T, object?> Value)> columns)
    {
        if (page.Next is { } next)
        {
            var query = http.Request.Query.Where(q => q.Key != "after").SelectMany(q => q.Value.Select(v => (q.Key, Value: v ?? "")))
                .Append(("after", next.ToString(CultureInfo.InvariantCulture)));
            var link = $"{http.Request.PathBase}{http.Request.Path}?{string.Join('&', query.Select(q => $"{Uri.EscapeDataString(q.Item1)}={Uri.EscapeDataString(q.Item2)}"))}";
            http.Response.Headers.Append("Link", $"<{link}>; rel=\"next\"");
        }
        http.Response.Headers.Append("X-History-As-Of", page.AsOf.ToString(CultureInfo.InvariantCulture));
        http.Response.Headers.Append("X-Log-Position", page.LogPosition.ToString(CultureInfo.InvariantCulture));
        return WantsCsv(http) ? Results.Text(Csv(page.Items, columns), "text/csv; charset=utf-8") : Results.Ok(page);
    }

    private static bool WantsCsv(HttpContext http) =>
        http.Request.Query["format"].FirstOrDefault() is { } f ? f == "csv"
            : http.Request.Headers.Accept.Any(a => a?.Contains("text/csv", StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>RFC 4180 CSV (CsvHelper): a header line, then a line per row; lists joined by a newline, JSON as its text.</summary>
    public static string Csv<T>(IEnumerable<T> rows, IReadOnlyList<(string Name, Func<T, object?> Value)> columns)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, null, leaveOpen: true))
        {
            foreach (var c in columns) csv.WriteField(c.Name);
            csv.EndRecord();
            foreach (var row in rows)
            {
                foreach (var c in columns) csv.WriteField(Cell(c.Value(row)));
                csv.EndRecord();
            }
            csv.Flush();
        }
        return text.ToString();
    }

    private static string Cell(object? value) => value switch
    {
        null => "",
        DateTimeOffset t => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        JsonElement j => j.GetRawText(),
        IEnumerable<string> list => string.Join('\n', list),
        IEnumerable<RecoveryAction> actions => string.Join('\n', actions.Select(Describe)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static readonly IReadOnlyList<(string, Func<LogEventRow, object?>)> EventColumns =
    [
        ("seq", r => r.Seq), ("timestamp", r => r.Timestamp), ("stream", r => r.Stream), ("version", r => r.Version), ("type", r => r.Type),
        ("actor", r => r.Actor), ("correlationId", r => r.CorrelationId), ("causationId", r => r.CausationId), ("id", r => r.Id),
        ("headers", r => r.Headers), ("data", r => r.Data),
    ];

    public static readonly IReadOnlyList<(string, Func<FencingHistoryRow, object?>)> FencingColumns =
    [
        ("seq", r => r.Seq), ("requestedAt", r => r.RequestedAt), ("completedAt", r => r.CompletedAt), ("target", r => r.Target), ("action", r => r.Action),
        ("device", r => r.Device), ("executor", r => r.Executor), ("origin", r => r.Origin), ("result", r => r.Result), ("attempt", r => r.Attempt),
        ("durationMs", r => r.DurationMs), ("reason", r => r.Reason), ("error", r => r.Error), ("requestId", r => r.RequestId),
        ("transitionId", r => r.TransitionId), ("correlationId", r => r.CorrelationId), ("lastSeq", r => r.LastSeq),
    ];

    public static readonly IReadOnlyList<(string, Func<OperationHistoryRow, object?>)> OperationColumns =
    [
        ("seq", r => r.Seq), ("at", r => r.At), ("resource", r => r.Resource), ("node", r => r.Node), ("kind", r => r.Kind),
        ("operation", r => r.Operation), ("intervalMs", r => r.IntervalMs), ("rc", r => r.Rc), ("rcText", r => r.RcText), ("status", r => r.Status),
        ("exitReason", r => r.ExitReason), ("durationMs", r => r.DurationMs), ("failCount", r => r.FailCount), ("actor", r => r.Actor),
        ("transitionId", r => r.TransitionId), ("correlationId", r => r.CorrelationId),
    ];

    public static readonly IReadOnlyList<(string, Func<ConfigurationChangeRow, object?>)> ChangeColumns =
    [
        ("seq", r => r.Seq), ("at", r => r.At), ("actor", r => r.Actor), ("fromVersion", r => r.FromVersion), ("toVersion", r => r.ToVersion),
        ("reason", r => r.Reason), ("commands", r => r.Commands), ("diff", r => r.Diff), ("changeId", r => r.ChangeId),
        ("correlationId", r => r.CorrelationId), ("lastSeq", r => r.LastSeq),
    ];

    public static readonly IReadOnlyList<(string, Func<IncidentRow, object?>)> IncidentColumns =
    [
        ("seq", r => r.Seq), ("incidentId", r => r.IncidentId), ("trigger", r => r.Trigger), ("subject", r => r.Subject), ("node", r => r.Node),
        ("actor", r => r.Actor), ("reason", r => r.Reason), ("detectedAt", r => r.DetectedAt), ("detectionMs", r => r.DetectionMs),
        ("resources", r => r.Resources), ("fenceRequestId", r => r.FenceRequestId), ("fenceTarget", r => r.FenceTarget), ("fenceDevice", r => r.FenceDevice),
        ("fenceExecutor", r => r.FenceExecutor), ("fenceResult", r => r.FenceResult), ("fenceDurationMs", r => r.FenceDurationMs),
        ("recovery", r => r.Recovery), ("transitions", r => r.Transitions), ("status", r => r.Status), ("closedAt", r => r.ClosedAt),
        ("timeToRecoveryMs", r => r.TimeToRecoveryMs), ("lastSeq", r => r.LastSeq),
    ];

    /// <summary>A recovery action in one line: <c>start web on node1: succeeded in 300 ms (t10)</c>.</summary>
    public static string Describe(RecoveryAction a) =>
        string.Create(CultureInfo.InvariantCulture, $"{a.Operation} {a.Resource} on {a.Node}: {a.Result} in {a.DurationMs} ms ({a.TransitionId})");
}

using System.Globalization;
using System.Text;
using Cib.Domain.Transitions;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Store;

namespace Audit.Api.Report;

/// <summary>What a report holds: a time window's fencing, failed operations, configuration changes and transitions (each planned again and explained), and its events by type.</summary>
public sealed record ReportData(
    DateTimeOffset Since, DateTimeOffset Until, DateTimeOffset Generated, string By, long FirstPosition, long LastPosition,
    IReadOnlyList<IncidentRow> Failovers, IReadOnlyList<FencingHistoryRow> Fencing, IReadOnlyList<OperationHistoryRow> FailedOperations, IReadOnlyList<ConfigurationChangeRow> Changes,
    IReadOnlyList<(TransitionPlanned Planned, Explanation Explanation)> Transitions, IReadOnlyList<(string Type, int Count)> Events);

/// <summary>The report as Markdown (pure: a function of its data), the file an auditor keeps; HTML is this through Markdig.</summary>
public static class ReportRenderer
{
    public static string Markdown(ReportData r)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Cluster report, {Time(r.Since)} to {Time(r.Until)}").AppendLine();
        md.AppendLine($"Generated {Time(r.Generated)} by {r.By}, from the event log positions {r.FirstPosition} to {r.LastPosition}. "
                      + "Every figure below comes from the log; every transition was planned again from its recorded inputs.").AppendLine();
        md.AppendLine("## Summary").AppendLine();
        md.AppendLine("| what | count |").AppendLine("|---|---|");
        foreach (var g in r.Failovers.GroupBy(f => f.Status).OrderBy(g => g.Key, StringComparer.Ordinal)) md.AppendLine($"| failover incidents {g.Key} | {g.Count()} |");
        md.AppendLine($"| transitions planned | {r.Transitions.Count} |");
        md.AppendLine($"| transitions whose replay differs from the record | {r.Transitions.Count(t => !t.Explanation.Same)} |");
        foreach (var g in r.Fencing.GroupBy(f => f.Result).OrderBy(g => g.Key, StringComparer.Ordinal)) md.AppendLine($"| fence requests {g.Key} | {g.Count()} |");
        md.AppendLine($"| failed operations | {r.FailedOperations.Count} |");
        md.AppendLine($"| configuration changes | {r.Changes.Count} |");
        md.AppendLine($"| events | {r.Events.Sum(e => e.Count)} |").AppendLine();

        md.AppendLine("## Failover incidents").AppendLine();
        if (r.Failovers.Count == 0) md.AppendLine("No failover.").AppendLine();
        foreach (var f in r.Failovers)
        {
            md.AppendLine($"### {f.Trigger} {f.Subject}: {Time(f.DetectedAt)}, {f.Status}").AppendLine();
            md.AppendLine($"* detected{(f.DetectionMs is { } d ? $" {d} ms after it was last seen" : "")}, by {Cell(f.Actor)}{(f.Reason is null ? "" : $": {Cell(f.Reason)}")}");
            md.AppendLine($"* affected: {(f.Resources.Count == 0 ? "nothing running" : string.Join(", ", f.Resources))}");
            if (f.FenceRequestId is not null)
                md.AppendLine($"* fence of {f.FenceTarget}: {f.FenceResult}, device {f.FenceDevice}, executed by {f.FenceExecutor}{(f.FenceDurationMs is { } fd ? $", {fd} ms" : "")}");
            foreach (var a in f.Recovery) md.AppendLine($"* {a.Operation} {a.Resource} on {a.Node}: {a.Result}, {a.DurationMs} ms ({a.TransitionId})");
            md.AppendLine($"* transitions: {(f.Transitions.Count == 0 ? "none" : string.Join(", ", f.Transitions))}");
            md.AppendLine(f.TimeToRecoveryMs is { } ttr ? $"* time to recovery: {ttr} ms" : "* not recovered in the log yet").AppendLine();
        }

        md.AppendLine("## Fencing").AppendLine();
        if (r.Fencing.Count == 0) md.AppendLine("No node was fenced or asked to be.").AppendLine();
        else
        {
            md.AppendLine("| requested | target | action | device | executor | origin | result | took | reason |").AppendLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var f in r.Fencing)
                md.AppendLine($"| {Time(f.RequestedAt)} | {f.Target} | {f.Action} | {f.Device} | {f.Executor} | {Cell(f.Origin)} | {f.Result}{(f.Error is null ? "" : ": " + Cell(f.Error))} | {Ms(f.DurationMs)} | {Cell(f.Reason)} |");
            md.AppendLine();
        }

        md.AppendLine("## Failed operations").AppendLine();
        if (r.FailedOperations.Count == 0) md.AppendLine("No operation failed.").AppendLine();
        else
        {
            md.AppendLine("| at | resource | node | operation | rc | status | exit reason | fail count after |").AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var o in r.FailedOperations)
                md.AppendLine($"| {Time(o.At)} | {o.Resource} | {o.Node} | {o.Operation}{(o.IntervalMs is > 0 ? $" ({o.IntervalMs / 1000}s)" : "")} | {o.Rc} {Cell(o.RcText)} | {o.Status} | {Cell(o.ExitReason)} | {o.FailCount} |");
            md.AppendLine();
        }

        md.AppendLine("## Configuration changes").AppendLine();
        if (r.Changes.Count == 0) md.AppendLine("The configuration did not change.").AppendLine();
        foreach (var c in r.Changes)
        {
            md.AppendLine($"### Version {c.FromVersion} → {c.ToVersion}: {Time(c.At)}, {c.Actor}").AppendLine();
            if (c.Reason is { Length: > 0 } why) md.AppendLine($"Why: {Cell(why)}").AppendLine();
            md.AppendLine("```diff");
            foreach (var line in c.Diff) md.AppendLine(line);
            md.AppendLine("```").AppendLine();
        }

        md.AppendLine("## Transitions").AppendLine();
        if (r.Transitions.Count == 0) md.AppendLine("No transition was planned.").AppendLine();
        foreach (var (planned, e) in r.Transitions)
        {
            md.AppendLine($"### {planned.TransitionId}: {Time(planned.At)}, as of log position {planned.AsOfSequence}").AppendLine();
            md.AppendLine(e.Same ? "Planned again from its inputs: the same transition." : "**Planned again from its inputs: a different transition** (replayed below).").AppendLine();
            md.AppendLine("```");
            if (planned.Summary.Count == 0) md.AppendLine("(nothing to do)");
            foreach (var line in planned.Summary) md.AppendLine(line);
            md.AppendLine("```");
            if (!e.Same)
            {
                md.AppendLine("Replayed:").AppendLine("```");
                foreach (var line in e.Replayed) md.AppendLine(line);
                md.AppendLine("```");
            }
            // Why each resource the summary names went where it went: the chosen node's contributions.
            var named = e.Placement.Where(p => p.Chosen && planned.Summary.Any(l => Names(l, p.Resource))).ToList();
            foreach (var p in named)
                md.AppendLine($"* {p.Resource} on {p.Node} (score {p.Score}): "
                              + (p.Because.Count == 0 ? "nothing for or against: the engine's default choice among equal nodes" : string.Join("; ", p.Because.Select(Cell))));
            md.AppendLine();
        }

        md.AppendLine("## Events by type").AppendLine();
        md.AppendLine("| type | count |").AppendLine("|---|---|");
        foreach (var (type, count) in r.Events) md.AppendLine($"| {type} | {count} |");
        return md.ToString();
    }

    public static string Html(ReportData r) =>
        $"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Cluster report {Time(r.Since)} to {Time(r.Until)}</title></head><body>\n"
        + Markdig.Markdown.ToHtml(Markdown(r), Markdig.MarkdownExtensions.UseAdvancedExtensions(new Markdig.MarkdownPipelineBuilder()).Build()) + "</body></html>\n";

    private static bool Names(string line, string resource) =>
        line.Split([' ', '\t', '(', ')'], StringSplitOptions.RemoveEmptyEntries).Contains(resource, StringComparer.Ordinal);

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Ms(long? ms) => ms is { } v ? $"{v} ms" : "";

    /// <summary>Text for a table cell: no line breaks or pipes to break the table.</summary>
    private static string Cell(string? text) => text is null ? "" : text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}

/// <summary>Gathers a report's data from the stored history and the log (the edge: the renderer stays pure).</summary>
public sealed class ReportBuilder(HistoryQueries history, ReplaySnapshots replay)
{
    public async Task<ReportData> BuildAsync(DateTimeOffset since, DateTimeOffset until, string by, DateTimeOffset now, CancellationToken ct)
    {
        var range = new HistoryRange(0, HistoryRange.MaxLimit, since, until);
        var failovers = await AllAsync(after => history.IncidentsAsync(null, range with { After = after }, current: true, ct));
        var fencing = await AllAsync(after => history.FencingAsync(null, range with { After = after }, current: true, ct));
        var operations = await AllAsync(after => history.OperationsAsync(null, null, range with { After = after }, current: true, ct));
        var changes = await AllAsync(after => history.ChangesAsync(null, range with { After = after }, current: true, ct));
        var events = await AllAsync(after => history.EventsAsync(new LogFilter(), range with { After = after }, ct));
        var planned = events.Where(e => e.Type == "cib.transition_planned.v1")
            .Select(e => (TransitionPlanned)System.Text.Json.JsonSerializer.Deserialize(e.Data.GetRawText(), typeof(TransitionPlanned), CibEventLog.Json)!)
            .OrderBy(t => t.AsOfSequence).ToList();
        // The state as of each transition's inputs, in order: the first from the latest replay snapshot before it, each
        // next one folded on from the last (or from a later snapshot), each planned again and explained.
        var transitions = new List<(TransitionPlanned, Explanation)>();
        ReplayState? state = null;
        foreach (var t in planned)
        {
            state = await replay.StateAtAsync(t.AsOfSequence, state, ct);
            transitions.Add((t, Explaining.Explain(state.Configuration, state.Status, t)));
        }
        return new ReportData(since, until, now, by, events.Count == 0 ? 0 : events[0].Seq, events.Count == 0 ? 0 : events[^1].Seq,
            failovers, fencing, [.. operations.Where(o => o.Kind == "failed")], changes, transitions,
            [.. events.GroupBy(e => e.Type).Select(g => (g.Key, g.Count())).OrderByDescending(x => x.Item2).ThenBy(x => x.Key, StringComparer.Ordinal)]);
    }

    private static async Task<List<T>> AllAsync<T>(Func<long, Task<HistoryPage<T>>> page)
    {
        var all = new List<T>();
        long after = 0;
        while (true)
        {
            var p = await page(after);
            all.AddRange(p.Items);
            if (p.Next is not { } next) return all;
            after = next;
        }
    }
}

/// <summary><c>GET /api/v1/report</c>: crm report for a time window, as one Markdown or HTML file (an auditor may).</summary>
public static class ReportApi
{
    public static void MapReportApi(this RouteGroupBuilder api)
    {
        api.MapGet("/report", async (HttpContext http, string? since, string? until, string? format, HistoryQueries history, ReplaySnapshots replay, TimeProvider time,
            CancellationToken ct) =>
        {
            var now = time.GetUtcNow();
            if (!TryTime(until, now, out var to) || !TryTime(since, to.AddDays(-1), out var from))
                return Problems.Result(StatusCodes.Status400BadRequest, "time-invalid", "since and until are times (ISO 8601)");
            if (to <= from) return Problems.Result(StatusCodes.Status400BadRequest, "time-range-invalid", "until comes after since");
            if (format is not (null or "md" or "html")) return Problems.Result(StatusCodes.Status400BadRequest, "format-unknown", "format is md (the default) or html");
            var data = await new ReportBuilder(history, replay).BuildAsync(from, to, http.User.Identity?.Name ?? "?", now, ct);
            return format == "html"
                ? Results.Text(ReportRenderer.Html(data), "text/html; charset=utf-8")
                : Results.Text(ReportRenderer.Markdown(data), "text/markdown; charset=utf-8");
        }).WithName("Report").WithSummary("crm report: a time window's fencing, failed operations, configuration changes and transitions (each planned again and explained) in one Markdown (or ?format=html) file; since defaults to a day before until, until to now")
          .Produces<string>(StatusCodes.Status200OK, "text/markdown", "text/html").ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static bool TryTime(string? text, DateTimeOffset fallback, out DateTimeOffset time)
    {
        time = fallback;
        return text is null || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using Cib.Projections.ReadModels;
using Cib.Projections.Store;

namespace HaCtl.Api;

/// <summary>
/// <c>hactl history events|fencing|operations|changes|failovers</c> and <c>hactl log</c>: the API's history (decision 0011) as the
/// logged-in user, page after page (the API's <c>next</c> cursor) until <c>--limit</c> rows; a table, JSON or CSV.
/// </summary>
public static class HistoryCommands
{
    private const int PageSize = 1_000;

    private sealed record Kind(string Name, string Path, string Description, string[] Table, (string Option, string Query, string Help)[] Filters);

    private static readonly Kind[] Kinds =
    [
        new("events", "events", "the raw log, filtered in the store", ["seq", "timestamp", "stream", "type", "actor", "correlationId"],
            [("--type", "type", "stored type names or event names, comma-separated (cib.node_fenced.v1, NodeFenced)"),
             ("--stream", "stream", "a stream (STREAM* for a prefix: resource/*)"), ("--actor", "actor", "who appended (alice is user:alice)"),
             ("--correlation", "correlation", "a correlation id")]),
        new("fencing", "fencing", "fencing history, as stonith_admin --history",
            ["requestedAt", "target", "action", "device", "executor", "origin", "result", "attempt", "durationMs", "error"],
            [("--target", "target", "the fenced node")]),
        new("operations", "operations", "operation history per resource and node (results, rc, exit reason, duration, fail counts, clean-ups)",
            ["at", "resource", "node", "kind", "operation", "intervalMs", "rc", "rcText", "status", "exitReason", "durationMs", "failCount"],
            [("--resource", "resource", "the resource"), ("--node", "node", "the node")]),
        new("changes", "changes", "configuration changes: who, when, why, the commands and the diff",
            ["at", "actor", "fromVersion", "toVersion", "reason", "commands", "diff"],
            [("--actor", "actor", "who changed it (alice is user:alice)")]),
        new("failovers", "failovers", "failover incidents: trigger, detection, fence, recovery actions, transitions, time to recovery",
            ["detectedAt", "trigger", "subject", "resources", "fenceResult", "fenceDurationMs", "recovery", "status", "timeToRecoveryMs"],
            [("--resource", "resource", "an affected resource")]),
    ];

    public static Command Create()
    {
        var history = new Command("history", "the cluster's history from the API (auditor): events, fencing, operations, configuration changes, failover incidents");
        foreach (var kind in Kinds) history.Subcommands.Add(For(kind));
        history.Subcommands.Add(Rebuild());
        history.Subcommands.Add(Verify());
        return history;
    }

    /// <summary>
    /// <c>hactl history rebuild</c> on the store host (HA_CONNECTION, as the store's owner or the node role): the stored
    /// history dropped and folded again from sequence 0 up to the stored status's position (else the log's end). The
    /// active controller keeps it current from there.
    /// </summary>
    private static Command Rebuild()
    {
        var upTo = new Option<long?>("--up-to") { Description = "fold up to this log position (default: the stored status's, else the log's end)", HelpName = "SEQ" };
        var command = new Command("rebuild", "fold the stored history again from sequence 0 (on the store host: HA_CONNECTION)") { upTo };
        command.SetBody(async (parse, stdout, _) =>
        {
            await using var db = Cib.Projections.Store.StoreDataSource.Create(Store.ConnectionString());
            var end = parse.GetValue(upTo)
                      ?? (await new Cib.Projections.ReadModels.ClusterStatus.StoredStatus(db).ReadAsync())?.Position
                      ?? await new Cib.Projections.ReadModels.History.HistoryQueries(db).LogPositionAsync();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var position = await new Cib.Projections.ReadModels.History.StoredHistory(db).RebuildAsync(end);
            stdout.WriteLine($"history rebuilt up to log position {position} in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// <c>hactl history verify</c> on the store host (HA_CONNECTION, as the store's owner: the check creates a scratch
    /// schema): the stored status and the stored history folded again from the log and compared with what is stored
    /// (<see cref="Cib.Projections.ReadModels.ReadModelCheck"/>). One line per read model, then
    /// <c>read-models: status=same|differs|none history=same|differs|none position=N</c>; exit code 1 when one differs.
    /// </summary>
    private static Command Verify()
    {
        var command = new Command("verify",
            "fold the stored status and the stored history again from the log and compare them with what is stored (on the store host, as the store's owner: HA_CONNECTION)");
        command.SetBody(async (_, stdout, _) =>
        {
            await using var db = Cib.Projections.Store.StoreDataSource.Create(Store.ConnectionString());
            var result = await new ReadModelCheck(db).RunAsync();
            foreach (var line in VerifyLines(result)) stdout.WriteLine(line);
            return result.Differs ? 1 : 0;
        });
        return command;
    }

    /// <summary>What <c>hactl history verify</c> prints for a check's result.</summary>
    internal static IEnumerable<string> VerifyLines(ReadModelCheckResult result)
    {
        var (status, history) = (result.Status, result.History);
        yield return status.Verdict switch
        {
            ReadModelVerdict.Same => $"status: the same as the log folded from 0 up to position {status.Position}",
            ReadModelVerdict.Differs =>
                $"status: differs from the log folded from 0 up to position {status.Position}: {string.Join(", ", status.Differences)}",
            _ => $"status: not checked ({status.Note})",
        };
        yield return history.Verdict switch
        {
            ReadModelVerdict.Same =>
                $"history: the same as the log folded from 0 up to position {history.Position} ({history.Tables.Count(t => t.Table != "ha_read_models")} tables and the state row: {history.Tables.Sum(t => t.StoredRows)} rows)",
            ReadModelVerdict.Differs =>
                $"history: differs from the log folded from 0 up to position {history.Position}: " + string.Join("; ", history.Differences.Select(t =>
                    $"{t.Table} {t.DifferingRows} of {Math.Max(t.StoredRows, t.RefoldedRows)} rows ({t.KeyColumn} {string.Join(", ", t.FirstKeys)}{(t.DifferingRows > t.FirstKeys.Count ? ", ..." : "")})")),
            _ => $"history: not checked ({history.Note})",
        };
        static string Word(ReadModelVerdict v) => v switch
        {
            ReadModelVerdict.Same => "same",
            ReadModelVerdict.Differs => "differs",
            _ => "none",
        };
        yield return $"read-models: status={Word(status.Verdict)} history={Word(history.Verdict)} position={status.Position}"
                     + (history.Position != status.Position ? $" history_position={history.Position}" : "");
    }

    private static Command For(Kind kind)
    {
        var filters = kind.Filters.Select(f => (f.Query, Option: new Option<string?>(f.Option) { Description = f.Help, HelpName = "VALUE" })).ToList();
        var since = new Option<string?>("--since") { Description = "from this time on (ISO 8601, or a duration back from now: 90s, 15m, 2h, 7d)", HelpName = "T" };
        var until = new Option<string?>("--until") { Description = "before this time (as --since)", HelpName = "T" };
        var after = new Option<long>("--after") { Description = "after this log position (a page's next cursor)", HelpName = "SEQ" };
        var limit = new Option<int>("--limit") { Description = "at most this many rows", DefaultValueFactory = _ => 100, HelpName = "N" };
        limit.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--limit is 1 or more"); });
        var format = new Option<string>("--format") { Description = "table, json or csv", DefaultValueFactory = _ => "table", HelpName = "FORMAT" };
        format.AcceptOnlyFromAmong("table", "json", "csv");
        var current = new Option<bool>("--current") { Description = "fold the log after the stored history's position on (the last second or so)" };
        var command = new Command(kind.Name, kind.Description) { since, until, after, limit, format };
        if (kind.Name != "events") command.Options.Add(current);
        foreach (var (_, option) in filters) command.Options.Add(option);
        command.SetBody(async (parse, stdout, stderr) =>
        {
            var query = new List<(string, string)>();
            foreach (var (name, option) in filters)
                if (parse.GetValue(option) is { Length: > 0 } v) query.Add((name, v));
            var now = DateTimeOffset.UtcNow;
            if (parse.GetValue(since) is { } s) query.Add(("since", Time(s, now, "--since")));
            if (parse.GetValue(until) is { } u) query.Add(("until", Time(u, now, "--until")));
            if (kind.Name != "events" && parse.GetValue(current)) query.Add(("current", "true"));
            var rows = await FetchAsync(kind.Path, query, parse.GetValue(after), parse.GetValue(limit));
            Print(kind, rows, parse.GetValue(format)!, stdout);
            if (rows.Next is { } next) stderr.WriteLine($"(more: --after {next})");
            return 0;
        });
        return command;
    }

    /// <summary>The rows of as many pages as <paramref name="limit"/> takes, and the next cursor when more remain.</summary>
    private sealed record Rows(List<JsonObject> Items, long? Next, long AsOf, long LogPosition);

    private static async Task<Rows> FetchAsync(string path, List<(string Key, string Value)> query, long after, int limit, CancellationToken ct = default)
    {
        using var client = ApiCommands.LoggedIn().Client();
        var items = new List<JsonObject>();
        long? next = after;
        long asOf = 0, end = 0;
        while (next is { } cursor && items.Count < limit)
        {
            var page = Math.Min(PageSize, limit - items.Count);
            var url = $"api/v1/history/{path}?" + string.Join('&', query.Append(("after", cursor.ToString(CultureInfo.InvariantCulture)))
                .Append(("limit", page.ToString(CultureInfo.InvariantCulture))).Select(q => $"{q.Item1}={Uri.EscapeDataString(q.Item2)}"));
            var answer = JsonNode.Parse(await ApiCommands.ReadAsync(await client.GetAsync(url, ct)))!.AsObject();
            items.AddRange(answer["items"]!.AsArray().Select(x => x!.AsObject()));
            next = answer["next"]?.GetValue<long>();
            asOf = answer["asOf"]!.GetValue<long>();
            end = answer["logPosition"]!.GetValue<long>();
        }
        return new Rows([.. items.Select(i => (JsonObject)i.DeepClone())], next, asOf, end);
    }

    /// <summary>An ISO 8601 time, or a duration back from <paramref name="now"/> (90s, 15m, 2h, 7d, or ISO's PT1H).</summary>
    internal static string Time(string text, DateTimeOffset now, string option)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            return t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
        TimeSpan? back = null;
        if (text.Length > 1 && double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            back = text[^1] switch { 's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), 'd' => TimeSpan.FromDays(n), _ => null };
        if (back is null && text.StartsWith('P'))
        {
            try { back = XmlConvert.ToTimeSpan(text); }
            catch (FormatException) { }
        }
        return back is { } b ? (now - b).ToString("O", CultureInfo.InvariantCulture)
            : throw new UsageException($"{option}: '{text}' is neither a time (2026-11-30T10:00:00Z) nor a duration (15m, 2h, 7d)");
    }

    private static void Print(Kind kind, Rows rows, string format, TextWriter stdout)
    {
        switch (format)
        {
            case "json":
                var page = new JsonObject
                {
                    ["items"] = new JsonArray([.. rows.Items]), ["next"] = rows.Next, ["asOf"] = rows.AsOf, ["logPosition"] = rows.LogPosition,
                };
                stdout.WriteLine(page.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return;
            case "csv":
                var columns = rows.Items.FirstOrDefault()?.Select(p => p.Key).ToList() ?? [.. kind.Table];
                stdout.WriteLine(string.Join(',', columns.Select(CsvField)));
                foreach (var row in rows.Items) stdout.WriteLine(string.Join(',', columns.Select(c => CsvField(Cell(row[c], multiline: true)))));
                return;
            default:
                Table(kind.Table, rows.Items, stdout);
                if (kind.Name != "events") stdout.WriteLine($"(history as of log position {rows.AsOf}; the log is at {rows.LogPosition})");
                return;
        }
    }

    private static string CsvField(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;

    private static string Cell(JsonNode? node, bool multiline = false) => node switch
    {
        null => "",
        JsonArray a => string.Join(multiline ? "\n" : "; ", a.Select(x => x is JsonObject o && o["operation"] is not null ? Recovery(o) : x?.ToString() ?? "")),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    /// <summary>A failover's recovery action in one line: <c>start web on node1: succeeded in 300 ms</c>.</summary>
    private static string Recovery(JsonObject a) => $"{a["operation"]} {a["resource"]} on {a["node"]}: {a["result"]} in {a["durationMs"]} ms";

    /// <summary>Aligned columns; a time as UTC to the millisecond.</summary>
    private static void Table(string[] columns, List<JsonObject> rows, TextWriter stdout)
    {
        var cells = rows.Select(r => columns.Select(c => Short(c, Cell(r[c]))).ToArray()).ToList();
        var widths = columns.Select((c, i) => Math.Min(60, cells.Select(r => r[i].Length).Append(c.Length).Max())).ToArray();
        stdout.WriteLine(Line(columns, widths));
        foreach (var row in cells) stdout.WriteLine(Line(row, widths));
        if (rows.Count == 0) stdout.WriteLine("(none)");
    }

    private static string Short(string column, string value)
    {
        if (value.Length > 0 && (column.EndsWith("At", StringComparison.Ordinal) || column is "at" or "timestamp")
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            return t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
        return value.ReplaceLineEndings(" ");
    }

    private static string Line(IReadOnlyList<string> values, int[] widths)
    {
        var s = new StringBuilder();
        for (var i = 0; i < values.Count; i++)
        {
            var v = values[i].Length > widths[i] ? values[i][..(widths[i] - 1)] + "…" : values[i];
            s.Append(i == values.Count - 1 ? v : v.PadRight(widths[i] + 2));
        }
        return s.ToString().TrimEnd();
    }

    /// <summary>
    /// <c>hactl log</c>: the event log in order, one event a line (what happened, when, by whom), a page at a time through
    /// the API (or, with <paramref name="store"/>, from the store on the store host: HA_CONNECTION); <c>--follow</c> goes on
    /// printing what is appended until Ctrl-C.
    /// </summary>
    public static async Task<int> LogAsync(long since, string? stream, bool follow, bool store, TextWriter stdout, CancellationToken ct)
    {
        var query = new List<(string, string)>();
        if (stream is { Length: > 0 }) query.Add(("stream", stream + "*"));
        await using var db = store ? Cib.Projections.Store.StoreDataSource.Create(Store.ConnectionString()) : null;
        var after = since;
        while (!ct.IsCancellationRequested)
        {
            Rows page;
            try
            {
                page = db is null ? await FetchAsync("events", query, after, PageSize, ct) : await FromStoreAsync(db, stream, after, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            foreach (var e in page.Items)
            {
                var seq = e["seq"]!.GetValue<long>();
                var at = DateTimeOffset.Parse(e["timestamp"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                var actor = e["headers"] is JsonObject h && h[CommandMetadata.ActorHeader] is { } a ? a.ToString() : e["actor"]?.ToString();
                var type = e["type"]!.GetValue<string>();
                // The event as its record prints (the same line as before the log was read through the API); an unknown name as stored.
                var data = EventUpcasts.Read(type, e["data"]!.ToJsonString(), CibEventLog.Json)?.ToString() ?? $"{type} {e["data"]!.ToJsonString()}";
                await stdout.WriteLineAsync($"{seq,6} {at.ToUniversalTime():HH:mm:ss.fff} {e["stream"],-24} {actor,-18} {data}");
                after = seq;
            }
            await stdout.FlushAsync(ct);
            if (page.Next is not null) continue;
            if (!follow) break;
            await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        return 0;
    }

    /// <summary>A page of the raw log read from the store itself, as the API would answer it.</summary>
    private static async Task<Rows> FromStoreAsync(Npgsql.NpgsqlDataSource db, string? stream, long after, CancellationToken ct)
    {
        var page = await new Cib.Projections.ReadModels.History.HistoryQueries(db).EventsAsync(
            new Cib.Projections.ReadModels.History.LogFilter(Stream: stream is { Length: > 0 } ? stream + "*" : null),
            new Cib.Projections.ReadModels.History.HistoryRange(after, PageSize), ct);
        var json = JsonSerializer.SerializeToNode(page, ApiSession.Json)!.AsObject();
        return new Rows([.. json["items"]!.AsArray().Select(x => (JsonObject)x!.DeepClone())], page.Next, page.AsOf, page.LogPosition);
    }
}

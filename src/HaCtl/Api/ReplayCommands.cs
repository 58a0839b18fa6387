using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;

namespace HaCtl.Api;

/// <summary>
/// <c>hactl replay --at SEQ|TIME</c>, <c>hactl explain TRANSITION [--resource R]</c> and the live form of <c>hactl
/// simulate</c>: the past and the hypothetical, through the API (an auditor may); nothing is appended.
/// </summary>
public static class ReplayCommands
{
    public static Command Replay()
    {
        var at = new Option<string?>("--at") { Description = "a log position (a number) or a time (ISO 8601); default: now", HelpName = "SEQ|TIME" };
        var check = new Option<bool>("--check") { Description = "decide every recorded controller step again from the log and list what differs (nothing expected)" };
        var from = new Option<string?>("--from") { Description = "with --check: only the steps that began at or after this log position (or after this time)", HelpName = "SEQ|TIME" };
        var to = new Option<string?>("--to") { Description = "with --check: only the steps that began up to this log position or time", HelpName = "SEQ|TIME" };
        var command = new Command("replay", "the cluster as crm_mon showed it at a log position or a time, or (--check) replay every recorded decision")
        {
            at, check, from, to, ApiCommands.Json,
        };
        command.SetBody(async (parse, stdout, _) =>
        {
            using var client = ApiCommands.LoggedIn().Client();
            if (parse.GetValue(check))
            {
                var range = string.Join("&", new[] { ("from", parse.GetValue(from)), ("to", parse.GetValue(to)) }
                    .Where(p => p.Item2 is not null).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
                var text = await ApiCommands.ReadAsync(await client.GetAsync($"api/v1/replay/check{(range.Length == 0 ? "" : "?" + range)}"));
                if (parse.GetValue(ApiCommands.Json)) { stdout.WriteLine(text); return 0; }
                using var result = JsonDocument.Parse(text);
                var mismatches = result.RootElement.GetProperty("mismatches");
                stdout.WriteLine($"replay: {result.RootElement.GetProperty("checked").GetInt32()} recorded decisions checked, {mismatches.GetArrayLength()} differ");
                foreach (var m in mismatches.EnumerateArray())
                    stdout.WriteLine($"  step {m.GetProperty("step").GetString()} (transition {m.GetProperty("transitionId").GetString()}): recorded {m.GetProperty("recorded").GetArrayLength()} events, replay decided {m.GetProperty("replayed").GetArrayLength()}");
                return mismatches.GetArrayLength() == 0 ? 0 : 1;
            }
            var query = parse.GetValue(at) is { } a ? $"?at={Uri.EscapeDataString(a)}" : "";
            if (parse.GetValue(ApiCommands.Json)) stdout.WriteLine(await ApiCommands.ReadAsync(await client.GetAsync($"api/v1/replay{query}")));
            else stdout.Write(await ApiCommands.ReadAsync(await client.GetAsync($"api/v1/replay{query}{(query.Length == 0 ? "?" : "&")}format=text")));
            return 0;
        });
        return command;
    }

    public static Command Explain()
    {
        var transition = new Argument<string>("TRANSITION") { Description = "a recorded transition's id (hactl log shows them: TransitionPlanned t123)" };
        var resource = new Option<string?>("--resource") { Description = "only this resource (a group: its members)", HelpName = "R" };
        var command = new Command("explain", "why a transition was planned: its inputs planned again, each resource's score per node and what made it")
        {
            transition, resource, ApiCommands.Json,
        };
        command.SetBody(async (parse, stdout, _) =>
        {
            using var client = ApiCommands.LoggedIn().Client();
            var path = $"api/v1/explain/{Uri.EscapeDataString(parse.GetValue(transition)!)}" + (parse.GetValue(resource) is { } r ? $"?resource={Uri.EscapeDataString(r)}" : "");
            var text = await ApiCommands.ReadAsync(await client.GetAsync(path));
            if (parse.GetValue(ApiCommands.Json)) { stdout.WriteLine(text); return 0; }
            using var doc = JsonDocument.Parse(text);
            var e = doc.RootElement;
            stdout.WriteLine($"transition {e.GetProperty("transitionId").GetString()}, planned at {e.GetProperty("at").GetDateTimeOffset():u} as of log position {e.GetProperty("asOfSequence").GetInt64()}");
            stdout.WriteLine(e.GetProperty("same").GetBoolean() ? "replayed from its inputs: the same transition" : "replayed from its inputs: A DIFFERENT TRANSITION (recorded, then replayed below)");
            Lines(stdout, "recorded", e.GetProperty("recorded"));
            if (!e.GetProperty("same").GetBoolean()) Lines(stdout, "replayed", e.GetProperty("replayed"));
            stdout.WriteLine("placement (score per node, * = chosen):");
            foreach (var c in e.GetProperty("placement").EnumerateArray())
            {
                stdout.WriteLine($"  {(c.GetProperty("chosen").GetBoolean() ? "*" : " ")} {c.GetProperty("resource").GetString()} on {c.GetProperty("node").GetString()}: {ScoreText(c.GetProperty("score"))}");
                foreach (var b in c.GetProperty("because").EnumerateArray()) stdout.WriteLine($"        {b.GetString()}");
            }
            return 0;
        });
        return command;
    }

    /// <summary><c>hactl report --since T --until T -o FILE [--format md|html]</c>: crm report, through the API.</summary>
    public static Command Report()
    {
        var since = new Option<string?>("--since") { Description = "the window's start (ISO 8601; default: a day before --until)", HelpName = "TIME" };
        var until = new Option<string?>("--until") { Description = "the window's end (ISO 8601; default: now)", HelpName = "TIME" };
        var output = new Option<string?>("--output", "-o") { Description = "write the report to FILE (default: stdout)", HelpName = "FILE" };
        var format = new Option<string>("--format") { Description = "md (Markdown) or html", DefaultValueFactory = _ => "md" };
        format.AcceptOnlyFromAmong("md", "html");
        var command = new Command("report", "one file an auditor can keep: a window's fencing, failed operations, configuration changes and transitions, each planned again and explained")
        {
            since, until, output, format,
        };
        command.SetBody(async (parse, stdout, _) =>
        {
            var query = new List<string> { $"format={parse.GetValue(format)}" };
            if (parse.GetValue(since) is { } s) query.Add($"since={Uri.EscapeDataString(s)}");
            if (parse.GetValue(until) is { } u) query.Add($"until={Uri.EscapeDataString(u)}");
            using var client = ApiCommands.LoggedIn().Client();
            var text = await ApiCommands.ReadAsync(await client.GetAsync($"api/v1/report?{string.Join('&', query)}"));
            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file, text);
                stdout.WriteLine($"report written to {file}");
            }
            else stdout.Write(text);
            return 0;
        });
        return command;
    }

    /// <summary>The live what-if of <c>hactl simulate</c> (without a FILE): the events to apply, and where.</summary>
    public static async Task<int> SimulateAsync(string? at, string[] lost, string[] back, string[] failed, string[] standby, string? edit, bool scores, bool json,
        TextWriter stdout, TextWriter stderr)
    {
        string? text = null;
        if (edit is not null)
        {
            try { text = await File.ReadAllTextAsync(edit); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"{edit}: cannot read: {e.Message}");
                return 1;
            }
        }
        using var client = ApiCommands.LoggedIn().Client();
        var answer = await ApiCommands.ReadAsync(await client.PostAsJsonAsync("api/v1/simulate",
            new { at, nodeLost = lost, nodeBack = back, resourceFailed = failed, standby, edit = text }));
        if (json) { stdout.WriteLine(answer); return 0; }
        using var doc = JsonDocument.Parse(answer);
        var r = doc.RootElement;
        stdout.WriteLine($"what-if as of log position {r.GetProperty("asOfSequence").GetInt64()}: {string.Join(", ", r.GetProperty("applied").EnumerateArray().Select(a => a.GetString()))}{(text is null ? "" : $"{(r.GetProperty("applied").GetArrayLength() > 0 ? ", " : "")}the edit in {edit}")}");
        if (scores)
            foreach (var s in r.GetProperty("scores").EnumerateArray().Where(s => s.GetProperty("stage").GetString() == "primitive"))
                stdout.WriteLine($"  score {s.GetProperty("resource").GetString()} on {s.GetProperty("node").GetString()}: {ScoreText(s.GetProperty("score"))}");
        Lines(stdout, "Transition Summary", r.GetProperty("summary"));
        stdout.WriteLine("(nothing was appended)");
        return 0;
    }

    private static void Lines(TextWriter stdout, string title, JsonElement lines)
    {
        stdout.WriteLine($"{title}:");
        if (lines.GetArrayLength() == 0) stdout.WriteLine("  (nothing to do)");
        foreach (var l in lines.EnumerateArray()) stdout.WriteLine($"  {l.GetString()}");
    }

    private static string ScoreText(JsonElement score) => score.ValueKind == JsonValueKind.String ? score.GetString()! : score.GetRawText();
}

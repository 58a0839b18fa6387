using System.CommandLine;
using HaCtl.Api;

namespace HaCtl;

/// <summary>
/// hactl log: the event log in order, one event a line: what happened, when, by whom. Read through the API as the
/// logged-in user, a page at a time (filtered in the store, never the whole log in memory); <c>--follow</c> tails it.
/// </summary>
public static class LogCommand
{
    public static Command Create()
    {
        var since = new Option<long>("--since") { Description = "only events after this global sequence number", HelpName = "SEQ" };
        var stream = new Option<string?>("--stream") { Description = "only streams whose key starts with PREFIX", HelpName = "PREFIX" };
        var follow = new Option<bool>("--follow", "-f") { Description = "go on printing events as they are appended, until Ctrl-C" };
        var store = new Option<bool>("--store") { Description = "read the store directly (on the store host: HA_CONNECTION), not the API" };
        var command = new Command("log", "print the event log in order (membership, operations, fencing, transitions, edits), from the API") { since, stream, follow, store };
        command.SetBody(async (parse, stdout, _) =>
        {
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
            return await HistoryCommands.LogAsync(parse.GetValue(since), parse.GetValue(stream), parse.GetValue(follow), parse.GetValue(store), stdout,
                stop.Token);
        });
        return command;
    }
}

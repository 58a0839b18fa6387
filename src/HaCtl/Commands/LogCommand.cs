using Cib.Projections.Store;
using System.CommandLine;
using Marten;

namespace HaCtl;

/// <summary>hactl log: the event log in order, one event a line: what happened, when, by whom, why.</summary>
public static class LogCommand
{
    public static Command Create()
    {
        var since = new Option<long>("--since") { Description = "only events after this global sequence number", HelpName = "SEQ" };
        var stream = new Option<string?>("--stream") { Description = "only streams whose key starts with PREFIX", HelpName = "PREFIX" };
        var command = new Command("log", "print the event log in order (membership, operations, fencing, transitions, edits)") { since, stream };
        command.SetBody((parse, stdout, _) => RunAsync(parse.GetValue(since), parse.GetValue(stream), stdout));
        return command;
    }

    private static async Task<int> RunAsync(long since, string? stream, TextWriter stdout)
    {
        using var store = CibStore.Create(Store.ConnectionString());
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents().Where(e => e.Sequence > since).OrderBy(e => e.Sequence).ToListAsync();
        foreach (var e in events.Where(e => stream is null || (e.StreamKey ?? "").StartsWith(stream, StringComparison.Ordinal)))
        {
            var actor = e.Headers is { } h && h.TryGetValue(CommandMetadata.ActorHeader, out var a) ? a?.ToString() : e.UserName;
            await stdout.WriteLineAsync($"{e.Sequence,6} {e.Timestamp:HH:mm:ss.fff} {e.StreamKey,-24} {actor,-18} {e.Data}");
        }
        return 0;
    }
}

using Cib.Projections.Store;
using Marten;

namespace HaCtl;

/// <summary>hactl log: the event log in order, one event a line: what happened, when, by whom, why.</summary>
public static class LogCommand
{
    public static IEnumerable<Cli.Command> All =>
    [
        new("log", "[--since SEQ] [--stream PREFIX]", "print the event log in order (membership, operations, fencing, transitions, edits)", RunAsync),
    ];

    private static async Task<int> RunAsync(string[] args)
    {
        long since = 0;
        string? stream = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--since" when i + 1 < args.Length && long.TryParse(args[i + 1], out var s): since = s; i++; break;
                case "--stream" when i + 1 < args.Length: stream = args[++i]; break;
                default: throw new UsageException($"unexpected '{args[i]}'");
            }
        }
        using var store = CibStore.Create(Store.ConnectionString());
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents().Where(e => e.Sequence > since).OrderBy(e => e.Sequence).ToListAsync();
        foreach (var e in events.Where(e => stream is null || (e.StreamKey ?? "").StartsWith(stream, StringComparison.Ordinal)))
        {
            var actor = e.Headers is { } h && h.TryGetValue(CommandMetadata.ActorHeader, out var a) ? a?.ToString() : e.UserName;
            Console.WriteLine($"{e.Sequence,6} {e.Timestamp:HH:mm:ss.fff} {e.StreamKey,-24} {actor,-18} {e.Data}");
        }
        return 0;
    }
}

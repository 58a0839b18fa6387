using Cib.Domain.Primitives;
using Cib.Interop.Crm;
using Cib.Projections.Store;
using Npgsql;

namespace HaCtl.Bench;

/// <summary>
/// hactl bench appends: an admin's configuration change appended in a loop, as one long-lived client (the API is one), for
/// the store failover bench (./ha bench store-failover). Each attempt sets the property NAME to the next number through the
/// one write path, given a deadline; an acknowledged one is written to the ledger as "ACK_MS NUMBER ack START_MS" (Unix
/// milliseconds) at once, so that an observer can check afterwards that the log holds every acknowledged change. A failed
/// attempt drops the pooled sessions (they may be sessions to a primary that is gone) and the next begins after a pause.
/// Runs until the stop file exists.
/// </summary>
public static class AppendLoop
{
    public sealed record Settings(string Connection, string Name, string Ledger, string StopFile, TimeSpan Deadline, TimeSpan Pause);

    public static async Task<int> RunAsync(Settings s, TextWriter error)
    {
        using var store = CibStore.Create(s.Connection);
        var loader = new ConfigurationLoader(store);
        await using var ledger = new StreamWriter(s.Ledger, append: false) { AutoFlush = true };
        var failures = 0;
        for (var i = 1; !File.Exists(s.StopFile); i++)
        {
            var started = Now();
            using var deadline = new CancellationTokenSource(s.Deadline);
            try
            {
                var result = await loader.LoadAsync($"property {s.Name}={i}\n", LoadMode.Update, CommandMetadata.For(Actor.User("admin")),
                    reason: "bench store-failover", ct: deadline.Token).WaitAsync(deadline.Token);
                if (!result.IsApplied) throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Format("append"))));
                await ledger.WriteLineAsync($"{Now()} {i} ack {started}");
                await Task.Delay(s.Pause);
            }
            catch (Exception e) // whatever a store failover throws (Npgsql, Marten's wrappers, the deadline): the attempt is not acknowledged
            {
                if (failures++ < 3) error.WriteLine($"bench appends: attempt {i} failed after {Now() - started} ms: {e.GetType().Name}: {e.Message}");
                NpgsqlConnection.ClearAllPools();
                await Task.Delay(s.Pause);
            }
        }
        return 0;
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}

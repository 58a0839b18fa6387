using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace Lab.Tests;

/// <summary>
/// The lab's replicated store (decision 0014, docs/lab.md "The replicated store"): three members, each with etcd,
/// Patroni and PostgreSQL in strict synchronous mode. A writer outside the product appends through the multi-host
/// connection string the lab hands out and keeps its own ledger of acknowledged writes; the primary is killed.
/// Its own lab (one node, running nothing), not the shared one.
/// </summary>
public sealed class ReplicatedStoreTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The store's failover bound (docs/lab.md, decision 0014): how long a new primary and the first write on it
    /// may take. A timeout, not a measurement: the measured figure is printed (5-7 s here at load average 14-20).</summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(15);

    private readonly LabSupport.Lab _lab = new();

    public async Task InitializeAsync()
    {
        if (LabSupport.Lab.IsRoot) await _lab.UpAsync(1, boot: "exec sleep infinity", replicatedStore: true);
    }

    public async Task DisposeAsync()
    {
        if (LabSupport.Lab.IsRoot) await _lab.DownAsync();
    }

    [LabFact]
    public async Task A_killed_primary_is_replaced_writes_resume_through_the_same_connection_string_and_no_acknowledged_write_is_lost()
    {
        var before = await _lab.StoreStatusAsync();
        output.WriteLine(before.Text);
        Assert.All(before.Members, m => Assert.True(m.Up && m.State == "running" && m.Etcd.StartsWith("healthy", StringComparison.Ordinal), m.ToString()));
        var leader = before.Leader;
        Assert.NotNull(leader);
        Assert.NotNull(before.SyncStandby);
        Assert.Equal([leader], before.PrimariesByOwnView);

        // What ./ha tooling and the tests use (postgres): the three hosts; what the nodes use (ha_node): their own route to
        // the primary, a HAProxy on the node's loopback that follows Patroni (decision 0014).
        var url = _lab.StoreUrl;
        Assert.Contains("Host=10.77.0.21,10.77.0.22,10.77.0.23;", url);
        Assert.Contains("Target Session Attributes=primary", url);
        Assert.Contains("Host=127.0.0.1;Port=5433;", _lab.StoreUrlForNodes);
        Assert.Contains("Username=ha_node", _lab.StoreUrlForNodes);
        await ExecuteAsync(url, "CREATE TABLE lab_store_ledger (id bigint PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp())");

        using var stop = new CancellationTokenSource();
        var writer = new LedgerWriter(url);
        var writing = Task.Run(() => writer.RunAsync(stop.Token));
        Assert.True(await WaitAsync(() => writer.Acknowledged.Count >= 25, TimeSpan.FromSeconds(30)), "no writes acknowledged on the first primary");

        var killing = writer.Now;
        await _lab.StoreAsync("kill", leader);
        // Measured from the kill's end (the member's processes are gone), so that no write counted was taken by the old primary.
        var killedAt = writer.Now;
        var ackedBeforeKill = writer.Acknowledged.Where(a => a.AckedMs <= killing).Select(a => a.Id).ToList();
        Assert.True(await WaitAsync(() => writer.FirstAttemptedAfter(killedAt) is not null, FailoverBound),
            $"no write acknowledged within {FailoverBound.TotalSeconds} s of killing the primary {leader}\n{(await _lab.StoreStatusAsync()).Text}");
        var resumed = writer.FirstAttemptedAfter(killedAt)!;
        // A few more writes on the new primary, then the writer stops.
        var target = writer.Acknowledged.Count + 10;
        Assert.True(await WaitAsync(() => writer.Acknowledged.Count >= target, FailoverBound), "writes did not go on after resuming");
        await stop.CancelAsync();
        await writing;

        var after = await WaitForStatusAsync(s => s.Leader is not null && s.Leader != leader && s.SyncStandby is not null, FailoverBound);
        output.WriteLine(after.Text);
        Assert.False(after[leader].Up);
        Assert.Equal("-", after[leader].OwnRole);
        Assert.Equal([after.Leader!], after.PrimariesByOwnView);
        Assert.True(int.Parse(after[after.Leader!].Timeline) > int.Parse(before[leader].Timeline), "the new primary is on a new timeline");

        // Every acknowledged write is there (synchronous replication), read through the same connection string.
        var stored = await ReadIdsAsync(url);
        Assert.Empty(ackedBeforeKill.Except(stored));
        Assert.Empty(writer.Acknowledged.Select(a => a.Id).Except(stored));
        // The nodes' connection string (their own role, through node1's route) finds the new primary too.
        var forNodes = new NpgsqlConnectionStringBuilder(_lab.StoreUrlForNodes);
        var viaRoute = await _lab.ShellAsync("node1",
            $"PGPASSFILE='{forNodes.Passfile}' psql -h {forNodes.Host} -p {forNodes.Port} -U {forNodes.Username} -d {forNodes.Database} -Atc 'SELECT pg_is_in_recovery()'");
        Assert.True(viaRoute.Output.Trim() == "f", $"through node1's route: {viaRoute}");

        output.WriteLine($"store failover (kill -9 of the primary {leader}, all of etcd, Patroni and PostgreSQL): writes resumed " +
                         $"{resumed.AckedMs - killedAt} ms after the kill on {after.Leader} (the first write attempted after it, " +
                         $"acknowledged); {ackedBeforeKill.Count} writes acknowledged before the kill, {writer.Acknowledged.Count} in all, " +
                         $"{writer.Failures} failed attempts, none lost");

        // heal boots the killed member again: it rejoins as a replica of the new primary (pg_rewind when needed).
        await _lab.StoreAsync("heal", leader);
        var healed = await WaitForStatusAsync(
            s => s[leader].Up && s[leader].State == "running" && s[leader].Role is "replica" or "sync-standby", TimeSpan.FromSeconds(45));
        output.WriteLine(healed.Text);
        Assert.Equal(after.Leader, healed.Leader);
        Assert.Equal([after.Leader!], healed.PrimariesByOwnView);

        // down removes the members (namespaces, links, processes, data), any number of times.
        var tinis = healed.Members.Select(m => _lab.StorePid(m.Name)).ToList();
        await _lab.DownAsync();
        await _lab.DownAsync();
        Assert.DoesNotContain((await Command.RunAsync("ip", ["netns", "list"])).Output.Split('\n'), l => l.StartsWith("ha-s", StringComparison.Ordinal));
        Assert.DoesNotContain("ha-s1-h", (await Command.RunAsync("ip", ["-o", "link", "show"])).Output);
        Assert.All(tinis, pid => Assert.False(pid is { } p && LabSupport.ProcFs.IsLiveProcess(p, "tini")));
        Assert.False(Directory.Exists(Path.Combine(_lab.StateDirectory, "store")));
    }

    private async Task<StoreStatus> WaitForStatusAsync(Func<StoreStatus, bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        StoreStatus status;
        while (!condition(status = await _lab.StoreStatusAsync()))
        {
            if (deadline.Elapsed > timeout) Assert.Fail($"the store did not reach the expected state within {timeout.TotalSeconds} s\n{status.Text}");
            await Task.Delay(250);
        }
        return status;
    }

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout) return false;
            await Task.Delay(20);
        }
        return true;
    }

    private static async Task ExecuteAsync(string url, string sql)
    {
        await using var connection = new NpgsqlConnection(url);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<HashSet<long>> ReadIdsAsync(string url)
    {
        await using var connection = new NpgsqlConnection(url);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM lab_store_ledger", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<long>();
        while (await reader.ReadAsync()) ids.Add(reader.GetInt64(0));
        return ids;
    }

    /// <summary>One acknowledged write: its id, when it was attempted and when the commit came back (ms on the writer's clock).</summary>
    private sealed record Ack(long Id, long AttemptedMs, long AckedMs);

    /// <summary>
    /// Inserts ids 1, 2, 3, ... every 20 ms through the multi-host connection string, a connection from the pool each
    /// time; an id is retried until acknowledged (ON CONFLICT DO NOTHING: a failed insert may have committed).
    /// </summary>
    private sealed class LedgerWriter(string url)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly ConcurrentQueue<Ack> _acknowledged = new();
        private int _failures;

        public long Now => _clock.ElapsedMilliseconds;
        public IReadOnlyCollection<Ack> Acknowledged => _acknowledged.ToArray();
        public int Failures => _failures;

        public Ack? FirstAttemptedAfter(long ms) => _acknowledged.FirstOrDefault(a => a.AttemptedMs >= ms);

        public async Task RunAsync(CancellationToken stop)
        {
            var next = 1L;
            while (!stop.IsCancellationRequested)
            {
                var attempted = Now;
                try
                {
                    await using var connection = new NpgsqlConnection(url);
                    await connection.OpenAsync(stop);
                    await using var command = new NpgsqlCommand("INSERT INTO lab_store_ledger (id) VALUES ($1) ON CONFLICT DO NOTHING", connection)
                    {
                        CommandTimeout = 10,
                        Parameters = { new NpgsqlParameter { Value = next } },
                    };
                    await command.ExecuteNonQueryAsync(stop);
                    _acknowledged.Enqueue(new Ack(next, attempted, Now));
                    next++;
                    await Task.Delay(20, stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
                {
                    Interlocked.Increment(ref _failures);
                    try { await Task.Delay(20, stop); } catch (OperationCanceledException) { return; }
                }
            }
        }
    }
}

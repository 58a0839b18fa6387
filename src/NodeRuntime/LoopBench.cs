using NodeRuntime.Controller;
using NodeRuntime.Membership;
using Cib.Domain;
using Cib.Domain.Operations;
using System.Diagnostics;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Projections.Store;
using Marten;
using NodeRuntime.Agents;
using NodeRuntime.Dispatch;
using NodeRuntime.Execution;
using Npgsql;

namespace NodeRuntime;

/// <summary>
/// <c>ha-node bench loop</c>: the control loop's reaction times on a real PostgreSQL, with node runtimes in this
/// process running the real Dummy agent (each node with its own agent state directory):
/// commit → the node sees its action (a configuration edit, the controller plans and dispatches, the node's
/// agent accepts the dispatch), and controller takeover (the active controller stops; another is elected).
/// Prints numbers; asserts nothing.
/// </summary>
public static class LoopBench
{
    public static async Task<int> RunAsync(Options options)
    {
        var runs = options.Int("runs", 30);
        var connection = options.Value("connection") ?? Environment.GetEnvironmentVariable("HA_CONNECTION")
            ?? throw new UsageException("bench loop needs a store: --connection CS or HA_CONNECTION (./ha node bench loop sets it)");
        var database = $"ha_bench_{Guid.NewGuid():N}"[..20];
        await ExecuteAsync(connection, $"CREATE DATABASE {database}");
        var cs = new NpgsqlConnectionStringBuilder(connection) { Database = database }.ConnectionString;
        var scratch = Directory.CreateTempSubdirectory("ha-loop-").FullName;
        try
        {
            await SchemaMigrations.ApplyAsync(cs);
            using var store = CibStore.Create(cs);
            await using var data = NpgsqlDataSource.Create(cs);
            var writer = new ConfigurationWriter(store);
            var admin = CommandMetadata.For(Actor.User("bench"));
            await writer.ChangeAsync(new ChangeConfiguration(0, [
                new DefineNode("node1"), new DefineNode("node2"),
                new SetClusterProperty("stonith-enabled", "false"), new SetClusterProperty("no-quorum-policy", "ignore"),
                new DefinePrimitive(Primitive.Create("bench", "ocf:heartbeat:Dummy")),
            ], DateTimeOffset.UtcNow, Actor.User("bench")), admin);

            var options1 = new ControllerOptions { StartupGrace = TimeSpan.FromSeconds(2) };
            var seen = new System.Collections.Concurrent.ConcurrentQueue<(DateTime At, ActionDispatched Dispatch)>();
            var nodes = new[] { "node1", "node2" }.Select(n => StartNode(n, data, cs, scratch, options1, seen)).ToList();

            // Settle: the resource runs somewhere.
            await WaitAsync(async () => (await EventsAsync<TransitionCompleted>(store)).Count > 0, TimeSpan.FromSeconds(60));
            var latencies = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                var (_, version) = await ConfigurationReader.LoadAsync(store);
                var role = i % 2 == 0 ? "Stopped" : "Started";
                seen.Clear();
                var before = await EventFeed.HeadAsync(data);
                await writer.ChangeAsync(new ChangeConfiguration(version, [new SetResourceMeta("bench", "target-role", role)], DateTimeOffset.UtcNow, Actor.User("bench")), admin);
                var committed = DateTime.UtcNow;
                var deadline = committed.AddSeconds(30);
                while (seen.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(1);
                if (seen.TryPeek(out var first)) latencies.Add((first.At - committed).TotalMilliseconds);
                // Let the transition finish before the next edit.
                await WaitAsync(async () => (await EventsAsync<TransitionCompleted>(store)).Count(t => true) > 0 && await SettledAsync(store, before), TimeSpan.FromSeconds(30));
            }
            latencies.Sort();
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
            Console.WriteLine($"loop: commit_to_node_action runs={latencies.Count} median_ms={Percentile(latencies, 50):F1} p99_ms={Percentile(latencies, 99):F1} min_ms={latencies.FirstOrDefault():F1} max_ms={latencies.LastOrDefault():F1}");

            // Takeover: stop the active controller's whole runtime, time until the other is elected.
            var takeovers = new List<double>();
            for (var i = 0; i < Math.Min(5, runs); i++)
            {
                var elections = (await EventsAsync<ControllerElected>(store)).Count;
                var active = (await EventsAsync<ControllerElected>(store)).Last().Node;
                var victim = nodes.Single(n => n.Name == active);
                var stopped = Stopwatch.StartNew();
                await victim.Power.CancelAsync();
                await WaitAsync(async () => (await EventsAsync<ControllerElected>(store)).Count > elections, TimeSpan.FromSeconds(30));
                takeovers.Add(stopped.Elapsed.TotalMilliseconds);
                await victim.Running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                nodes[nodes.IndexOf(victim)] = StartNode(victim.Name, data, cs, scratch, options1, seen);
                await Task.Delay(1500);
            }
            takeovers.Sort();
            Console.WriteLine($"loop: controller_takeover runs={takeovers.Count} median_ms={Percentile(takeovers, 50):F0} min_ms={takeovers.FirstOrDefault():F0} max_ms={takeovers.LastOrDefault():F0}");
            foreach (var n in nodes) await n.Power.CancelAsync();
            await Task.WhenAll(nodes.Select(n => n.Running)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

            if (options.Int("log-size", 0) is var size and > 0)
            {
                var (filled, fromZero, fromStored, restoredFrom) = await TakeoverOfALogAsync(data, cs, size);
                Console.WriteLine($"loop: takeover_of_log events={filled} from_stored_status_ms={fromStored:F0} (restored at {restoredFrom}) from_sequence_0_ms={fromZero:F0}");
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            Directory.Delete(scratch, true);
        }
        return 0;
    }

    /// <summary>
    /// Appends <paramref name="size"/> recurring-monitor results (one stream, written in bulk by SQL in the shape CibEventLog
    /// writes), then times a controller runtime that has read none of it from start to leading, twice: with no stored status
    /// (it folds the log from sequence 0; that run stores the status as it takes the role), then again with the status the
    /// first run stored (it folds only the log after it). Returns the log size, both times in ms and where the second began.
    /// </summary>
    private static async Task<(long Events, double FromZeroMs, double FromStoredMs, long RestoredFrom)> TakeoverOfALogAsync(NpgsqlDataSource data, string cs, int size)
    {
        var head = await EventFeed.HeadAsync(data);
        var stream = StreamIds.ResourceOn("bench", "node2");
        await using (var fill = data.CreateCommand($$"""
            INSERT INTO cib.mt_streams (id, version, tenant_id) VALUES (@stream, 0, '*DEFAULT*') ON CONFLICT (id) DO NOTHING;
            CREATE TEMP TABLE bench_base AS SELECT version AS v FROM cib.mt_streams WHERE id = @stream;
            UPDATE cib.mt_streams SET version = version + @size WHERE id = @stream;
            INSERT INTO cib.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, headers, user_name, is_archived)
            SELECT @head + g, gen_random_uuid(), @stream, (SELECT v FROM bench_base) + g,
                   jsonb_build_object('resource', 'bench', 'node', 'node2', 'operation', 'monitor', 'intervalMs', 10000, 'rc', 0,
                                      'origin', jsonb_build_object('transitionId', NULL, 'actionId', NULL), 'durationMs', 5,
                                      'outputTail', NULL, 'parameterDigest', NULL, 'at', now()),
                   '{{EventCatalog.NameOf(typeof(ResourceOperationSucceeded))}}', now(), '*DEFAULT*', '{"actor": "node:node2"}', 'node:node2', FALSE
            FROM generate_series(1, @size) g;
            SELECT setval('cib.mt_events_sequence', @head + @size);
            DELETE FROM cib.ha_read_models;
            """))
        {
            fill.CommandTimeout = 600;
            fill.Parameters.AddWithValue("stream", stream);
            fill.Parameters.AddWithValue("size", (long)size);
            fill.Parameters.AddWithValue("head", head);
            await fill.ExecuteNonQueryAsync();
        }
        var (fromZero, _) = await TimeTakeoverAsync(data, cs);
        var (fromStored, restoredFrom) = await TimeTakeoverAsync(data, cs);
        return (await EventFeed.HeadAsync(data), fromZero, fromStored, restoredFrom);
    }

    /// <summary>A fresh controller runtime (its lease and controller) from start to leading; the position it restored from.</summary>
    private static async Task<(double Ms, long RestoredFrom)> TimeTakeoverAsync(NpgsqlDataSource data, string cs)
    {
        using var power = new CancellationTokenSource();
        var lease = new NodeLease(data, "node1", TimeProvider.System);
        var leasing = Task.Run(() => lease.RunAsync(TimeSpan.FromMilliseconds(250), power.Token));
        var controller = new ClusterController(data, cs, "node1", new ControllerOptions { StartupGrace = TimeSpan.FromSeconds(2) });
        var clock = Stopwatch.StartNew();
        var leading = Task.Run(() => controller.RunAsync(power.Token));
        while (!controller.IsActive && clock.Elapsed < TimeSpan.FromMinutes(10)) await Task.Delay(1);
        var ms = clock.Elapsed.TotalMilliseconds;
        await power.CancelAsync();
        await Task.WhenAll(leasing, leading).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return (ms, controller.RestoredFrom);
    }

    private sealed record BenchNode(string Name, CancellationTokenSource Power, Task Running);

    private static BenchNode StartNode(string name, NpgsqlDataSource data, string cs, string scratch, ControllerOptions options,
        System.Collections.Concurrent.ConcurrentQueue<(DateTime, ActionDispatched)> seen)
    {
        var dir = Path.Combine(scratch, name);
        Directory.CreateDirectory(dir);
        var power = new CancellationTokenSource();
        var host = new AgentHost(name, TimeProvider.System, ["/usr/bin/env", $"HA_RSCTMP={dir}", $"HA_VARRUN={dir}"]);
        var executor = new LocalResources(ResourceExecutor.Create(host), TimeProvider.System);
        var sink = new EventLogSink(new CibEventLog(data), name);
        var monitors = new RecurringMonitors(executor, sink, TimeProvider.System);
        var agent = new NodeAgent(data, cs, name, executor, monitors, sink, TimeProvider.System);
        agent.Accepted += d => seen.Enqueue((DateTime.UtcNow, d));
        var lease = new NodeLease(data, name, TimeProvider.System);
        var controller = new ClusterController(data, cs, name, options);
        var running = Task.WhenAll(
            Task.Run(() => lease.RunAsync(TimeSpan.FromMilliseconds(250), power.Token)),
            Task.Run(() => controller.RunAsync(power.Token)),
            Task.Run(() => agent.RunAsync(power.Token)));
        return new BenchNode(name, power, running.ContinueWith(_ => monitors.StopAllAsync()).Unwrap());
    }

    private static async Task<bool> SettledAsync(IDocumentStore store, long after)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents().Where(e => e.Sequence > after).ToListAsync();
        var planned = events.Select(e => e.Data).OfType<TransitionPlanned>().Select(t => t.TransitionId).ToHashSet();
        var done = events.Select(e => e.Data).Where(d => d is TransitionCompleted or TransitionAborted)
            .Select(d => d is TransitionCompleted c ? c.TransitionId : ((TransitionAborted)d).TransitionId).ToHashSet();
        return planned.Count > 0 && planned.All(done.Contains);
    }

    private static async Task<List<T>> EventsAsync<T>(IDocumentStore store)
    {
        await using var session = store.QuerySession();
        return (await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync()).Select(e => e.Data).OfType<T>().ToList();
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < until && !await condition()) await Task.Delay(10);
    }

    private static double Percentile(List<double> sorted, int p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];

    private static async Task ExecuteAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}

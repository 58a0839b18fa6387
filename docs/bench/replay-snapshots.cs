#:project ../../src/Cib.Projections/Cib.Projections.csproj
#:property PublishAot=false
// The figure of decision 0013: replay of a past state (explain of a transition in the middle of a long log) folded
// from sequence 0 versus from the latest replay snapshot. A scratch database on the server of HA_CONNECTION: a log of
// --events N events (mostly recurring monitor results, with failures, restarts, transitions, lost nodes and fences,
// clean-ups and configuration changes), the stored history folded (which writes the snapshots), then timings. Prints
// numbers; asserts nothing. Run: HA_CONNECTION="$(./ha db url)" dotnet run docs/bench/replay-snapshots.cs -- --events 2000000
using System.Diagnostics;
using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Store;
using Npgsql;

var events = Arg("--events", 2_000_000);
var keep = args.Contains("--keep");
var server = Environment.GetEnvironmentVariable("HA_CONNECTION") ?? throw new InvalidOperationException("HA_CONNECTION");
var database = args.SkipWhile(a => a != "--database").Skip(1).FirstOrDefault() ?? $"ha_bench_replay_{Guid.NewGuid():N}"[..24];
var cs = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
var fresh = !args.Contains("--database");
if (fresh) await Execute(server, $"CREATE DATABASE {database}");
try
{
    await SchemaMigrations.ApplyAsync(cs);
    await using var db = NpgsqlDataSource.Create(cs);
    var log = new CibEventLog(db);
    const string middle = "bench-middle";
    if (fresh)
    {
        var sw = Stopwatch.StartNew();
        await GenerateAsync(cs, log, events, middle);
        Console.WriteLine($"appended {await log.HeadAsync()} events in {sw.Elapsed.TotalSeconds:F0} s");
        sw.Restart();
        var head = await log.HeadAsync();
        await new StoredHistory(db).RebuildAsync(head);
        Console.WriteLine($"stored history and replay snapshots folded in {sw.Elapsed.TotalSeconds:F0} s; snapshots at {string.Join(", ", (await new ReplaySnapshots(db).PositionsAsync()).Take(3))} ...");
    }
    var planned = (await log.FetchStreamAsync(StreamIds.Transition(middle))).Select(e => e.Data).OfType<TransitionPlanned>().Single();
    var replay = new ReplaySnapshots(db);
    Console.WriteLine($"log: {await log.HeadAsync()} events; transition {middle} as of {planned.AsOfSequence}");

    // Before: what ClusterQueries.StateAtAsync did (the log up to the position read into a list and folded from 0).
    var before = await Time(3, async () =>
    {
        var all = new List<(object, long)>();
        await foreach (var e in log.ReadUpToAsync(planned.AsOfSequence)) all.Add((e.Data, e.Sequence));
        var (configuration, status) = Explaining.Fold(all);
        return Explaining.Explain(configuration, status, planned).Replayed.Count;
    });
    // After: the latest snapshot at or before the position and the log after it.
    var after = await Time(7, async () =>
    {
        var state = await replay.StateAtAsync(planned.AsOfSequence);
        return Explaining.Explain(state.Configuration, state.Status, planned).Replayed.Count;
    });
    var tail = (await replay.StateAtAsync(planned.AsOfSequence)).Folded;
    // The same plan as if recorded halfway between two snapshots (the average case: half an interval folded).
    var halfway = planned with { AsOfSequence = planned.AsOfSequence / ReplaySnapshots.DefaultInterval * ReplaySnapshots.DefaultInterval + ReplaySnapshots.DefaultInterval / 2 };
    var average = await Time(5, async () =>
    {
        var state = await replay.StateAtAsync(halfway.AsOfSequence);
        return Explaining.Explain(state.Configuration, state.Status, halfway).Replayed.Count;
    });
    // The worst case: a position just before a snapshot (a whole interval folded).
    var worstAt = planned.AsOfSequence / ReplaySnapshots.DefaultInterval * ReplaySnapshots.DefaultInterval + ReplaySnapshots.DefaultInterval - 1;
    var worst = await Time(5, async () => (await replay.StateAtAsync(worstAt)).Folded);
    // Where a tail's time goes: reading it (the store and the events' JSON) and folding it.
    var span = ReplaySnapshots.DefaultInterval - 1;
    var from = worstAt - span;
    var read = await Time(3, async () => { var n = 0; await foreach (var e in log.ReadUpToAsync(worstAt, after: from)) n++; return n; });
    var page = new List<(object, long)>();
    await foreach (var e in log.ReadUpToAsync(worstAt, after: from)) page.Add((e.Data, e.Sequence));
    var fold = await Time(3, () => Task.FromResult(Explaining.Fold(page)));
    Console.WriteLine($"{span} events after {from}: read {read:F0} ms, folded (read already) {fold:F0} ms");
    Console.WriteLine($"explain {middle} (as of {planned.AsOfSequence}): from 0 median {before:F0} ms; from the snapshot ({tail} events after it) median {after:F0} ms");
    Console.WriteLine($"explain as of {halfway.AsOfSequence} ({ReplaySnapshots.DefaultInterval / 2} events after the snapshot): median {average:F0} ms");
    Console.WriteLine($"state at {worstAt} ({ReplaySnapshots.DefaultInterval - 1} events after the snapshot): median {worst:F0} ms");
    Console.WriteLine($"replay: events={await log.HeadAsync()} before_ms={before:F0} after_ms={after:F0} halfway_ms={average:F0} worst_state_ms={worst:F0}");
}
finally
{
    if (fresh && !keep) await Execute(server, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
    else Console.WriteLine($"kept database {database}");
}
return 0;

int Arg(string name, int fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

static async Task<double> Time<T>(int runs, Func<Task<T>> run)
{
    var times = new List<double>();
    for (var i = 0; i < runs; i++)
    {
        var sw = Stopwatch.StartNew();
        await run();
        times.Add(sw.Elapsed.TotalMilliseconds);
    }
    return times.Order().ElementAt(times.Count / 2);
}

static async Task Execute(string cs, string sql)
{
    await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString);
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand(sql, conn);
    await cmd.ExecuteNonQueryAsync();
}

// Three nodes, ten primitives; each primitive's recurring monitor reports every round from the node it runs on; now and
// then a monitor fails (a restart follows, in a transition), a node is lost and fenced and rejoins, an operator cleans
// up, a node goes into standby and back. Appended in chunks of one stream each, as fast as the store takes them.
static async Task GenerateAsync(string cs, CibEventLog log, int count, string middle)
{
    using var store = CibStore.Create(cs);
    var writer = new ConfigurationWriter(store);
    var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    string[] nodes = ["node1", "node2", "node3"];
    var resources = Enumerable.Range(1, 10).Select(i => $"r{i}").ToArray();
    var alice = CommandMetadata.For(Actor.User("alice"));
    await writer.ChangeAsync(new ChangeConfiguration(0,
        [.. nodes.Select(n => (IConfigurationCommand)new DefineNode(n)), new SetClusterProperty("stonith-enabled", "true"),
         .. resources.Select(r => (IConfigurationCommand)new DefinePrimitive(Primitive.Create(r, "ocf:heartbeat:Dummy")))], t0, Actor.User("alice"), "setup"), alice);
    var controller = AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller("node1")));
    foreach (var n in nodes) await log.AppendAsync(StreamIds.Node(n), [new NodeJoined(n, $"{n}-0", "lease", t0)], controller);
    var on = resources.Select((r, i) => (r, n: nodes[i % nodes.Length])).ToDictionary(x => x.r, x => x.n);
    var appended = 0L;
    var round = 0;
    var transition = 0;
    var middleDone = false;
    var chunk = new List<object>();
    while (appended < count)
    {
        round++;
        var at = t0.AddSeconds(round * 1000);
        // A round of monitors per node (each primitive's 100 reports), one append per node.
        foreach (var n in nodes)
        {
            chunk.Clear();
            foreach (var r in resources.Where(r => on[r] == n))
                for (var k = 0; k < 100; k++)
                    chunk.Add(new ResourceOperationSucceeded(r, n, "monitor", 10_000, OcfRc.Success, new OperationOrigin(null, null), 3, null, "d", at.AddSeconds(k * 10)));
            await log.AppendAsync(StreamIds.ResourceOn("monitors", n), [.. chunk], AppendMetadata.Stamp(CommandMetadata.For(Actor.Node(n))));
            appended += chunk.Count;
        }
        if (round % 5 == 0)
        {
            // A monitor failure, then a restart in a transition.
            var r = resources[round / 5 % resources.Length];
            var n = on[r];
            var t = $"t{++transition}";
            await log.AppendAsync(StreamIds.ResourceOn(r, n), [new ResourceOperationFailed(r, n, "monitor", 10_000, OcfRc.NotRunning, OperationStatus.Done,
                new OperationOrigin(null, null), 3, null, "not running", at)], AppendMetadata.Stamp(CommandMetadata.For(Actor.Node(n))));
            await log.AppendAsync(StreamIds.Transition(t),
            [
                new TransitionPlanned(t, await log.HeadAsync(), "policy-1", ValueList<PlannedAction>.Of(
                    [new PlannedAction(1, ActionKind.Stop, r, n, "stop", 0, 20_000, ValueList<int>.Of([]), "recover"),
                     new PlannedAction(2, ActionKind.Start, r, n, "start", 0, 20_000, ValueList<int>.Of([1]), "recover")]),
                    ValueList<string>.Of([$"Recover {r} ({n})"]), null, at),
                new ActionDispatched(t, 1, n, ActionKind.Stop, r, null, "stop", 0, 20_000, null, at),
            ], controller);
            await log.AppendAsync(StreamIds.ResourceOn(r, n),
            [
                new ResourceOperationSucceeded(r, n, "stop", 0, OcfRc.Success, new OperationOrigin(t, 1), 100, null, "d", at.AddSeconds(1)),
                new ResourceOperationSucceeded(r, n, "start", 0, OcfRc.Success, new OperationOrigin(t, 2), 100, null, "d", at.AddSeconds(2)),
            ], AppendMetadata.Stamp(CommandMetadata.For(Actor.Node(n))));
            await log.AppendAsync(StreamIds.Transition(t), [new TransitionCompleted(t, 2, at.AddSeconds(2))], controller);
            appended += 6;
        }
        if (round % 50 == 0)
        {
            // node3 is lost, fenced, rejoins; an operator cleans the failures up; a node goes into standby or back.
            var request = $"fence/{round}";
            await log.AppendAsync(StreamIds.Node("node3"), [new NodeLost("node3", "lease expired", at.AddSeconds(-5), at)], controller);
            await log.AppendAsync(StreamIds.Fencing("node3"), [new FencingRequested(request, "node3", "reboot", "node3 is lost", "ipmi-3", null, 1, at)], controller);
            await log.AppendAsync(StreamIds.Fencing("node3"), [new NodeFenced(request, "node3", "ipmi-3", "reboot", "node1", 1_200, at.AddSeconds(2))],
                AppendMetadata.Stamp(CommandMetadata.For(Actor.Node("node1"))));
            await log.AppendAsync(StreamIds.Node("node3"), [new NodeJoined("node3", $"node3-{round}", "lease", at.AddSeconds(60))], controller);
            foreach (var r in resources.Where(r => on[r] == "node3"))
                await log.AppendAsync(StreamIds.ResourceOn(r, "node3"), [new ResourceOperationSucceeded(r, "node3", "start", 0, OcfRc.Success,
                    new OperationOrigin(null, null), 100, null, "d", at.AddSeconds(61))], AppendMetadata.Stamp(CommandMetadata.For(Actor.Node("node3"))));
            await log.AppendAsync(StreamIds.Resource(resources[0]), [new FailCountCleared(resources[0], null, Actor.User("otto"), "cleanup", at)],
                AppendMetadata.Stamp(CommandMetadata.For(Actor.User("otto"))));
            var (_, version) = await ConfigurationReader.LoadAsync(store);
            await writer.ChangeAsync(new ChangeConfiguration(version, [new SetNodeStandby("node2", round % 100 == 0)], at, Actor.User("alice"), "maintenance"), alice);
            appended += 8;
        }
        if (!middleDone && appended >= count / 2)
        {
            // The transition explained: planned in the middle of the log.
            middleDone = true;
            await log.AppendAsync(StreamIds.Transition(middle), [new TransitionPlanned(middle, await log.HeadAsync(), "policy-1",
                ValueList<PlannedAction>.Of([]), ValueList<string>.Of([]), null, at)], controller);
            appended++;
        }
    }
}

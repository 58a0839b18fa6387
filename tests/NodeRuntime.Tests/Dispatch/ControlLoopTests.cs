using NodeRuntime.Controller;
using NodeRuntime.Membership;
using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Transitions;
using Cib.Interop.Crm;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.Causation;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Store;
using Marten;
using NodeRuntime.Agents;
using NodeRuntime.Dispatch;
using NodeRuntime.Execution;
using NodeRuntime.Fencing;
using Npgsql;
using TestSupport;

namespace NodeRuntime.Tests.Dispatch;

/// <summary>
/// The control loop end to end in one process: several node runtimes (lease, controller, agent) on a real
/// PostgreSQL, running the real ocf:heartbeat:Dummy agent. Each node keeps agent state in a directory of its
/// own (HA_RSCTMP), and the test looks at those directories itself rather than trusting the product's view.
/// </summary>
public sealed class ControlLoopTests : IAsyncLifetime
{
    private static readonly ControllerOptions Fast = new()
    {
        LeaseTimeout = new Duration(1500),
        ElectionPoll = TimeSpan.FromMilliseconds(50),
        LeaseCheck = TimeSpan.FromMilliseconds(50),
        StartupGrace = TimeSpan.FromSeconds(3),
        NoFencingMargin = TimeSpan.FromMilliseconds(300),
        FenceRetryBackoff = TimeSpan.FromMilliseconds(100),
        MaxFenceAttempts = 3,
        StoreOutageBound = TimeSpan.FromSeconds(1),
    };

    private TestDatabase _db = null!;
    private DocumentStore _store = null!;
    private NpgsqlDataSource _data = null!;
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"ha-loop-{Guid.NewGuid():N}");
    private readonly Dictionary<string, SimNode> _nodes = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync("loop");
        await SchemaMigrations.ApplyAsync(_db.ConnectionString);
        _store = CibStore.Create(_db.ConnectionString);
        _data = NpgsqlDataSource.Create(_db.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        foreach (var n in _nodes.Values) await n.PowerOffAsync();
        await _data.DisposeAsync();
        _store.Dispose();
        await _db.DisposeAsync();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>One simulated node: its own agent state directory and its runtime's three loops.</summary>
    private sealed class SimNode(string name, string stateDir, CancellationTokenSource power, Task running, NodeAgent agent)
    {
        public string Name => name;
        public string StateDir => stateDir;
        public NodeAgent Agent => agent;
        public bool Off => power.IsCancellationRequested;

        /// <summary>Pulls the plug: every loop of the runtime stops at once, and what ran on it is gone.</summary>
        public async Task PowerOffAsync()
        {
            if (power.IsCancellationRequested) return;
            await power.CancelAsync();
            try { await running.WaitAsync(TimeSpan.FromSeconds(30)); } catch (Exception) { /* stopped */ }
            if (Directory.Exists(stateDir)) Directory.Delete(stateDir, recursive: true);
        }
    }

    /// <summary>An in-process fence device that powers simulated nodes off (the SSH device is tested elsewhere).</summary>
    private sealed class StandInFenceDevice(ControlLoopTests test, string id, bool works) : IFenceDevice
    {
        public int Calls;
        public string Id => id;
        public string Agent => "stonith:stand-in";
        public bool CanFence(string node) => test._nodes.ContainsKey(node);

        public async Task<FenceResult> ExecuteAsync(string target, string action, TimeSpan timeout, CancellationToken ct = default)
        {
            Interlocked.Increment(ref Calls);
            if (!works) return FenceResult.Failed(5, "the device did not answer");
            await test._nodes[target].PowerOffAsync();
            return FenceResult.Ok(5, "off");
        }

        public Task<FenceResult> MonitorAsync(TimeSpan timeout, CancellationToken ct = default) => Task.FromResult(FenceResult.Ok(1));
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private SimNode Boot(string name, IFenceDevice? fence = null)
    {
        var stateDir = Path.Combine(_root, name);
        Directory.CreateDirectory(stateDir);
        var power = new CancellationTokenSource();
        var host = new AgentHost(name, TimeProvider.System, ["/usr/bin/env", $"HA_RSCTMP={stateDir}", $"HA_VARRUN={stateDir}"]);
        var executor = new LocalResources(ResourceExecutor.Create(host), TimeProvider.System);
        var sink = new EventLogSink(new CibEventLog(_data), name);
        var monitors = new RecurringMonitors(executor, sink, TimeProvider.System);
        var lease = new NodeLease(_data, name, TimeProvider.System);
        var controller = new ClusterController(_data, _db.ConnectionString, name, Fast);
        var agent = new NodeAgent(_data, _db.ConnectionString, name, executor, monitors, sink, TimeProvider.System,
            fence is null ? null : _ => [fence]);
        var running = Task.WhenAll(
            Task.Run(() => lease.RunAsync(TimeSpan.FromMilliseconds(100), power.Token)),
            Task.Run(() => controller.RunAsync(power.Token)),
            Task.Run(() => agent.RunAsync(power.Token)),
            Task.Run(async () =>
            {
                await power.Token.WhenCancelled();
                await monitors.StopAllAsync();
            }));
        var node = new SimNode(name, stateDir, power, running, agent);
        _nodes[name] = node;
        return node;
    }

    private async Task ConfigureAsync(string text)
    {
        var loaded = await new ConfigurationLoader(_store).LoadAsync(text, LoadMode.Replace, CommandMetadata.For(Actor.User("admin")), 0);
        Assert.True(loaded.Errors.Count == 0, string.Join("; ", loaded.Errors));
    }

    /// <summary>The independent view: which live node's private state directory holds a Dummy state file.</summary>
    private IReadOnlyList<string> NodesRunning(string resource) =>
        _nodes.Values.Where(n => !n.Off && File.Exists(Path.Combine(n.StateDir, $"Dummy-{resource}.state"))).Select(n => n.Name).Order().ToList();

    private async Task<IReadOnlyList<T>> EventsAsync<T>()
    {
        await using var session = _store.QuerySession();
        var all = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync();
        return all.Select(e => e.Data).OfType<T>().ToList();
    }

    private async Task<string> WaitRunningOnOneAsync(string resource, Func<string, bool>? where = null)
    {
        var found = await Until(() =>
        {
            var on = NodesRunning(resource);
            return Task.FromResult(on.Count == 1 && (where?.Invoke(on[0]) ?? true) ? on[0] : null);
        }, $"{resource} runs on exactly one node{(where is null ? "" : " (the expected one)")}", 60);
        return found;
    }

    private const string TwoNodes = """
        node node1
        node node2
        primitive d1 ocf:heartbeat:Dummy \
        	op monitor interval=1s timeout=10s \
        	op stop timeout=2s interval=0
        property no-quorum-policy=ignore stonith-enabled=false
        rsc_defaults resource-stickiness=1
        """;

    [Fact]
    public async Task Starts_a_resource_on_one_node_and_recovers_it_after_the_node_is_lost_without_fencing()
    {
        await ConfigureAsync(TwoNodes);
        var node1 = Boot("node1");
        Boot("node2");

        var first = await WaitRunningOnOneAsync("d1");
        var planned = await EventsAsync<TransitionPlanned>();
        Assert.NotEmpty(planned);
        Assert.Contains(planned, t => t.Summary.Any(s => s.Contains("Start") && s.Contains("d1")));

        await _nodes[first].PowerOffAsync();
        var second = await WaitRunningOnOneAsync("d1", n => n != first);
        Assert.NotEqual(first, second);

        var lost = Assert.Single(await EventsAsync<NodeLost>(), l => l.Node == first);
        var recovery = await Until(async () => (await EventsAsync<ResourceOperationSucceeded>()).LastOrDefault(o => o.Resource == "d1" && o.Operation == "start" && o.Node == second),
            "the recovery's start is reported");
        // Without fencing the controller waits, after the loss, as long as the lost node's runtime may take to stop d1
        // under no-quorum-policy (the store-outage bound it rides out frozen, one lease check and d1's 2 s stop timeout),
        // and a margin, before recovering it.
        var wait = LeaseLoss.StopBound(Fast.LeaseTimeout.ToTimeSpan(), Fast.StoreOutageBound, [], [TimeSpan.FromSeconds(2)]) + Fast.NoFencingMargin;
        Assert.True(recovery.At - lost.At >= wait, $"recovered {recovery.At - lost.At} after the loss, before {wait}");
        Assert.Empty(await EventsAsync<FencingRequested>());
        _ = node1;
        await AssertReplaysAsync();
        await AssertReplayCatchesAForgedDecisionAsync();
    }

    /// <summary>Replay can fail: one more dispatch recorded as part of a controller's step is a decision the decider does not take.</summary>
    private async Task AssertReplayCatchesAForgedDecisionAsync()
    {
        await using var session = _store.QuerySession();
        var planned = (await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync()).First(e => e.Data is TransitionPlanned);
        var plan = (TransitionPlanned)planned.Data;
        var headers = planned.Headers!.ToDictionary(h => h.Key, h => (object)h.Value!.ToString()!);
        var forged = new ActionDispatched(plan.TransitionId, 99, "node9", ActionKind.Start, "d1", null, "start", 0, 20_000, null, plan.At);
        await new CibEventLog(_data).AppendAsync(StreamIds.Transition(plan.TransitionId), [forged], new AppendMetadata(null, null, "controller:forger", headers));
        var (_, mismatches) = await TransitionPlanner.ReplayAsync(_store);
        var step = headers[ControllerStep.StepHeader].ToString();
        var mismatch = Assert.Single(mismatches);
        Assert.Equal(step, mismatch.Step);
        Assert.Contains(forged, mismatch.Recorded);
        Assert.DoesNotContain(forged, mismatch.Replayed);
    }

    private static string Json(object o) => System.Text.Json.JsonSerializer.Serialize(o);

    /// <summary>Every recorded controller decision (plans bit for bit, completions, aborts, dispatches, fencing) is re-derived from the log alone.</summary>
    private async Task AssertReplaysAsync()
    {
        var (count, mismatches) = await TransitionPlanner.ReplayAsync(_store);
        Assert.True(count > 0, "no transition was recorded");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Select(m => $"step {m.Step} ({m.TransitionId}):\n  recorded {Json(m.Recorded.Cast<object>())}\n  replayed {Json(m.Replayed.Cast<object>())}")));
    }

    private const string Fenced = """
        node node1
        node node2
        primitive d1 ocf:heartbeat:Dummy \
        	op monitor interval=1s timeout=10s
        primitive fence stonith:external/libvirt \
        	params hostlist="node1 node2" hypervisor_uri="qemu+ssh://127.0.0.1/system"
        property no-quorum-policy=ignore stonith-enabled=true
        rsc_defaults resource-stickiness=1
        """;

    [Fact]
    public async Task A_lost_node_is_fenced_before_its_resource_starts_elsewhere()
    {
        await ConfigureAsync(Fenced);
        var device = new StandInFenceDevice(this, "fence", works: true);
        Boot("node1", device);
        Boot("node2", device);

        var first = await WaitRunningOnOneAsync("d1");
        var survivor = first == "node1" ? "node2" : "node1";

        // A crash that leaves the resource's traces behind: the runtime stops, the state file stays.
        await CrashKeepingStateAsync(first);

        string second;
        try
        {
            second = await Until(() =>
                Task.FromResult(File.Exists(Path.Combine(_nodes[survivor].StateDir, "Dummy-d1.state")) ? survivor : null), "d1 starts on the survivor", 60);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException(e.Message + "\n" + await LogAsync());
        }
        Assert.Equal(survivor, second);

        var fenced = Assert.Single(await EventsAsync<NodeFenced>(), f => f.Target == first);
        Assert.Equal(survivor, fenced.ExecutedBy);
        var start = await Until(async () => (await EventsAsync<ResourceOperationSucceeded>()).LastOrDefault(o => o.Resource == "d1" && o.Operation == "start" && o.Node == survivor),
            "the start on the survivor is reported");
        Assert.True(start.At >= fenced.At, "the resource started before its old node was fenced");
        Assert.True(device.Calls >= 1);
        // The recovery was planned with the fence (ordered after it) and went out when the fence was confirmed,
        // in the same transition: the transition's own fence is no news that calls for a new plan.
        var request = (await EventsAsync<FencingRequested>()).Single(r => r.RequestId == fenced.RequestId);
        var recovery = (await EventsAsync<ActionDispatched>()).Last(d => d.Resource == "d1" && d.Operation == "start" && d.Node == survivor);
        Assert.Equal(request.TransitionId, recovery.TransitionId);
        Assert.DoesNotContain(await EventsAsync<TransitionAborted>(), a => a.Reason.Contains("fenced"));
        await AssertReplaysAsync();
        await AssertFailoverWalksAsync(first, survivor);
    }

    /// <summary>
    /// The failover is one chain of causes, walkable from any of its events: the loss of <paramref name="lost"/> caused the
    /// plan, the plan its fence request and dispatches, the fence dispatch the fence, the start dispatch the start on
    /// <paramref name="survivor"/>.
    /// </summary>
    private async Task AssertFailoverWalksAsync(string lost, string survivor)
    {
        await using var session = _store.QuerySession();
        var all = (await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync())
            .Select(e => new CausedEvent(e.Id, e.Sequence, e.CausationId, e.Data)).ToList();
        var graph = new CausationGraph(all);
        var fenced = all.Single(e => e.Data is NodeFenced f && f.Target == lost);
        var started = all.Last(e => e.Data is ResourceOperationSucceeded { Resource: "d1", Operation: "start" } ok && ok.Node == survivor);

        var up = graph.Causes(fenced).Select(e => e.Data).ToList();
        Assert.True(up.Count >= 4, "the fence's causes: " + string.Join(" <- ", up.Select(d => d.GetType().Name)));
        var dispatch = Assert.IsType<ActionDispatched>(up[1]);
        Assert.Equal((ActionKind.Fence, lost), (dispatch.Kind, dispatch.Target));
        var plan = Assert.IsType<TransitionPlanned>(up[2]);
        Assert.Equal(dispatch.TransitionId, plan.TransitionId);
        Assert.Equal(lost, Assert.IsType<NodeLost>(up[3]).Node);
        Assert.Equal(4, up.Count);

        var fromStart = graph.Causes(started).Select(e => e.Data).ToList();
        Assert.Equal([typeof(ResourceOperationSucceeded), typeof(ActionDispatched), typeof(TransitionPlanned), typeof(NodeLost)], fromStart.Select(d => d.GetType()));
        Assert.Same(plan, fromStart[2]);

        // From any event of it, the same incident: the loss, the plan, the fence request and its dispatch, the fence, the start.
        var incident = graph.Incident(fenced).Select(e => e.Id).ToList();
        Assert.Equal(incident, graph.Incident(started).Select(e => e.Id));
        var kinds = graph.Incident(started).Select(e => e.Data).ToList();
        Assert.Contains(kinds, d => d is FencingRequested r && r.Target == lost && r.TransitionId == plan.TransitionId);
        Assert.Contains(kinds, d => d is ActionDispatched { Kind: ActionKind.Start, Resource: "d1" } s && s.Node == survivor);
        Assert.Contains(fenced.Data, kinds);
        Assert.Contains(started.Data, kinds);
        Assert.IsType<NodeLost>(kinds[0]);

        // The stored history's failover incident (decision 0012) is that chain: the loss, its fence, the start on the survivor.
        var incident1 = await IncidentOfAsync(lost);
        Assert.Equal(("recovered", "succeeded", survivor), (incident1.Status, incident1.FenceResult, incident1.FenceExecutor));
        Assert.Contains("d1", incident1.Resources);
        Assert.Contains(plan.TransitionId, incident1.Transitions);
        Assert.Contains(incident1.Recovery, r => (r.Resource, r.Operation, r.Node, r.Result) == ("d1", "start", survivor, "succeeded"));
        Assert.True(incident1.DetectionMs >= 0 && incident1.TimeToRecoveryMs >= 0);
    }

    /// <summary>
    /// The failover incident the loss of <paramref name="lost"/> opened, once the active controller's stored history has
    /// passed the log's end as it was now (the controller folds only a prefix with no holes: folding up to the head here
    /// could pass an append still in flight).
    /// </summary>
    private async Task<IncidentRow> IncidentOfAsync(string lost)
    {
        var queries = new HistoryQueries(_data);
        var end = await queries.LogPositionAsync();
        await Eventually.True(async () => await new StoredHistory(_data).PositionAsync() >= end, "the stored history passes the log's end");
        var all = (await queries.IncidentsAsync(null, new HistoryRange(Limit: HistoryRange.MaxLimit))).Items;
        return Assert.Single(all, i => i.Trigger == "node-lost" && i.Subject == lost);
    }

    [Fact]
    public async Task A_failing_fence_is_retried_then_given_up_and_nothing_is_recovered()
    {
        await ConfigureAsync(Fenced);
        var device = new StandInFenceDevice(this, "fence", works: false);
        Boot("node1", device);
        Boot("node2", device);

        var first = await WaitRunningOnOneAsync("d1");
        var survivor = first == "node1" ? "node2" : "node1";
        await CrashKeepingStateAsync(first);

        var gaveUp = await Until(async () => (await EventsAsync<FencingFailed>()).FirstOrDefault(f => f.GaveUp && f.Target == first), "fencing is given up", 60);
        Assert.Contains("giving up", gaveUp.Reason);
        var attempts = (await EventsAsync<FencingFailed>()).Where(f => !f.GaveUp && f.Target == first).ToList();
        Assert.Equal(Fast.MaxFenceAttempts, attempts.Count);
        Assert.Empty(await EventsAsync<NodeFenced>());
        Assert.False(File.Exists(Path.Combine(_nodes[survivor].StateDir, "Dummy-d1.state")), "d1 was started elsewhere without a fence");
        var incident = await IncidentOfAsync(first);
        Assert.Equal(("gave-up", "gave-up"), (incident.Status, incident.FenceResult));
        Assert.Empty(incident.Recovery);
        // The retries, their backoff and the give-up are re-derived from the log too.
        await AssertReplaysAsync();
    }

    [Fact]
    public async Task A_configuration_change_aborts_the_transition_in_flight_and_a_new_plan_follows()
    {
        await ConfigureAsync("""
            node node1
            node node2
            primitive slow ocf:pacemaker:Dummy \
            	params op_sleep=2 \
            	op monitor interval=10s timeout=20s
            property no-quorum-policy=ignore stonith-enabled=false
            """);
        Boot("node1");
        Boot("node2");
        var start = await Until(async () => (await EventsAsync<ActionDispatched>()).FirstOrDefault(d => d.Resource == "slow" && d.Operation == "start"),
            "the slow start is dispatched", 60);

        // While the start runs (two seconds of op_sleep), the admin stops the resource.
        var (_, version) = await ConfigurationReader.LoadAsync(_store);
        await new ConfigurationWriter(_store).ChangeAsync(new ChangeConfiguration(version, [new Cib.Domain.Resources.SetResourceMeta("slow", "target-role", "Stopped")],
            DateTimeOffset.UtcNow, Actor.User("admin"), "stop it"), CommandMetadata.For(Actor.User("admin")));

        var aborted = await Until(async () => (await EventsAsync<TransitionAborted>()).FirstOrDefault(a => a.TransitionId == start.TransitionId),
            "the transition with the start is aborted", 60);
        Assert.Contains("configuration changed", aborted.Reason);
        await Until(async () => (await EventsAsync<ResourceOperationSucceeded>()).FirstOrDefault(o => o.Resource == "slow" && o.Operation == "stop"),
            "a new plan stops what the aborted one started", 60);
        await Until(() => Task.FromResult(NodesRunningSlow().Count == 0 ? "none" : null), "slow runs nowhere", 30);
        var plans = await EventsAsync<TransitionPlanned>();
        Assert.Equal(plans.Count, plans.Select(p => p.TransitionId).Distinct().Count());
        await AssertReplaysAsync();
    }

    [Fact]
    public async Task A_move_with_a_lifetime_ends_on_time_without_anything_appended()
    {
        // crm resource move d1 node2 with a lifetime, over a standing preference for node1: d1 runs on node2 until the
        // end, then goes back to node1, because the controller plans again at the end though nothing was appended.
        var end = DateTimeOffset.FromUnixTimeSeconds((await StoreClock.NowAsync(_data)).ToUnixTimeSeconds() + 15);
        await ConfigureAsync(TwoNodes + $"""

            location prefer-node1 d1 100: node1
            location cli-prefer-d1 d1 rule inf: #uname eq node2 and date lt "{Cib.Interop.CibXml.PacemakerDate.Format(end)}"
            """);
        Boot("node1");
        Boot("node2");
        await WaitRunningOnOneAsync("d1", n => n == "node2");
        Assert.True(await StoreClock.NowAsync(_data) < end, "d1 started on node2 only after the end: the test needs a later end on this machine");
        var configurationEvents = (await EventsAsync<IConfigurationEvent>()).Count;

        await WaitRunningOnOneAsync("d1", n => n == "node1");
        var move = Assert.Single(await EventsAsync<TransitionPlanned>(), t => t.Summary.Any(s => s.Contains("Move", StringComparison.Ordinal) && s.Contains("d1", StringComparison.Ordinal)));
        Assert.True(move.At >= end, $"d1 moved back at {move.At:O}, before the end {end:O}");
        Assert.True(move.At - end < TimeSpan.FromSeconds(5), $"d1 moved back at {move.At:O}, long after the end {end:O}");
        Assert.Equal(configurationEvents, (await EventsAsync<IConfigurationEvent>()).Count);
        await AssertReplaysAsync();
    }

    private IReadOnlyList<string> NodesRunningSlow() =>
        _nodes.Values.Where(n => !n.Off && File.Exists(Path.Combine(n.StateDir, "Dummy-slow.state"))).Select(n => n.Name).ToList();

    [Fact]
    public async Task Node_agents_refuse_dispatches_of_a_stale_transition_and_run_an_action_once()
    {
        await ConfigureAsync(TwoNodes);
        Boot("node1");
        Boot("node2");
        var on = await WaitRunningOnOneAsync("d1");
        var other = on == "node1" ? "node2" : "node1";
        await Until(async () => (await EventsAsync<TransitionCompleted>()).FirstOrDefault(), "a transition completes", 60);

        var latest = (await EventsAsync<TransitionPlanned>()).Last();
        var dispatched = (await EventsAsync<ActionDispatched>()).Last(d => d.TransitionId == latest.TransitionId && d.Kind != ActionKind.Fence);
        var resultsBefore = (await EventsAsync<ResourceOperationSucceeded>()).Count(r => r.Origin.TransitionId == dispatched.TransitionId && r.Origin.ActionId == dispatched.ActionId);
        await using (var session = _store.LightweightSession())
        {
            // A dispatch from an old transition: start d1 on the other node, which would make it run twice.
            session.Events.Append(StreamIds.Transition("t0"), new ActionDispatched("t0", 1, other, ActionKind.Start, "d1", null, "start", 0, 20_000, null, DateTimeOffset.UtcNow));
            // The same dispatch of the latest transition once more.
            session.Events.Append(StreamIds.Transition(dispatched.TransitionId), dispatched);
            await session.SaveChangesAsync();
        }
        await Until(() => Task.FromResult(_nodes[other].Agent.RefusedStale > 0 ? "refused" : null), "the stale dispatch is refused", 30);
        await Task.Delay(1500);
        if (!NodesRunning("d1").SequenceEqual([on]))
            throw new Xunit.Sdk.XunitException($"d1 should run on {on} only, runs on [{string.Join(", ", NodesRunning("d1"))}]\n" + await LogAsync());
        Assert.DoesNotContain(await EventsAsync<ResourceOperationSucceeded>(), r => r.Origin.TransitionId == "t0");
        Assert.Equal(resultsBefore, (await EventsAsync<ResourceOperationSucceeded>()).Count(r => r.Origin.TransitionId == dispatched.TransitionId && r.Origin.ActionId == dispatched.ActionId));
    }

    [Theory]
    [InlineData("stop")]
    [InlineData("freeze")]
    [InlineData("ignore")]
    public async Task Losing_quorum_acts_per_no_quorum_policy(string policy)
    {
        await ConfigureAsync($"""
            node node1
            node node2
            node node3
            primitive d1 ocf:heartbeat:Dummy \
            	op monitor interval=1s timeout=10s \
            	op stop timeout=2s interval=0
            primitive d2 ocf:heartbeat:Dummy \
            	op monitor interval=1s timeout=10s \
            	op stop timeout=2s interval=0
            location d1-on-1 d1 100: node1
            location d2-on-2 d2 100: node2
            property no-quorum-policy={policy} stonith-enabled=false
            """);
        Boot("node1");
        Boot("node2");
        Boot("node3");
        await WaitRunningOnOneAsync("d1", n => n == "node1");
        await WaitRunningOnOneAsync("d2", n => n == "node2");
        await Until(async () => (await EventsAsync<TransitionCompleted>()).FirstOrDefault(), "the start transition completes", 60);

        // node1 is left alone: one of three is no quorum.
        await _nodes["node2"].PowerOffAsync();
        await _nodes["node3"].PowerOffAsync();
        await Until(async () => (await EventsAsync<NodeLost>()).Count(l => l.Node is "node2" or "node3") == 2 ? "lost" : null, "node2 and node3 are lost", 60);

        switch (policy)
        {
            case "stop":
                await Until(() => Task.FromResult(NodesRunning("d1").Count == 0 ? "stopped" : null), "d1 is stopped without quorum", 60);
                Assert.Empty(NodesRunning("d2"));
                break;
            case "freeze":
                // Nothing new starts (d2 is not recovered), what runs keeps running.
                await Task.Delay(Fast.LeaseTimeout.ToTimeSpan() * 3);
                Assert.Equal(["node1"], NodesRunning("d1"));
                Assert.Empty(NodesRunning("d2"));
                break;
            case "ignore":
                await WaitRunningOnOneAsync("d2", n => n == "node1");
                Assert.Equal(["node1"], NodesRunning("d1"));
                break;
        }
        await AssertReplaysAsync();
    }

    /// <summary>Eventually, and when it never happens, the log to explain why.</summary>
    private async Task<T> Until<T>(Func<Task<T?>> probe, string what, int limitSeconds = 30) where T : class
    {
        try
        {
            return await Eventually.Get(probe, what, limitSeconds);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException(e.Message + "\n" + await LogAsync());
        }
    }

    /// <summary>The whole log, one event a line: what a failing scenario shows to explain itself.</summary>
    private async Task<string> LogAsync()
    {
        await using var session = _store.QuerySession();
        var all = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync();
        return string.Join("\n", all.Select(e => $"{e.Sequence,4} {e.Timestamp:HH:mm:ss.fff} {e.StreamKey,-20} {e.Data}"));
    }

    /// <summary>The node's runtime dies but the machine keeps its traces (the state file): only a fence may clear them.</summary>
    private async Task CrashKeepingStateAsync(string name)
    {
        var node = _nodes[name];
        var keep = Path.Combine(_root, $"{name}.kept");
        Directory.CreateDirectory(keep);
        foreach (var f in Directory.GetFiles(node.StateDir)) File.Copy(f, Path.Combine(keep, Path.GetFileName(f)), true);
        await node.PowerOffAsync();
        Directory.CreateDirectory(node.StateDir);
        foreach (var f in Directory.GetFiles(keep)) File.Copy(f, Path.Combine(node.StateDir, Path.GetFileName(f)), true);
    }
}

internal static class TaskExtensions
{
    public static Task WhenCancelled(this CancellationToken ct)
    {
        var tcs = new TaskCompletionSource();
        ct.Register(() => tcs.TrySetResult());
        return tcs.Task;
    }

}

using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Projections.Store;

namespace TestSupport;

/// <summary>
/// Small event sequences for the failover incidents, with the causation ids the controller and the node runtimes write
/// (a plan names the news it follows from by event id; its fence and dispatches name the plan; a node's result names
/// <c>transition/action</c>): a node crash with fencing and recovery on the survivor, a monitor failure then a restart
/// in place, an operator's fence with the recovery planned after the fence, an admin move. Times are fixed.
/// </summary>
public sealed partial class IncidentScenario(TestDatabase db)
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private readonly CibEventLog _log = new(db.DataSource);

    public IReadOnlyList<Func<Task>> Steps => [SetUpAsync, NodeCrashAsync, MonitorFailureAsync, OperatorFenceAsync, AdminMoveAsync];

    public async Task AllAsync()
    {
        foreach (var step in Steps) await step();
    }

    /// <summary>Three nodes and three resources: web on node2, db on node1, app on node3 (started by t1).</summary>
    public async Task SetUpAsync()
    {
        var writer = new ConfigurationWriter(db.Store);
        var (_, version) = await ConfigurationReader.LoadAsync(db.Store);
        await writer.ChangeAsync(new ChangeConfiguration(version,
            [new DefineNode("node1"), new DefineNode("node2"), new DefineNode("node3"),
             new DefinePrimitive(Primitive.Create("web", "ocf:heartbeat:Dummy")), new DefinePrimitive(Primitive.Create("db", "ocf:heartbeat:Dummy")),
             new DefinePrimitive(Primitive.Create("app", "ocf:heartbeat:Dummy"))], T0, Actor.User("alice"), "set up"),
            CommandMetadata.For(Actor.User("alice")));
        await Result("node2", Ok("web", "node2", "start", "t1", 1, 100, T0));
        await Result("node1", Ok("db", "node1", "start", "t1", 2, 100, T0));
        await Result("node3", Ok("app", "node3", "start", "t1", 3, 100, T0));
    }

    /// <summary>node2 is lost (last seen 5 s before); t10 fences it (ipmi-2, run by node1, 1.234 s) and starts web on node1.</summary>
    public async Task NodeCrashAsync()
    {
        var t = T0.AddMinutes(1);
        var lost = await Controller("node1", StreamIds.Node("node2"), null, new NodeLost("node2", "no heartbeat", t.AddSeconds(-5), t));
        var plan = await Plan("t10", lost, t);
        await Controller("node1", StreamIds.Fencing("node2"), plan, new FencingRequested("t10/1", "node2", "reboot", "node2 is lost", "ipmi-2", "t10", 1, t));
        await Controller("node1", StreamIds.Transition("t10"), plan,
            new ActionDispatched("t10", 1, "node1", ActionKind.Fence, null, "node2", "reboot", 0, 60_000, "t10/1", t));
        await Result("node1", new NodeFenced("t10/1", "node2", "ipmi-2", "reboot", "node1", 1_234, t.AddSeconds(2)));
        await Controller("node1", StreamIds.Transition("t10"), plan,
            new ActionDispatched("t10", 2, "node1", ActionKind.Start, "web", null, "start", 0, 20_000, null, t.AddSeconds(2)));
        await Result("node1", Ok("web", "node1", "start", "t10", 2, 300, t.AddSeconds(3)));
        await Controller("node1", StreamIds.Transition("t10"), plan, new TransitionCompleted("t10", 2, t.AddSeconds(3)));
    }

    /// <summary>db's monitor fails on node1; t20 stops and starts it there again.</summary>
    public async Task MonitorFailureAsync()
    {
        var t = T0.AddMinutes(2);
        var failed = await Result("node1", new ResourceOperationFailed("db", "node1", "monitor", 10_000, OcfRc.NotRunning, OperationStatus.Done,
            new OperationOrigin(null, null), 20, null, "process gone", t));
        var plan = await Plan("t20", failed, t);
        await Result("node1", Ok("db", "node1", "stop", "t20", 1, 50, t.AddSeconds(1)));
        await Result("node1", Ok("db", "node1", "start", "t20", 2, 200, t.AddSeconds(2)));
        await Controller("node1", StreamIds.Transition("t20"), plan, new TransitionCompleted("t20", 2, t.AddSeconds(2)));
    }

    /// <summary>otto asks to fence node3; t30 fences it (ipmi-3, run by node1); t31, planned after the fence, starts app on node1.</summary>
    public async Task OperatorFenceAsync()
    {
        var t = T0.AddMinutes(3);
        var request = Guid.CreateVersion7();
        await _log.AppendAsync(StreamIds.Fencing("node3"), [new NodeTerminationRequested("node3", Actor.User("otto"), "hardware swap", t)],
            AppendMetadata.Stamp(CommandMetadata.For(Actor.User("otto")), eventId: request));
        var plan = await Plan("t30", request, t.AddSeconds(1));
        await Controller("node1", StreamIds.Fencing("node3"), plan, new FencingRequested("t30/1", "node3", "off", "termination requested", "ipmi-3", "t30", 1,
            t.AddSeconds(1)));
        await Controller("node1", StreamIds.Transition("t30"), plan,
            new ActionDispatched("t30", 1, "node1", ActionKind.Fence, null, "node3", "off", 0, 60_000, "t30/1", t.AddSeconds(1)));
        var fenced = await Result("node1", new NodeFenced("t30/1", "node3", "ipmi-3", "off", "node1", 800, t.AddSeconds(2)));
        await Controller("node1", StreamIds.Transition("t30"), plan, new TransitionCompleted("t30", 1, t.AddSeconds(2)));
        var next = await Plan("t31", fenced, t.AddSeconds(3));
        await Result("node1", Ok("app", "node1", "start", "t31", 1, 400, t.AddSeconds(4)));
        await Controller("node1", StreamIds.Transition("t31"), next, new TransitionCompleted("t31", 1, t.AddSeconds(4)));
    }

    /// <summary>bob adds node4 and moves web to node3 (location cli-prefer-web) in one change; t40 stops web on node1 and starts it on node3.</summary>
    public async Task AdminMoveAsync()
    {
        var t = T0.AddMinutes(4);
        var writer = new ConfigurationWriter(db.Store);
        var (_, version) = await ConfigurationReader.LoadAsync(db.Store);
        await writer.ChangeAsync(new ChangeConfiguration(version,
            [new DefineNode("node4"), new DefineConstraint(new LocationConstraint("cli-prefer-web", "web", "node3", Score.Infinity))], t, Actor.User("bob"),
             "move web"),
            CommandMetadata.For(Actor.User("bob")));
        // The controller's plan names the change's first event (the first news since its last plan), not the constraint's.
        var change = Guid.Empty;
        await using (var last = db.DataSource.CreateCommand("SELECT id FROM cib.mt_events ORDER BY seq_id DESC LIMIT 2"))
        await using (var r = await last.ExecuteReaderAsync())
            while (await r.ReadAsync()) change = r.GetGuid(0);
        var plan = await Plan("t40", change, t.AddSeconds(1));
        await Result("node1", Ok("web", "node1", "stop", "t40", 1, 50, t.AddSeconds(2)));
        await Result("node3", Ok("web", "node3", "start", "t40", 2, 250, t.AddSeconds(3)));
        await Controller("node1", StreamIds.Transition("t40"), plan, new TransitionCompleted("t40", 2, t.AddSeconds(3)));
    }

    private static ResourceOperationSucceeded Ok(string resource, string node, string operation, string transition, int action, long durationMs,
        DateTimeOffset at) =>
        new(resource, node, operation, 0, OcfRc.Success, new OperationOrigin(transition, action), durationMs, null, null, at);

    /// <summary>A plan caused by the event <paramref name="cause"/>; returns the plan's event id.</summary>
    private Task<Guid> Plan(string transition, Guid cause, DateTimeOffset at) =>
        Controller("node1", StreamIds.Transition(transition), cause,
            new TransitionPlanned(transition, 0, "test", ValueList<PlannedAction>.Empty, ValueList<string>.Empty, null, at));

    /// <summary>The controller's append, caused by <paramref name="cause"/>; returns the event's id.</summary>
    private async Task<Guid> Controller(string node, string stream, Guid? cause, object e)
    {
        var id = Guid.CreateVersion7();
        var meta = CommandMetadata.For(Actor.Controller(node)) with { CausationId = cause?.ToString() };
        await _log.AppendAsync(stream, [e], AppendMetadata.Stamp(meta, eventId: id));
        return id;
    }

    /// <summary>A node's result, stamped as the node runtimes stamp it (correlation and causation: its transition and action).</summary>
    private async Task<Guid> Result(string node, object e)
    {
        var id = Guid.CreateVersion7();
        var stream = e switch
        {
            ResourceOperationSucceeded ok => StreamIds.ResourceOn(ok.Resource, ok.Node),
            ResourceOperationFailed bad => StreamIds.ResourceOn(bad.Resource, bad.Node),
            NodeFenced f => StreamIds.Fencing(f.Target),
            _ => StreamIds.Node(node),
        };
        var (transition, action) = e switch
        {
            ResourceOperationSucceeded ok => (ok.Origin.TransitionId, ok.Origin.ActionId),
            ResourceOperationFailed bad => (bad.Origin.TransitionId, bad.Origin.ActionId),
            NodeFenced f => (f.RequestId.Split('/')[0], (int?)int.Parse(f.RequestId.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture)),
            _ => (null, null),
        };
        var meta = CommandMetadata.For(Actor.Node(node));
        if (transition is not null) meta = meta with { CorrelationId = transition, CausationId = action is { } a ? $"{transition}/{a}" : transition };
        await _log.AppendAsync(stream, [e], AppendMetadata.Stamp(meta, eventId: id));
        return id;
    }
}

using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Projections.Planning;
using Cib.Projections.Store;

namespace TestSupport;

/// <summary>
/// The incidents' rules past the first cut (decision 0012): sequences stamped as the controller stamps them, with its
/// steps (a plan and the end of the transition before it are one step) and each plan's position (what it saw). After
/// <see cref="SetUpAsync"/>: web on node2, db on node1, app on node3.
/// </summary>
public sealed partial class IncidentScenario
{
    /// <summary>
    /// db's monitor fails on node1; t50 restarts it there and the start fails; the step that aborts t50 plans t51, which
    /// starts db on node3 (<paramref name="retry"/>: named by its causation id, <c>"plan"</c> the aborted plan, <c>"news"</c>
    /// a NodeJoined that came meanwhile, or <c>"none"</c>: no plan follows; then a later plan for something else).
    /// </summary>
    public async Task FailedStartAsync(string retry)
    {
        var t = T0.AddMinutes(5);
        var failed = await Result("node1", new ResourceOperationFailed("db", "node1", "monitor", 10_000, OcfRc.NotRunning, OperationStatus.Done,
            new OperationOrigin(null, null), 20, null, "process gone", t));
        var plan = await PlanAsync("t50", failed, t, "s50", Action(1, ActionKind.Stop, "db", "node1"), Action(2, ActionKind.Start, "db", "node1"));
        await Result("node1", Ok("db", "node1", "stop", "t50", 1, 50, t.AddSeconds(1)));
        await Result("node1", new ResourceOperationFailed("db", "node1", "start", 0, OcfRc.GenericError, OperationStatus.Done,
            new OperationOrigin("t50", 2), 150, null, "cannot bind", t.AddSeconds(2)));
        var news = retry == "news"
            ? await Controller("node1", StreamIds.Node("node4"), null, new NodeJoined("node4", "i1", "lease", t.AddSeconds(2)))
            : (Guid?)null;
        await StepAsync("s51", StreamIds.Transition("t50"), plan, new TransitionAborted("t50", "an action failed", 0, t.AddSeconds(3)));
        if (retry == "none")
        {
            // Much later, app's monitor fails: that plan carries nothing of db's incident on.
            var other = await Result("node3", new ResourceOperationFailed("app", "node3", "monitor", 10_000, OcfRc.NotRunning, OperationStatus.Done,
                new OperationOrigin(null, null), 20, null, "app gone", t.AddMinutes(1)));
            await PlanAsync("t52", other, t.AddMinutes(1), "s52", Action(1, ActionKind.Stop, "app", "node3"), Action(2, ActionKind.Start, "app", "node3"));
            return;
        }
        var next = await PlanAsync("t51", news ?? plan, t.AddSeconds(3), "s51", Action(1, ActionKind.Start, "db", "node3"));
        await Result("node3", Ok("db", "node3", "start", "t51", 1, 250, t.AddSeconds(4)));
        await StepAsync("s53", StreamIds.Transition("t51"), next, new TransitionCompleted("t51", 1, t.AddSeconds(4)));
    }

    /// <summary>
    /// A group svc = [ip, srv, tail] on node1 and dep colocated with it; srv's monitor fails; t60 stops tail, srv and dep,
    /// starts srv and tail, and dep again only when <paramref name="depRestarts"/>.
    /// </summary>
    public async Task GroupMemberFailureAsync(bool depRestarts)
    {
        var t = T0.AddMinutes(6);
        var writer = new ConfigurationWriter(db.Store);
        var (_, version) = await ConfigurationReader.LoadAsync(db.Store);
        await writer.ChangeAsync(new ChangeConfiguration(version,
            [new DefinePrimitive(Primitive.Create("ip", "ocf:heartbeat:Dummy")), new DefinePrimitive(Primitive.Create("srv", "ocf:heartbeat:Dummy")),
             new DefinePrimitive(Primitive.Create("tail", "ocf:heartbeat:Dummy")), new DefinePrimitive(Primitive.Create("dep", "ocf:heartbeat:Dummy")),
             new DefineGroup(Group.Create("svc", "ip", "srv", "tail")),
             new DefineConstraint(new ColocationConstraint("dep-with-svc", "dep", "svc", Score.Infinity))], t, Actor.User("alice"), "svc"),
            CommandMetadata.For(Actor.User("alice")));
        foreach (var (r, i) in new[] { "ip", "srv", "tail", "dep" }.Select((r, i) => (r, i + 1)))
            await Result("node1", Ok(r, "node1", "start", "t2", i, 100, t));
        var failed = await Result("node1", new ResourceOperationFailed("srv", "node1", "monitor", 10_000, OcfRc.NotRunning, OperationStatus.Done,
            new OperationOrigin(null, null), 20, null, "srv gone", t.AddSeconds(10)));
        PlannedAction[] actions =
        [
            Action(1, ActionKind.Stop, "dep", "node1"), Action(2, ActionKind.Stop, "tail", "node1"), Action(3, ActionKind.Stop, "srv", "node1"),
            Action(4, ActionKind.Start, "srv", "node1"), Action(5, ActionKind.Start, "tail", "node1"),
            .. depRestarts ? [Action(6, ActionKind.Start, "dep", "node1")] : Array.Empty<PlannedAction>(),
        ];
        var plan = await PlanAsync("t60", failed, t.AddSeconds(10), "s60", actions);
        await Result("node1", Ok("dep", "node1", "stop", "t60", 1, 10, t.AddSeconds(11)));
        await Result("node1", Ok("tail", "node1", "stop", "t60", 2, 10, t.AddSeconds(11)));
        await Result("node1", Ok("srv", "node1", "stop", "t60", 3, 10, t.AddSeconds(12)));
        await Result("node1", Ok("srv", "node1", "start", "t60", 4, 100, t.AddSeconds(13)));
        await Result("node1", Ok("tail", "node1", "start", "t60", 5, 100, t.AddSeconds(14)));
        if (depRestarts) await Result("node1", Ok("dep", "node1", "start", "t60", 6, 100, t.AddSeconds(15)));
        await StepAsync("s61", StreamIds.Transition("t60"), plan, new TransitionCompleted("t60", actions.Length, t.AddSeconds(15)));
    }

    /// <summary>
    /// Admin moves that need no action: carol bans web from node1 (it runs on node2) and prefers db on node1 (it runs
    /// there): closed by their changes; then dave moves app to node1, which the controller does not act on (no plan
    /// follows); the next plan (a node joins) saw the move and does not touch app.
    /// </summary>
    public async Task NoActionMovesAsync()
    {
        var t = T0.AddMinutes(7);
        var writer = new ConfigurationWriter(db.Store);
        var (_, version) = await ConfigurationReader.LoadAsync(db.Store);
        await writer.ChangeAsync(new ChangeConfiguration(version,
            [new DefineConstraint(new LocationConstraint("cli-ban-web-on-node1", "web", "node1", Score.MinusInfinity)),
             new DefineConstraint(new LocationConstraint("cli-prefer-db", "db", "node1", Score.Infinity))], t, Actor.User("carol"), "pin"),
            CommandMetadata.For(Actor.User("carol")));
        (_, version) = await ConfigurationReader.LoadAsync(db.Store);
        await writer.ChangeAsync(new ChangeConfiguration(version,
            [new DefineConstraint(new LocationConstraint("cli-prefer-app", "app", "node1", Score.Of(50)))], t.AddSeconds(10), Actor.User("dave"),
            "move app"),
            CommandMetadata.For(Actor.User("dave")));
        var joined = await Controller("node1", StreamIds.Node("node4"), null, new NodeJoined("node4", "i1", "lease", t.AddSeconds(20)));
        await PlanAsync("t70", joined, t.AddSeconds(20), "s70", Action(1, ActionKind.Probe, "web", "node4"));
    }

    /// <summary>
    /// Two news before one plan: node3 (app) is lost and db's monitor fails on node1; t80 names the NodeLost, fences
    /// node3, starts app on node1 and restarts db: db's incident is t80's too (the first plan that saw it acts on db).
    /// </summary>
    public async Task TwoNewsOnePlanAsync()
    {
        var t = T0.AddMinutes(8);
        var lost = await Controller("node1", StreamIds.Node("node3"), null, new NodeLost("node3", "no heartbeat", t.AddSeconds(-5), t));
        await Result("node1", new ResourceOperationFailed("db", "node1", "monitor", 10_000, OcfRc.NotRunning, OperationStatus.Done,
            new OperationOrigin(null, null), 20, null, "process gone", t));
        var plan = await PlanAsync("t80", lost, t.AddSeconds(1), "s80",
            new PlannedAction(1, ActionKind.Fence, null, "node3", "reboot", 0, 60_000, ValueList<int>.Empty, "node3 is lost"),
            Action(2, ActionKind.Start, "app", "node1"), Action(3, ActionKind.Stop, "db", "node1"), Action(4, ActionKind.Start, "db", "node1"));
        await StepAsync("s80", StreamIds.Fencing("node3"), plan, new Cib.Domain.Fencing.FencingRequested("t80/1", "node3", "reboot", "node3 is lost", "ipmi-3", "t80", 1, t.AddSeconds(1)));
        await Result("node1", new Cib.Domain.Fencing.NodeFenced("t80/1", "node3", "ipmi-3", "reboot", "node1", 500, t.AddSeconds(2)));
        await Result("node1", Ok("app", "node1", "start", "t80", 2, 100, t.AddSeconds(3)));
        await Result("node1", Ok("db", "node1", "stop", "t80", 3, 10, t.AddSeconds(3)));
        await Result("node1", Ok("db", "node1", "start", "t80", 4, 100, t.AddSeconds(4)));
        await StepAsync("s81", StreamIds.Transition("t80"), plan, new TransitionCompleted("t80", 4, t.AddSeconds(4)));
    }

    /// <summary>
    /// node3 runs app and cache and is lost; t90 fences it and starts both on node1: cache starts, app's start fails;
    /// the step that aborts t90 plans t91, which starts app on node2.
    /// </summary>
    public async Task CrashWithOneFailedStartAsync()
    {
        var t = T0.AddMinutes(9);
        await Result("node3", Ok("cache", "node3", "start", "t1", 4, 100, T0));
        var lost = await Controller("node1", StreamIds.Node("node3"), null, new NodeLost("node3", "no heartbeat", t.AddSeconds(-5), t));
        var plan = await PlanAsync("t90", lost, t, "s90",
            new PlannedAction(1, ActionKind.Fence, null, "node3", "reboot", 0, 60_000, ValueList<int>.Empty, "node3 is lost"),
            Action(2, ActionKind.Start, "app", "node1"), Action(3, ActionKind.Start, "cache", "node1"));
        await StepAsync("s90", StreamIds.Fencing("node3"), plan, new Cib.Domain.Fencing.FencingRequested("t90/1", "node3", "reboot", "node3 is lost", "ipmi-3", "t90", 1, t));
        await Result("node1", new Cib.Domain.Fencing.NodeFenced("t90/1", "node3", "ipmi-3", "reboot", "node1", 500, t.AddSeconds(1)));
        await Result("node1", new ResourceOperationFailed("app", "node1", "start", 0, OcfRc.GenericError, OperationStatus.Done,
            new OperationOrigin("t90", 2), 150, null, "cannot bind", t.AddSeconds(2)));
        await Result("node1", Ok("cache", "node1", "start", "t90", 3, 100, t.AddSeconds(2)));
        await StepAsync("s91", StreamIds.Transition("t90"), plan, new TransitionAborted("t90", "an action failed", 0, t.AddSeconds(3)));
        var next = await PlanAsync("t91", plan, t.AddSeconds(3), "s91", Action(1, ActionKind.Start, "app", "node2"));
        await Result("node2", Ok("app", "node2", "start", "t91", 1, 200, t.AddSeconds(4)));
        await StepAsync("s92", StreamIds.Transition("t91"), next, new TransitionCompleted("t91", 1, t.AddSeconds(4)));
    }

    /// <summary>
    /// t95 sends a start of cache to node3, which is lost before its result is in the log; t96 fences node3 and starts
    /// app and cache on node1.
    /// </summary>
    public async Task CrashBeforeTheStartResultAsync()
    {
        var t = T0.AddMinutes(10);
        var joined = await Controller("node1", StreamIds.Node("node4"), null, new NodeJoined("node4", "i1", "lease", t));
        var start = await PlanAsync("t95", joined, t, "s95", Action(1, ActionKind.Start, "cache", "node3"));
        await StepAsync("s95", StreamIds.Transition("t95"), start,
            new ActionDispatched("t95", 1, "node3", ActionKind.Start, "cache", null, "start", 0, 20_000, null, t));
        var lost = await Controller("node1", StreamIds.Node("node3"), null, new NodeLost("node3", "no heartbeat", t.AddSeconds(-1), t.AddSeconds(5)));
        await StepAsync("s96", StreamIds.Transition("t95"), lost, new TransitionAborted("t95", "node3 was lost", 0, t.AddSeconds(5)));
        var plan = await PlanAsync("t96", lost, t.AddSeconds(5), "s96",
            new PlannedAction(1, ActionKind.Fence, null, "node3", "reboot", 0, 60_000, ValueList<int>.Empty, "node3 is lost"),
            Action(2, ActionKind.Start, "app", "node1"), Action(3, ActionKind.Start, "cache", "node1"));
        await StepAsync("s96", StreamIds.Fencing("node3"), plan, new Cib.Domain.Fencing.FencingRequested("t96/1", "node3", "reboot", "node3 is lost", "ipmi-3", "t96", 1, t.AddSeconds(5)));
        await Result("node1", new Cib.Domain.Fencing.NodeFenced("t96/1", "node3", "ipmi-3", "reboot", "node1", 500, t.AddSeconds(6)));
        await Result("node1", Ok("app", "node1", "start", "t96", 2, 100, t.AddSeconds(7)));
        await Result("node1", Ok("cache", "node1", "start", "t96", 3, 100, t.AddSeconds(8)));
        await StepAsync("s97", StreamIds.Transition("t96"), plan, new TransitionCompleted("t96", 3, t.AddSeconds(8)));
    }

    private static PlannedAction Action(int id, ActionKind kind, string resource, string node) =>
        new(id, kind, resource, node, kind.ToString().ToLowerInvariant(), 0, 20_000, ValueList<int>.Empty, "test");

    /// <summary>A plan made in controller step <paramref name="step"/> as of the log's end, caused by <paramref name="cause"/>; returns its event id.</summary>
    public async Task<Guid> PlanAsync(string transition, Guid cause, DateTimeOffset at, string step, params PlannedAction[] actions)
    {
        long asOf;
        await using (var end = db.DataSource.CreateCommand("SELECT coalesce(max(seq_id), 0) FROM cib.mt_events"))
            asOf = (long)(await end.ExecuteScalarAsync())!;
        return await StepAsync(step, StreamIds.Transition(transition), cause,
            new TransitionPlanned(transition, asOf, "test", ValueList.Of(actions), ValueList<string>.Empty, null, at), asOf);
    }

    /// <summary>An event the controller appends in step <paramref name="step"/>, stamped as <c>ControllerStep</c> stamps it; returns its id.</summary>
    private async Task<Guid> StepAsync(string step, string stream, Guid cause, object e, long asOf = 0)
    {
        var id = Guid.CreateVersion7();
        var transition = e switch
        {
            TransitionPlanned p => p.TransitionId,
            TransitionCompleted c => c.TransitionId,
            TransitionAborted a => a.TransitionId,
            Cib.Domain.Fencing.FencingRequested r => r.TransitionId,
            _ => null,
        };
        await _log.AppendAsync(stream, [e], new ControllerStep(1, step, asOf, null).Stamp(Actor.Controller("node1"), transition, cause.ToString(), id));
        return id;
    }
}

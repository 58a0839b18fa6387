using Cib.Domain.Configuration;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Projections.Store;

namespace TestSupport;

/// <summary>
/// Small event sequences for the history read models, appended as their writers append them (the configuration writer
/// for a user's change, the controller's and the nodes' appends with their actors): a configuration change by a user, a
/// crash with fencing, a failed fence retried then given up, an operator's fence, a monitor failure then a clean-up.
/// Times are fixed, whole seconds (the store keeps microseconds).
/// </summary>
public sealed class HistoryScenario(TestDatabase db)
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private readonly CibEventLog _log = new(db.DataSource);

    /// <summary>Each step in turn; a test may fold the history after each (incremental) or once at the end.</summary>
    public IReadOnlyList<Func<Task>> Steps =>
        [ConfigurationByUserAsync, CrashWithFencingAsync, FenceRetriedThenGivenUpAsync, OperatorFenceAsync, MonitorFailureThenCleanupAsync];

    public async Task AllAsync()
    {
        foreach (var step in Steps) await step();
    }

    /// <summary>alice defines three nodes and a primitive, with a reason.</summary>
    public async Task ConfigurationByUserAsync()
    {
        var writer = new ConfigurationWriter(db.Store);
        var (_, version) = await ConfigurationReader.LoadAsync(db.Store);
        await writer.ChangeAsync(new ChangeConfiguration(version,
            [new DefineNode("node1"), new DefineNode("node2"), new DefineNode("node3"),
             new DefinePrimitive(Primitive.Create("web", "ocf:heartbeat:Dummy"))], T0, Actor.User("alice"), "ticket 7"),
            CommandMetadata.For(Actor.User("alice")));
    }

    /// <summary>node2 is lost; the controller on node1 fences it through ipmi-2, run by node1, which confirms it.</summary>
    public async Task CrashWithFencingAsync()
    {
        var t = T0.AddMinutes(1);
        await Controller("node1", StreamIds.Fencing("node2"),
            new FencingRequested("t1/1", "node2", "reboot", "node2 is lost", "ipmi-2", "t1", 1, t),
            new ActionDispatched("t1", 1, "node1", ActionKind.Fence, null, "node2", "reboot", 0, 60_000, "t1/1", t));
        await Node("node1", StreamIds.Fencing("node2"), new NodeFenced("t1/1", "node2", "ipmi-2", "reboot", "node1", 1_234, t.AddSeconds(2)));
    }

    /// <summary>node3's fence fails twice (its device times out), then the controller gives up.</summary>
    public async Task FenceRetriedThenGivenUpAsync()
    {
        var t = T0.AddMinutes(2);
        await Controller("node1", StreamIds.Fencing("node3"),
            new FencingRequested("t2/1", "node3", "reboot", "node3 is lost", "ipmi-3", "t2", 1, t),
            new ActionDispatched("t2", 1, "node1", ActionKind.Fence, null, "node3", "reboot", 0, 60_000, "t2/1", t));
        await Node("node1", StreamIds.Fencing("node3"), new FencingFailed("t2/1", "node3", "ipmi-3", "timed out", 1, false, t.AddSeconds(60)));
        await Controller("node1", StreamIds.Fencing("node3"),
            new FencingRequested("t3/1", "node3", "reboot", "node3 is lost", "ipmi-3", "t3", 2, t.AddSeconds(61)),
            new ActionDispatched("t3", 1, "node1", ActionKind.Fence, null, "node3", "reboot", 0, 60_000, "t3/1", t.AddSeconds(61)));
        await Node("node1", StreamIds.Fencing("node3"), new FencingFailed("t3/1", "node3", "ipmi-3", "timed out", 2, false, t.AddSeconds(121)));
        await Controller("node1", StreamIds.Fencing("node3"),
            new FencingFailed("t4/1", "node3", null, "giving up after 2 failed attempts", 2, true, t.AddSeconds(122)));
    }

    /// <summary>otto asks the cluster to fence node1; the controller (now on node2) fences it through ipmi-1, run by node2.</summary>
    public async Task OperatorFenceAsync()
    {
        var t = T0.AddMinutes(3);
        await _log.AppendAsync(StreamIds.Fencing("node1"), [new NodeTerminationRequested("node1", Actor.User("otto"), "hardware swap", t)],
            AppendMetadata.Stamp(CommandMetadata.For(Actor.User("otto"))));
        await Controller("node2", StreamIds.Fencing("node1"),
            new FencingRequested("t5/1", "node1", "off", "termination requested", "ipmi-1", "t5", 1, t.AddSeconds(1)),
            new ActionDispatched("t5", 1, "node2", ActionKind.Fence, null, "node1", "off", 0, 60_000, "t5/1", t.AddSeconds(1)));
        await Node("node2", StreamIds.Fencing("node1"), new NodeFenced("t5/1", "node1", "ipmi-1", "off", "node2", 800, t.AddSeconds(2)));
    }

    /// <summary>web starts on node2, its monitor fails twice there, otto cleans it up (fail count, then its history).</summary>
    public async Task MonitorFailureThenCleanupAsync()
    {
        var t = T0.AddMinutes(4);
        var stream = StreamIds.ResourceOn("web", "node2");
        await Node("node2", stream, new ResourceOperationSucceeded("web", "node2", "start", 0, OcfRc.Success, new OperationOrigin("t6", 1), 150, null, null, t));
        await Node("node2", stream, new ResourceOperationFailed("web", "node2", "monitor", 10_000, OcfRc.NotRunning, OperationStatus.Done,
            new OperationOrigin(null, null), 20, null, "process gone", t.AddSeconds(30)));
        await Node("node2", stream, new ResourceOperationFailed("web", "node2", "monitor", 10_000, OcfRc.GenericError, OperationStatus.Timeout,
            new OperationOrigin(null, null), 20_000, null, null, t.AddSeconds(60)));
        var otto = AppendMetadata.Stamp(CommandMetadata.For(Actor.User("otto")));
        await _log.AppendAsync(StreamIds.Resource("web"),
            [new FailCountCleared("web", "node2", Actor.User("otto"), "cleanup", t.AddSeconds(90)),
             new ResourceHistoryCleared("web", "node2", Actor.User("otto"), "cleanup", t.AddSeconds(90))], otto);
    }

    private Task Controller(string node, string stream, params object[] events) =>
        _log.AppendAsync(stream, events, AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller(node))));

    private Task Node(string node, string stream, params object[] events) =>
        _log.AppendAsync(stream, events, AppendMetadata.Stamp(CommandMetadata.For(Actor.Node(node))));
}

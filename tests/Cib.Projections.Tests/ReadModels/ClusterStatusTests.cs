using Cib.Domain;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Projections.ReadModels.ClusterStatus;
using Xunit;

namespace Cib.Projections.Tests.ReadModels;

public class ClusterStatusTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly OperationOrigin FromT1 = new("t1", 1);

    private static ClusterStatus Fold(params IStatusEvent[] events) =>
        ClusterStatus.Fold(events.Select((e, i) => (e, (long)i + 1)));

    private static ResourceOperationSucceeded Ok(string rsc, string node, string op, long interval = 0, int rc = 0) =>
        new(rsc, node, op, interval, rc, FromT1, 5, null, "d1", T);

    [Fact]
    public void Keeps_the_last_result_per_operation_and_interval()
    {
        var s = Fold(Ok("ip", "node1", "monitor", 0, 7), Ok("ip", "node1", "start"), Ok("ip", "node1", "monitor", 10_000));
        var ops = s.OperationsOf("ip", "node1");
        Assert.Equal(3, ops.Count);
        Assert.Equal(OcfRc.NotRunning, ops[("monitor", 0)].Rc);
        Assert.Equal(3, s.Sequence);
    }

    [Fact]
    public void Counts_failures_until_cleared()
    {
        var failed = new ResourceOperationFailed("ip", "node1", "monitor", 10_000, 7, OperationStatus.Done, new OperationOrigin(null, null), 5, null, "gone", T);
        var s = Fold(Ok("ip", "node1", "start"), failed, failed with { At = T.AddSeconds(5) });
        Assert.Equal(new FailureRecord(2, T.AddSeconds(5)), s.Failures[("ip", "node1")]);
        Assert.False(s.OperationsOf("ip", "node1")[("monitor", 10_000)].Succeeded);

        var cleared = s.Apply(new FailCountCleared("ip", "node1", Actor.User("alice"), "cleanup", T), 9);
        Assert.False(cleared.Failures.ContainsKey(("ip", "node1")));
    }

    [Fact]
    public void A_stop_ends_recurring_monitors()
    {
        var s = Fold(Ok("ip", "node1", "start"), Ok("ip", "node1", "monitor", 10_000), Ok("ip", "node1", "stop"));
        Assert.Equal([("start", 0L), ("stop", 0L)], s.OperationsOf("ip", "node1").Keys.Select(k => (k.Operation, k.IntervalMs)));
    }

    [Fact]
    public void Fencing_is_tracked_and_a_fenced_node_runs_nothing()
    {
        var s = Fold(
            new NodeJoined("node1", "a", "first", T),
            Ok("ip", "node1", "start"),
            new NodeLost("node1", "lease", T, T),
            new FencingRequested("f1", "node1", "reboot", "node lost", "fence-virt", "t2", 1, T),
            new FencingFailed("f1", "node1", "fence-virt", "timeout", 1, false, T));
        Assert.Equal(FencingOutcome.Failed, s.Fencing["node1"].Outcome);
        Assert.IsType<NodeMembership.Unclean>(s.Membership.Of("node1"));
        Assert.NotEmpty(s.OperationsOf("ip", "node1"));

        var fenced = s.Apply(new NodeFenced("f1", "node1", "fence-virt", "reboot", "node2", 300, T), 10);
        Assert.Equal(FencingOutcome.Succeeded, fenced.Fencing["node1"].Outcome);
        Assert.IsType<NodeMembership.Fenced>(fenced.Membership.Of("node1"));
        Assert.Empty(fenced.OperationsOf("ip", "node1"));
    }

    [Fact]
    public void Folding_is_deterministic() =>
        Assert.Equal(
            Fold(Ok("a", "n1", "start"), Ok("b", "n2", "start")).Operations.Keys,
            Fold(Ok("a", "n1", "start"), Ok("b", "n2", "start")).Operations.Keys);
}

public class StartFailureTests
{
    [Fact]
    public void A_failed_start_is_remembered_until_cleared()
    {
        var at = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        var failed = new ResourceOperationFailed("ip", "n1", "start", 0, 1, OperationStatus.Timeout, new OperationOrigin("t1", 1), 20_000, null, "timeout", at);
        var s = ClusterStatus.Empty.Apply(failed, 1).Apply(new ResourceOperationSucceeded("ip", "n1", "start", 0, 0, new OperationOrigin("t2", 1), 5, null, null, at), 2);
        Assert.True(s.Failures[("ip", "n1")].StartFailed);
        Assert.False(s.Apply(new FailCountCleared("ip", null, Actor.User("a"), "cleanup", at), 3).Failures.ContainsKey(("ip", "n1")));
    }
}

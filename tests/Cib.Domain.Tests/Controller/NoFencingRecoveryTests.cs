using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Interop.Crm;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Transitions;
using Cib.Domain.Controller;
using Xunit;

namespace Cib.Domain.Tests.Controller;

/// <summary>
/// The controller's wait before recovering a lost node's resources without fencing: one lease check, the longest start
/// still running there, and the stop timeout of everything that may run there, one after the other, plus the margin.
/// </summary>
public sealed class NoFencingRecoveryTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 30, 6, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(500);
    /// <summary>The store-outage bound the lost node rides out frozen before it stops anything.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);

    private static readonly ClusterConfiguration Configuration = CrmParser.Parse("""
        node node1
        node node2
        primitive ip ocf:heartbeat:IPaddr2 params ip=10.0.0.1 op stop timeout=5s interval=0
        primitive fs ocf:heartbeat:Filesystem params device=/dev/x directory=/mnt fstype=ext4 op stop timeout=40s interval=0
        primitive web ocf:heartbeat:apache params configfile=/etc/apache2/apache2.conf
        primitive fence stonith:external/libvirt params hostlist="node1 node2" hypervisor_uri="qemu+ssh://h/system"
        op_defaults timeout=30s
        """).Parsed!.Configuration;

    private static ResourceActivity Fold(params IStatusEvent[] events) =>
        events.Select((e, i) => (e, (long)i + 1)).Aggregate(ResourceActivity.Empty, (a, x) => a.Apply(x.e, x.Item2));

    private static ResourceOperationSucceeded Ok(string rsc, string node, string op, int rc = 0, long interval = 0) =>
        new(rsc, node, op, interval, rc, new OperationOrigin("t1", 1), 5, null, null, T);

    [Fact]
    public void Every_stop_timeout_of_what_may_run_there_counts_one_after_the_other()
    {
        var status = Fold(Ok("ip", "node1", "start"), Ok("fs", "node1", "start"), Ok("web", "node1", "start"), Ok("fence", "node1", "start"));
        // ip 5 s (its own), fs 40 s (its own), web 30 s (op_defaults); the fence device has nothing to stop.
        Assert.Equal(["fs", "ip", "web"], NoFencingRecovery.PossiblyActive("node1", Configuration, status).Order());
        Assert.Equal(Bound + TimeSpan.FromMilliseconds(100) + TimeSpan.FromSeconds(75) + Margin,
            NoFencingRecovery.Wait("node1", Configuration, status, [], Lease, Bound, Margin));
    }

    [Fact]
    public void What_is_known_stopped_there_does_not_count_and_a_failed_start_does()
    {
        var failedStart = new ResourceOperationFailed("web", "node1", "start", 0, 1, OperationStatus.Error, new OperationOrigin("t1", 2), 5, null, "boom", T);
        var status = Fold(
            Ok("ip", "node1", "start"), Ok("ip", "node1", "stop"),   // stopped
            Ok("fs", "node1", "monitor", rc: 7),                    // probed: not running
            failedStart,                                            // may be half started
            Ok("ip", "node2", "start"));                            // another node's
        Assert.Equal(["web"], NoFencingRecovery.PossiblyActive("node1", Configuration, status));
        Assert.Equal(Bound + TimeSpan.FromMilliseconds(100) + TimeSpan.FromSeconds(30) + Margin,
            NoFencingRecovery.Wait("node1", Configuration, status, [], Lease, Bound, Margin));
    }

    [Fact]
    public void A_start_in_flight_on_the_lost_node_counts_its_start_and_its_stop()
    {
        var start = new PlannedAction(1, ActionKind.Start, "ip", "node1", "start", 0, 12_000, ValueList<int>.Of([]), "start");
        var elsewhere = start with { ActionId = 2, Node = "node2", Resource = "fs", TimeoutMs = 99_000 };
        Assert.Equal(Bound + TimeSpan.FromMilliseconds(100) + TimeSpan.FromSeconds(12) + TimeSpan.FromSeconds(5) + Margin,
            NoFencingRecovery.Wait("node1", Configuration, ResourceActivity.Empty, [start, elsewhere], Lease, Bound, Margin));
    }

    [Fact]
    public void A_node_that_ran_nothing_is_waited_for_the_store_outage_bound_one_check_and_the_margin() =>
        Assert.Equal(Bound + LeaseLoss.CheckInterval(Lease) + Margin, NoFencingRecovery.Wait("node2", Configuration, ResourceActivity.Empty, [], Lease, Bound, Margin));

    [Fact]
    public void A_start_dispatched_there_without_a_result_counts_from_the_log_alone_as_after_a_takeover()
    {
        static ActionDispatched Start(int id, string rsc, string node, long timeoutMs) =>
            new("t7", id, node, ActionKind.Start, rsc, null, "start", 0, timeoutMs, null, T);
        var activity = Fold(Start(1, "ip", "node1", 12_000), Start(2, "fs", "node1", 7_000), Start(3, "web", "node2", 99_000),
            Ok("fs", "node1", "start") with { Origin = new OperationOrigin("t7", 2) });
        Assert.Equal(["ip"], activity.StartsInFlightOn("node1").Select(d => d.Resource));
        // ip may still be starting (12 s) then must stop (5 s); fs started (its stop, 40 s); web is node2's.
        Assert.Equal(Bound + TimeSpan.FromMilliseconds(100) + TimeSpan.FromSeconds(12) + TimeSpan.FromSeconds(45) + Margin,
            NoFencingRecovery.Wait("node1", Configuration, activity, [], Lease, Bound, Margin));

        var rejoined = activity.Apply(new NodeJoined("node1", "i2", "back", T), 99);
        Assert.Empty(rejoined.StartsInFlightOn("node1"));
    }
}

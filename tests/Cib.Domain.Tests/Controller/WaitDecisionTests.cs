using Cib.Domain.Configuration;
using Cib.Domain.Controller;
using Cib.Domain.Nodes;
using Cib.Domain.Transitions;
using Xunit;

namespace Cib.Domain.Tests.Controller;

/// <summary>What holds planning back: the startup wait for nodes not yet known, and, without fencing, a lost node's own stops.</summary>
public sealed class WaitDecisionTests : ControllerDeciderSpec
{
    private static readonly ClusterConfiguration Config = Parse("""
        node node1
        node node2
        primitive d1 ocf:heartbeat:Dummy op stop timeout=2s interval=0
        property stonith-enabled=false no-quorum-policy=stop
        """);

    private static readonly ControllerRules Rules = ControllerRules.Default with { StartupGrace = TimeSpan.FromSeconds(5) };

    [Fact]
    public void A_starting_cluster_waits_for_a_configured_node_it_does_not_know_up_to_the_grace()
    {
        var state = Elect(Given(Config, Rules), "node1", T0).State;
        var ownLeaseOnly = new[] { new LeaseObservation("node1", "i1", T0.AddSeconds(1)) };
        ThenNothing(Tick(state, T0.AddSeconds(1), NoPlan, ownLeaseOnly));
        ThenNothing(Tick(state, T0.AddMilliseconds(4999), NoPlan, ownLeaseOnly));
        Assert.IsType<TransitionPlanned>(Tick(state, T0.AddSeconds(5), Plans(Start(1, "d1", "node1")), ownLeaseOnly).Events[0]);
    }

    [Fact]
    public void A_node_whose_lease_was_valid_since_the_election_is_known_and_nothing_is_waited_for()
    {
        var state = Elect(Given(Config, Rules), "node1", T0).State;
        var leases = new[] { new LeaseObservation("node1", "i1", T0.AddSeconds(1)), new LeaseObservation("node2", "i2", T0.AddMilliseconds(-500)) };
        Assert.IsType<TransitionPlanned>(Tick(state, T0.AddSeconds(1), Plans(Start(1, "d1", "node1")), leases).Events[0]);
    }

    [Fact]
    public void Once_settled_the_startup_wait_does_not_come_back()
    {
        var state = Elect(Given(Config, Rules, Joined("node1")), "node1", T0).State;
        var settled = Tick(state, T0.AddSeconds(6), Nothing, []).State;
        Assert.True(settled.Leader!.StartupSettled);
        var changed = Feed(settled, new NodeLeft("node1", "shutdown", T0.AddSeconds(7)));
        Assert.IsType<TransitionPlanned>(Tick(changed, T0.AddSeconds(7), Plans(Start(1, "d1", "node2")), []).Events[0]);
    }

    [Fact]
    public void Without_fencing_a_lost_nodes_resources_are_recovered_only_after_it_has_surely_stopped_them()
    {
        var lostAt = T0.AddSeconds(10);
        var state = Elect(Given(Config, Rules, Joined("node1"), Joined("node2"), Ok("d1", "node1", "start"), Lost("node1", lostAt)), "node2", T0).State;
        // One lease check (100 ms), d1's stop timeout (2 s), the margin (500 ms).
        var wait = LeaseLoss.StopBound(Rules.LeaseTimeout.ToTimeSpan(), Rules.StoreOutageBound, [], [TimeSpan.FromSeconds(2)]) + Rules.NoFencingMargin;
        Assert.Equal(TimeSpan.FromMilliseconds(2600), wait);
        ThenNothing(Tick(state, lostAt + wait - TimeSpan.FromMilliseconds(1), NoPlan, null));
        var recovery = Tick(state, lostAt + wait, Plans(Start(1, "d1", "node2")), null);
        Assert.Equal("t4", Assert.IsType<TransitionPlanned>(recovery.Events[0]).TransitionId);
    }

    [Fact]
    public void Without_fencing_the_wait_includes_the_store_outage_bound_the_lost_node_rides_out_frozen()
    {
        var lostAt = T0.AddSeconds(10);
        var rules = Rules with { StoreOutageBound = TimeSpan.FromSeconds(5) };
        var state = Elect(Given(Config, rules, Joined("node1"), Joined("node2"), Ok("d1", "node1", "start"), Lost("node1", lostAt)), "node2", T0).State;
        // 5 s frozen, one lease check (100 ms), d1's stop timeout (2 s), the margin (500 ms).
        Assert.Equal(lostAt + TimeSpan.FromMilliseconds(7600), state.RecoverNotBefore["node1"]);
        ThenNothing(Tick(state, lostAt.AddMilliseconds(7599), NoPlan, null));
        Assert.NotEmpty(Tick(state, lostAt.AddMilliseconds(7600), Plans(Start(1, "d1", "node2")), null).Events);
    }

    [Fact]
    public void A_lost_node_that_ran_nothing_is_waited_for_one_lease_check_and_the_margin()
    {
        var lostAt = T0.AddSeconds(10);
        var state = Elect(Given(Config, Rules, Joined("node1"), Joined("node2"), Lost("node1", lostAt)), "node2", T0).State;
        ThenNothing(Tick(state, lostAt.AddMilliseconds(599), NoPlan, null));
        Assert.NotEmpty(Tick(state, lostAt.AddMilliseconds(600), Plans(Start(1, "d1", "node2")), null).Events);
    }

    [Fact]
    public void A_start_still_out_on_the_lost_node_counts_in_the_wait_even_past_its_timeout()
    {
        var state = Elect(Given(Config, Rules, Joined("node1"), Joined("node2")), "node2", T0).State;
        state = Tick(state, T0, Plans(Start(1, "d1", "node1") with { TimeoutMs = 4000 }, Start(2, "x", "node2") with { TimeoutMs = 60_000 }), null).State;
        var lostAt = T0.AddSeconds(10);
        // The controller looked at the clock after the start's timeout (it expired; action 2 keeps the transition open), or
        // it did not: the same wait.
        var looked = Feed(Tick(state, T0.AddSeconds(5), Nothing, null).State, Lost("node1", lostAt));
        var notLooked = Feed(state, Lost("node1", lostAt));
        Assert.Equal(notLooked.RecoverNotBefore, looked.RecoverNotBefore);
        // One lease check, the start's 4 s, d1's 2 s stop, the margin.
        Assert.Equal(lostAt + TimeSpan.FromMilliseconds(100 + 4000 + 2000 + 500), looked.RecoverNotBefore["node1"]);
    }
}

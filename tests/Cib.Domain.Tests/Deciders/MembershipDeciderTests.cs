using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Xunit;

namespace Cib.Domain.Tests.Deciders;

/// <summary>Leases in, membership events out: joins, losses with their reasons, and no rejoin of an unclean node before its fence.</summary>
public class MembershipDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly Duration Timeout = new(1000);
    private static readonly string[] TwoNodes = ["node1", "node2"];

    private static MembershipState Given(params IStatusEvent[] history) => history.Aggregate(MembershipState.Empty, MembershipDecider.Evolve);

    private static IReadOnlyList<IStatusEvent> When(MembershipState state, bool fencing = true, params LeaseObservation[] leases) =>
        MembershipDecider.Decide(new ObserveLeases(leases, TwoNodes, Timeout, fencing, Now), state);

    private static LeaseObservation Lease(string node, string incarnation, int msAgo) => new(node, incarnation, Now.AddMilliseconds(-msAgo));

    [Fact]
    public void A_first_lease_joins_the_node()
    {
        var events = When(Given(), true, Lease("node1", "a", 100));
        var joined = Assert.IsType<NodeJoined>(Assert.Single(events));
        Assert.Equal(("node1", "a", "first lease"), (joined.Node, joined.Incarnation, joined.Reason));
    }

    [Fact]
    public void A_fresh_lease_of_an_online_node_changes_nothing() =>
        Assert.Empty(When(Given(new NodeJoined("node1", "a", "first lease", Now.AddSeconds(-5))), true, Lease("node1", "a", 200)));

    [Fact]
    public void An_expired_lease_loses_the_node_and_says_why()
    {
        var lost = Assert.IsType<NodeLost>(Assert.Single(When(Given(new NodeJoined("node1", "a", "first lease", Now.AddSeconds(-5))), true, Lease("node1", "a", 1500))));
        Assert.Equal("node1", lost.Node);
        Assert.Contains("1500 ms", lost.Reason);
        Assert.Equal(Now.AddMilliseconds(-1500), lost.LastSeen);
    }

    [Theory]
    // An outage of 8 s, the bound 5 s: the node has the lease timeout and the bound (1 s + 5 s) from the store's return.
    [InlineData(8_000, 3_000, true)]
    [InlineData(8_000, 6_000, true)]
    [InlineData(8_000, 6_001, false)]
    // An outage of 2 s (a hiccup): the lease timeout and the outage's own length (1 s + 2 s).
    [InlineData(2_000, 3_000, true)]
    [InlineData(2_000, 3_001, false)]
    public void After_an_outage_of_the_store_a_lease_runs_from_the_stores_return_for_the_lease_timeout_and_the_outage_up_to_the_bound(
        int outageMs, int backMsAgo, bool holds)
    {
        var state = Given(new NodeJoined("node1", "a", "first lease", Now.AddSeconds(-60)));
        var back = new StoreReturn(Now.AddMilliseconds(-backMsAgo), TimeSpan.FromMilliseconds(outageMs));
        var observe = new ObserveLeases([Lease("node1", "a", 20_000)], TwoNodes, Timeout, true, Now, back, TimeSpan.FromSeconds(5));
        var events = MembershipDecider.Decide(observe, state);
        Assert.Equal(holds, events.Count == 0);
        if (!holds) Assert.IsType<NodeLost>(Assert.Single(events));
    }

    [Fact]
    public void The_grace_after_an_outage_of_the_store_keeps_a_node_online_and_joins_none() =>
        // An offline node's old lease does not join it because the store just came back.
        Assert.Empty(MembershipDecider.Decide(new ObserveLeases([Lease("node2", "b", 20_000)], TwoNodes, Timeout, true, Now,
                new StoreReturn(Now, TimeSpan.FromSeconds(20)), TimeSpan.FromSeconds(5)),
            Given(new NodeLeft("node2", "shutdown", Now.AddSeconds(-30)))));

    [Fact]
    public void A_lease_exactly_at_the_timeout_still_counts() =>
        Assert.Empty(When(Given(new NodeJoined("node1", "a", "x", Now.AddSeconds(-5))), true, Lease("node1", "a", 1000)));

    [Fact]
    public void A_vanished_lease_loses_the_node() =>
        Assert.IsType<NodeLost>(Assert.Single(When(Given(new NodeJoined("node1", "a", "x", Now.AddSeconds(-5))))));

    [Fact]
    public void A_new_incarnation_while_online_is_a_rejoin()
    {
        var joined = Assert.IsType<NodeJoined>(Assert.Single(When(Given(new NodeJoined("node1", "a", "x", Now.AddSeconds(-5))), true, Lease("node1", "b", 10))));
        Assert.Equal("b", joined.Incarnation);
        Assert.Contains("restarted", joined.Reason);
    }

    [Fact]
    public void With_fencing_an_unclean_node_whose_old_runtime_returns_stays_out_until_fenced()
    {
        var state = Given(new NodeJoined("node1", "a", "x", Now.AddSeconds(-9)), new NodeLost("node1", "lease", Now.AddSeconds(-8), Now.AddSeconds(-7)));
        Assert.IsType<NodeMembership.Unclean>(state.Of("node1"));
        Assert.Empty(When(state, true, Lease("node1", "a", 10)));

        var fenced = MembershipDecider.Evolve(state, new NodeFenced("f1", "node1", "fence-virt", "reboot", "node2", 300, Now.AddSeconds(-1)));
        Assert.IsType<NodeMembership.Fenced>(fenced.Of("node1"));
        Assert.Equal("booted after being fenced", Assert.IsType<NodeJoined>(Assert.Single(When(fenced, true, Lease("node1", "c", 10)))).Reason);
    }

    [Fact]
    public void A_late_renewal_of_the_fenced_runtime_does_not_rejoin_the_node()
    {
        var fenced = MembershipDecider.Evolve(
            Given(new NodeJoined("node1", "a", "x", Now.AddSeconds(-9)), new NodeLost("node1", "lease", Now.AddSeconds(-8), Now.AddSeconds(-7))),
            new NodeFenced("f1", "node1", "fence-virt", "reboot", "node2", 300, Now.AddSeconds(-1)));
        Assert.Equal("a", Assert.IsType<NodeMembership.Fenced>(fenced.Of("node1")).Incarnation);
        Assert.Empty(When(fenced, true, Lease("node1", "a", 10)));
        Assert.IsType<NodeJoined>(Assert.Single(When(fenced, true, Lease("node1", "b", 10))));
    }

    [Fact]
    public void Without_fencing_an_unclean_node_rejoins_when_it_returns()
    {
        var state = Given(new NodeJoined("node1", "a", "x", Now.AddSeconds(-9)), new NodeLost("node1", "lease", Now.AddSeconds(-8), Now.AddSeconds(-7)));
        Assert.Contains("fencing disabled", Assert.IsType<NodeJoined>(Assert.Single(When(state, false, Lease("node1", "a", 10)))).Reason);
    }

    [Fact]
    public void A_node_that_left_cleanly_rejoins_on_its_next_lease()
    {
        var state = Given(new NodeJoined("node1", "a", "x", Now.AddSeconds(-9)), new NodeLeft("node1", "shutdown", Now.AddSeconds(-3)));
        Assert.IsType<NodeMembership.Offline>(state.Of("node1"));
        Assert.Empty(When(state));
        Assert.Empty(When(state, true, Lease("node1", "a", 10))); // the leaving runtime's lease, not yet removed
        Assert.IsType<NodeJoined>(Assert.Single(When(state, true, Lease("node1", "b", 10))));
    }

    [Fact]
    public void A_lost_node_is_lost_once() =>
        Assert.Empty(When(Given(new NodeJoined("node1", "a", "x", Now.AddSeconds(-9)), new NodeLost("node1", "lease", Now.AddSeconds(-8), Now.AddSeconds(-7)))));

    [Theory]
    [InlineData(new[] { "n1", "n2", "n3" }, new[] { "n1", "n2" }, true)]
    [InlineData(new[] { "n1", "n2", "n3" }, new[] { "n1" }, false)]
    [InlineData(new[] { "n1", "n2", "n3", "n4" }, new[] { "n1", "n2" }, false)]
    [InlineData(new[] { "n1", "n2" }, new[] { "n2" }, true)]
    [InlineData(new[] { "n1", "n2" }, new string[0], false)]
    [InlineData(new[] { "n1", "n2", "n3" }, new[] { "n1", "x", "y" }, false)]
    public void Quorum_is_a_majority_of_configured_nodes_except_for_two(string[] configured, string[] online, bool quorate) =>
        Assert.Equal(quorate, MembershipDecider.HasQuorum(configured, online));
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    /// <summary>node1 is the new controller; it was no member when elected unless <paramref name="atElection"/> says so.</summary>
    private static bool Settled(MembershipState state, int electedMsAgo, params LeaseObservation[] leases) =>
        Settled(MembershipState.Empty, state, electedMsAgo, leases);

    private static bool Settled(MembershipState atElection, MembershipState state, int electedMsAgo, params LeaseObservation[] leases) =>
        MembershipDecider.StartupSettled("node1", TwoNodes, atElection, state, leases, Timeout, Now.AddMilliseconds(-electedMsAgo), Grace, Now);

    [Fact]
    public void A_member_of_the_running_cluster_taking_over_knows_the_membership_and_plans_at_once()
    {
        // The old controller's node was cut off: its lease expired two seconds before the store ended its session and
        // freed the role. The new controller was online with this very runtime when it was elected.
        var atElection = Given(new NodeJoined("node1", "a", "first lease", Now.AddMinutes(-5)), new NodeJoined("node2", "b", "first lease", Now.AddMinutes(-5)));
        var state = MembershipDecider.Evolve(atElection, new NodeLost("node2", "lease not renewed", Now.AddSeconds(-3), Now));
        Assert.True(Settled(atElection, state, 10, Lease("node1", "a", 0), Lease("node2", "b", 3000)));
        // The same log, but this is a new runtime (the node restarted after an outage): the log's membership may be stale.
        Assert.False(Settled(atElection, state, 10, Lease("node1", "new", 0), Lease("node2", "b", 3000)));
    }

    [Fact]
    public void A_new_controller_plans_at_once_when_every_configured_node_is_online() =>
        Assert.True(Settled(Given(new NodeJoined("node1", "a", "first lease", Now), new NodeJoined("node2", "b", "first lease", Now)), 10));

    [Fact]
    public void A_new_controller_waits_for_a_node_it_knows_nothing_of_until_the_grace_ends()
    {
        var onlyNode1 = Given(new NodeJoined("node1", "a", "first lease", Now));
        Assert.False(Settled(onlyNode1, 10, Lease("node1", "a", 0)));
        Assert.True(Settled(onlyNode1, 5000, Lease("node1", "a", 0)));
    }

    [Fact]
    public void A_lease_that_expired_long_before_the_election_is_not_knowledge_the_node_may_be_booting()
    {
        // After a power outage the log still says node2 was online; its lease is an hour old.
        var state = Given(new NodeJoined("node1", "a", "first lease", Now), new NodeJoined("node2", "b", "first lease", Now.AddHours(-2)),
            new NodeLost("node2", "lease not renewed", Now.AddHours(-1), Now));
        Assert.False(Settled(state, 100, Lease("node1", "a", 0), Lease("node2", "b", 3_600_000)));
    }

    [Fact]
    public void A_node_whose_lease_was_valid_when_the_controller_took_over_is_known_even_if_lost_since()
    {
        // The old controller's node crashed as this one booted: its lease was still valid at the election (230 ms ago),
        // expired by the first look (1046 ms old). It was a member a moment ago: lost, to be fenced now, not waited for.
        var state = Given(new NodeJoined("node1", "a", "booted after being fenced", Now), new NodeJoined("node2", "b", "first lease", Now.AddMinutes(-1)),
            new NodeLost("node2", "lease not renewed for 1046 ms", Now.AddMilliseconds(-1046), Now));
        Assert.True(Settled(state, 230, Lease("node1", "a", 0), Lease("node2", "b", 1046)));
        Assert.False(Settled(state, 230, Lease("node1", "a", 0), Lease("node2", "b", 1300)));
    }
}

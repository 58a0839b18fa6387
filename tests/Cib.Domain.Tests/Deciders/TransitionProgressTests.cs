using Cib.Domain.Primitives;
using Cib.Domain.Transitions;
using Xunit;

namespace Cib.Domain.Tests.Deciders;

/// <summary>Dispatch in dependency order: fence before recovery, stop before start elsewhere, group members in order.</summary>
public class TransitionProgressTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static PlannedAction Act(int id, ActionKind kind, string node, string? rsc, params int[] deps) =>
        new(id, kind, rsc, node, kind.ToString().ToLowerInvariant(), 0, 20_000, ValueList.Of(deps), "test");

    // Fence node1, then start ip, fs, apache on node2 in order; the group pseudo-action is free.
    private static TransitionPlanned Failover() => new("t1", 10, "test", ValueList.Of(
        Act(1, ActionKind.Fence, "node1", null),
        Act(2, ActionKind.Start, "node2", "ip", 1),
        Act(3, ActionKind.Start, "node2", "fs", 2),
        Act(4, ActionKind.Start, "node2", "apache", 3),
        Act(5, ActionKind.Pseudo, "node2", "group", 4)), ValueList<string>.Empty, null, T0);

    [Fact]
    public void Only_the_fence_goes_first()
    {
        var p = TransitionProgress.Start(Failover());
        Assert.Equal([1], p.Ready().Select(a => a.ActionId));
    }

    [Fact]
    public void Each_start_waits_for_the_one_before()
    {
        var p = TransitionProgress.Start(Failover()).Dispatched([1], T0);
        Assert.Empty(p.Ready());
        p = p.Completed("t1", 1, true);
        Assert.Equal([2], p.Ready().Select(a => a.ActionId));
        p = p.Dispatched([2], T0).Completed("t1", 2, true);
        Assert.Equal([3], p.Ready().Select(a => a.ActionId));
        p = p.Dispatched([3], T0).Completed("t1", 3, true).Dispatched([4], T0).Completed("t1", 4, true);
        Assert.True(p.IsSucceeded);
        Assert.Equal(5, p.SucceededCount);
    }

    [Fact]
    public void A_failed_fence_stops_everything_after_it()
    {
        var p = TransitionProgress.Start(Failover()).Dispatched([1], T0).Completed("t1", 1, false);
        Assert.True(p.HasFailed);
        Assert.Empty(p.Ready());
    }

    [Fact]
    public void Results_of_another_transition_or_repeated_results_change_nothing()
    {
        var p = TransitionProgress.Start(Failover()).Dispatched([1], T0);
        Assert.Equal(p, p.Completed("t0", 1, true));
        var done = p.Completed("t1", 1, true);
        Assert.Equal(done, done.Completed("t1", 1, false));
    }

    [Fact]
    public void An_action_past_its_timeout_times_out()
    {
        var p = TransitionProgress.Start(Failover()).Dispatched([1], T0);
        Assert.False(p.Expire(T0.AddSeconds(19)).HasFailed);
        var expired = p.Expire(T0.AddSeconds(21));
        Assert.Equal(ActionState.Expired, expired.States[1]);
        Assert.True(expired.HasFailed);
    }

    [Fact]
    public void A_result_after_the_timeout_still_counts_so_the_state_does_not_depend_on_when_time_was_looked_at()
    {
        var p = TransitionProgress.Start(Failover()).Dispatched([1], T0);
        var lookedLate = p.Expire(T0.AddSeconds(21)).Completed("t1", 1, true);
        var lookedNever = p.Completed("t1", 1, true).Expire(T0.AddSeconds(21));
        Assert.Equal(ActionState.Succeeded, lookedLate.States[1]);
        Assert.Equal(lookedNever.States, lookedLate.States);
        Assert.Equal([2], lookedLate.Ready().Select(a => a.ActionId));
    }

    [Fact]
    public void An_action_of_a_lost_node_never_counts_again_even_after_it_expired()
    {
        var plan = new TransitionPlanned("t3", 1, "test", ValueList.Of(Act(1, ActionKind.Start, "node1", "a")), ValueList<string>.Empty, null, T0);
        var p = TransitionProgress.Start(plan).Dispatched([1], T0).Expire(T0.AddSeconds(21)).NodeLost("node1").Completed("t3", 1, true);
        Assert.Equal(ActionState.TimedOut, p.States[1]);
        Assert.True(p.HasFailed);
    }

    [Fact]
    public void Independent_actions_go_out_together()
    {
        var plan = new TransitionPlanned("t2", 1, "test", ValueList.Of(
            Act(1, ActionKind.Start, "node1", "a"), Act(2, ActionKind.Start, "node2", "b"), Act(3, ActionKind.Monitor, "node1", "a", 1)),
            ValueList<string>.Empty, null, T0);
        Assert.Equal([1, 2], TransitionProgress.Start(plan).Ready().Select(a => a.ActionId));
    }
}

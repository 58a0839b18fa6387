using Cib.Domain.Configuration;
using Cib.Domain.Controller;
using Cib.Domain.Transitions;
using Xunit;

namespace Cib.Domain.Tests.Controller;

/// <summary>
/// Nothing is appended when a time-bound location constraint ends, so time itself calls for a plan: a leading
/// controller plans again at the first tick at or after the next end (as of its last plan), and says when that is
/// (<see cref="ControllerDecider.NextWake"/>) so that its shell ticks then.
/// </summary>
public sealed class TimeBoundConstraintDecisionTests : ControllerDeciderSpec
{
    private static readonly DateTimeOffset End1 = T0.AddHours(1);
    private static readonly DateTimeOffset End2 = T0.AddHours(2);

    private static readonly ClusterConfiguration Config = Parse($"""
        node node1
        node node2
        primitive d1 ocf:heartbeat:Dummy
        primitive d2 ocf:heartbeat:Dummy
        location cli-prefer-d1 d1 rule inf: #uname eq node2 and date lt "{End1:yyyy-MM-dd'T'HH:mm:ss'Z'}"
        location cli-ban-d2-on-node1 d2 rule -inf: #uname eq node1 and date lt "{End2:yyyy-MM-dd'T'HH:mm:ss'Z'}"
        location forever d2 10: node2
        property stonith-enabled=false
        """);

    /// <summary>Elected at T0 and planned once then, with nothing to do.</summary>
    private static ControllerState Leading(ClusterConfiguration configuration)
    {
        var elected = Elect(Given(configuration, ControllerRules.Default), "node1", T0).State;
        var planned = Tick(elected, T0, Nothing);
        ThenNothing(planned);
        return planned.State;
    }

    /// <summary>A planner that records the times it was asked to plan at.</summary>
    private static Planner Recording(List<DateTimeOffset> at, params PlannedAction[] actions) => (asOf, now) =>
    {
        at.Add(now);
        return Plans(actions)(asOf, now);
    };

    [Fact]
    public void The_controller_plans_again_when_the_next_constraint_ends()
    {
        var state = Leading(Config);
        Assert.Equal(End1, ControllerDecider.NextWake(state));

        ThenNothing(Tick(state, End1.AddMilliseconds(-1), NoPlan));
        var times = new List<DateTimeOffset>();
        var replanned = Tick(state, End1, Recording(times));
        Assert.Equal([End1], times);
        Assert.Equal(End2, ControllerDecider.NextWake(replanned.State));

        var late = Tick(replanned.State, End2.AddSeconds(3), Recording(times, Start(1, "d2", "node1")));
        Assert.Equal([End1, End2.AddSeconds(3)], times);
        Assert.IsType<TransitionPlanned>(late.Events[0]);
        Assert.Null(ControllerDecider.NextWake(late.State));
    }

    [Fact]
    public void Without_time_bound_constraints_time_alone_calls_for_nothing()
    {
        var state = Leading(Parse("node node1\nprimitive d1 ocf:heartbeat:Dummy\nlocation l d1 10: node1\nproperty stonith-enabled=false"));
        Assert.Null(ControllerDecider.NextWake(state));
        ThenNothing(Tick(state, T0.AddDays(365), NoPlan));
    }

    [Fact]
    public void An_end_already_past_at_the_plan_is_not_waited_for()
    {
        var elected = Elect(Given(Config, ControllerRules.Default), "node1", T0).State;
        var planned = Tick(elected, End1.AddMinutes(1), Nothing).State;
        Assert.Equal(End2, ControllerDecider.NextWake(planned));
    }

    [Fact]
    public void An_end_during_a_transition_does_not_abort_it_the_plan_follows_it()
    {
        var elected = Elect(Given(Config, ControllerRules.Default), "node1", T0).State;
        var started = Tick(elected, End1.AddSeconds(-2), Plans(Start(1, "d1", "node2")));
        var transition = Assert.IsType<TransitionPlanned>(started.Events[0]).TransitionId;
        Assert.Equal(End1, ControllerDecider.NextWake(started.State));

        // The end passes while d1's start is in flight: no abort, no plan.
        var during = Tick(started.State, End1, NoPlan);
        ThenNothing(during);
        Assert.Null(ControllerDecider.NextWake(during.State));

        // The start succeeds: the transition completes and the plan the end called for follows at once.
        var done = Feed(during.State, Ok("d1", "node2", "start", transition, 1));
        var times = new List<DateTimeOffset>();
        var after = Tick(done, End1.AddSeconds(1), Recording(times, Start(1, "d1", "node1")));
        Assert.IsType<TransitionCompleted>(after.Events[0]);
        Assert.IsType<TransitionPlanned>(after.Events[1]);
        Assert.Equal([End1.AddSeconds(1)], times);
    }

    [Fact]
    public void A_controller_that_does_not_lead_is_never_woken_by_time()
    {
        var follower = Given(Config, ControllerRules.Default);
        Assert.Null(ControllerDecider.NextWake(follower));
        ThenNothing(Tick(follower, End2.AddDays(1), NoPlan));
    }

    [Fact]
    public void A_new_election_forgets_the_wake_up_and_plans_afresh()
    {
        var state = Leading(Config);
        var reelected = Elect(state, "node1", T0.AddMinutes(1)).State;
        Assert.Null(ControllerDecider.NextWake(reelected));
        Assert.Equal(End1, ControllerDecider.NextWake(Tick(reelected, T0.AddMinutes(1), Nothing).State));
    }
}

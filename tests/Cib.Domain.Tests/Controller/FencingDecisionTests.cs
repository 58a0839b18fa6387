using Cib.Domain.Configuration;
using Cib.Domain.Controller;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Transitions;
using Xunit;

namespace Cib.Domain.Tests.Controller;

/// <summary>Which device fences, which node runs it, the backoff between attempts, and giving up.</summary>
public sealed class FencingDecisionTests : ControllerDeciderSpec
{
    private static readonly ClusterConfiguration Config = Parse("""
        node node1
        node node2
        node node3
        primitive a ocf:heartbeat:Dummy
        primitive fence stonith:external/libvirt params hostlist="node1 node2 node3" hypervisor_uri="qemu+ssh://h/system"
        property stonith-enabled=true
        """);

    private static readonly Planner FenceNode1ThenStart = Plans(Fence(1, "node1"), Start(2, "a", "node2", 1));

    private static ControllerState LostNode1(ControllerRules rules, params IStatusEvent[] more) =>
        Elect(Given(Config, rules, [Joined("node1"), Joined("node2"), Joined("node3"), .. more, Lost("node1", T0.AddSeconds(-1))])).State;

    private static ActionDispatched FenceDispatch(string transition, string executor, DateTimeOffset at) =>
        new(transition, 1, executor, ActionKind.Fence, null, "node1", "reboot", 0, 60_000, $"{transition}/1", at);

    [Fact]
    public void A_fence_goes_to_the_node_where_its_device_runs()
    {
        var state = LostNode1(ControllerRules.Default, Ok("fence", "node3", "start"));
        var decision = Tick(state, T0, FenceNode1ThenStart);
        Then(decision,
            FenceNode1ThenStart(5, T0),
            new FencingRequested("t5/1", "node1", "reboot", "node1 is unclean", "fence", "t5", 1, T0),
            FenceDispatch("t5", "node3", T0));
    }

    [Fact]
    public void Without_a_running_device_the_first_online_node_other_than_the_target_fences()
    {
        // The device ran on node3 once, but was stopped there since.
        var state = LostNode1(ControllerRules.Default, Ok("fence", "node3", "start"), Ok("fence", "node3", "stop"));
        Assert.Equal(FenceDispatch("t6", "node2", T0), Tick(state, T0, FenceNode1ThenStart).Events[2]);
    }

    [Fact]
    public void Without_a_device_for_the_target_the_request_fails_at_once()
    {
        var config = Parse("""
            node node1
            node node2
            primitive fence stonith:external/libvirt params hostlist="node2" hypervisor_uri="qemu+ssh://h/system"
            property stonith-enabled=true
            """);
        var state = Elect(Given(config, ControllerRules.Default, Joined("node1"), Joined("node2"), Lost("node1", T0))).State;
        var decision = Tick(state, T0, Plans(Fence(1, "node1")));
        Assert.Equal(new FencingRequested("t3/1", "node1", "reboot", "node1 is unclean", null, "t3", 1, T0), decision.Events[1]);
        Assert.Equal(new FencingFailed("t3/1", "node1", null, "no fence device can fence node1", 1, false, T0), decision.Events[2]);
        Assert.Equal(3, decision.Events.Count);
    }

    [Fact]
    public void The_wait_after_a_failed_fence_doubles_up_to_ten_seconds()
    {
        var rules = ControllerRules.Default with { MaxFenceAttempts = 10 };
        Assert.Equal([500, 1000, 2000, 4000, 8000, 10_000, 10_000], Enumerable.Range(1, 7).Select(n => rules.FenceBackoff(n).TotalMilliseconds));

        // Three attempts failed, the last at T0: the next goes out 2 s later, not before.
        var state = LostNode1(rules,
            new FencingFailed("t0/1", "node1", "fence", "timed out", 1, false, T0.AddSeconds(-10)),
            new FencingFailed("t1/1", "node1", "fence", "timed out", 2, false, T0.AddSeconds(-5)),
            new FencingFailed("t2/1", "node1", "fence", "timed out", 3, false, T0));
        var planned = Tick(state, T0.AddMilliseconds(1999), FenceNode1ThenStart);
        Assert.Single(planned.Events); // the plan; its fence waits
        ThenNothing(Tick(planned.State, T0.AddMilliseconds(1999.9), NoPlan));
        var retried = Tick(planned.State, T0.AddSeconds(2), NoPlan);
        Assert.Equal(4, Assert.IsType<FencingRequested>(retried.Events[0]).Attempt);
        Assert.IsType<ActionDispatched>(retried.Events[1]);
    }

    [Fact]
    public void After_the_last_attempt_fails_the_controller_gives_up_once_and_never_counts_it_as_success()
    {
        var rules = ControllerRules.Default with { MaxFenceAttempts = 2 };
        var state = LostNode1(rules,
            new FencingFailed("t0/1", "node1", "fence", "timed out", 1, false, T0.AddSeconds(-10)),
            new FencingFailed("t1/1", "node1", "fence", "timed out", 2, false, T0.AddSeconds(-5)));
        var decision = Tick(state, T0, FenceNode1ThenStart);
        var gaveUp = Assert.IsType<FencingFailed>(decision.Events[1]);
        Assert.Equal(("t6/1", "node1", 2, true), (gaveUp.RequestId, gaveUp.Target, gaveUp.Attempt, gaveUp.GaveUp));
        Assert.Contains("giving up after 2 failed attempts", gaveUp.Reason);
        Assert.Equal(2, decision.Events.Count); // no request, no dispatch, and the start after the fence stays back
        Assert.Empty(Tick(decision.State, T0.AddMinutes(5), NoPlan).Events);
        // A controller that takes over knows it from the log, and does not give up (or fence) again.
        var successor = Elect(Feed(state, gaveUp), "node2", T0.AddMinutes(1)).State;
        Assert.DoesNotContain(Tick(successor, T0.AddMinutes(2), FenceNode1ThenStart).Events, e => e is FencingFailed or FencingRequested);
    }

    [Fact]
    public void The_transitions_own_fence_releases_the_recovery_without_a_new_plan()
    {
        var state = Tick(LostNode1(ControllerRules.Default), T0, FenceNode1ThenStart).State;
        state = Feed(state, new NodeFenced("t4/1", "node1", "fence", "reboot", "node2", 900, T0.AddSeconds(1)));
        Then(Tick(state, T0.AddSeconds(1), NoPlan),
            new ActionDispatched("t4", 2, "node2", ActionKind.Start, "a", null, "start", 0, 20_000, null, T0.AddSeconds(1)));
    }
}

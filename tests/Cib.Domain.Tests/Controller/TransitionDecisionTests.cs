using Cib.Domain.Configuration;
using Cib.Domain.Controller;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Transitions;
using Xunit;

namespace Cib.Domain.Tests.Controller;

/// <summary>Plan when something changed, dispatch what is ready, complete, abort on news; a new controller closes what its predecessor left open.</summary>
public sealed class TransitionDecisionTests : ControllerDeciderSpec
{
    private static readonly ClusterConfiguration Config = Parse("""
        node node1
        node node2
        primitive a ocf:heartbeat:Dummy
        primitive b ocf:heartbeat:Dummy
        property stonith-enabled=false no-quorum-policy=ignore
        """);

    private static ControllerState Leading() =>
        Elect(Given(Config, ControllerRules.Default, Joined("node1"), Joined("node2"))).State;

    [Fact]
    public void A_new_controller_plans_and_dispatches_what_is_ready_in_one_step()
    {
        var plan = Plans(Start(1, "a", "node1"), Start(2, "b", "node2", 1));
        var decision = Tick(Leading(), T0, plan);
        Then(decision,
            plan(2, T0),
            new ActionDispatched("t2", 1, "node1", ActionKind.Start, "a", null, "start", 0, 20_000, null, T0));
    }

    [Fact]
    public void A_result_releases_the_next_action_and_the_last_one_completes_the_transition()
    {
        var plan = Plans(Start(1, "a", "node1"), Start(2, "b", "node2", 1));
        var state = Tick(Leading(), T0, plan).State;
        var next = Tick(Feed(state, Ok("a", "node1", "start", "t2", 1)), T0.AddSeconds(1), NoPlan);
        Then(next, new ActionDispatched("t2", 2, "node2", ActionKind.Start, "b", null, "start", 0, 20_000, null, T0.AddSeconds(1)));
        var done = Tick(Feed(next.State, Ok("b", "node2", "start", "t2", 2)), T0.AddSeconds(2), Nothing);
        Then(done, new TransitionCompleted("t2", 2, T0.AddSeconds(2)));
        ThenNothing(Tick(done.State, T0.AddSeconds(3), NoPlan));
    }

    [Fact]
    public void News_aborts_once_the_actions_in_flight_are_back_and_a_new_plan_follows()
    {
        var plan = Plans(Start(1, "a", "node1"), Start(2, "b", "node2", 1));
        var state = Tick(Leading(), T0, plan).State;
        // A recurring monitor of b fails on node2: news. Nothing new goes out while action 1 is in flight.
        state = Feed(state, Failed("b", "node2", "monitor", 10_000));
        ThenNothing(Tick(state, T0.AddSeconds(1), NoPlan));
        state = Feed(state, Ok("a", "node1", "start", "t2", 1));
        var aborted = Tick(state, T0.AddSeconds(2), Plans(Start(1, "b", "node1")));
        Assert.Equal(new TransitionAborted("t2", "b monitor failed on node2", 4, T0.AddSeconds(2)), aborted.Events[0]);
        Assert.Equal("t4", Assert.IsType<TransitionPlanned>(aborted.Events[1]).TransitionId);
        Assert.IsType<ActionDispatched>(aborted.Events[2]);
    }

    [Fact]
    public void A_probe_that_finds_the_resource_running_holds_back_what_waited_for_it_and_aborts_the_transition()
    {
        // Probes of a where its state is unknown, then its start on node1 after both (the policy engine's order): the probe
        // on node2 finds a already running there, which the plan did not count on.
        var plan = Plans(Probe(1, "a", "node1"), Probe(2, "a", "node2"), Start(3, "a", "node1", 1, 2));
        var state = Tick(Leading(), T0, plan).State;
        state = Feed(state, Probed("a", "node1", OcfRc.NotRunning, "t2", 1), Probed("a", "node2", OcfRc.Success, "t2", 2));
        var next = Tick(state, T0.AddSeconds(1), Plans(Monitor(1, "a", "node2")));
        Assert.DoesNotContain(next.Events, e => e is ActionDispatched { Kind: ActionKind.Start });
        Assert.Equal(new TransitionAborted("t2", "a probe on node2 found rc=0 (ok), not the expected not running", 4, T0.AddSeconds(1)), next.Events[0]);
        Assert.Equal("t4", Assert.IsType<TransitionPlanned>(next.Events[1]).TransitionId);
    }

    [Fact]
    public void A_probe_that_finds_the_resource_stopped_releases_what_waited_for_it()
    {
        var plan = Plans(Probe(1, "a", "node2"), Start(2, "a", "node1", 1));
        var state = Feed(Tick(Leading(), T0, plan).State, Probed("a", "node2", OcfRc.NotRunning, "t2", 1));
        Then(Tick(state, T0.AddSeconds(1), NoPlan), new ActionDispatched("t2", 2, "node1", ActionKind.Start, "a", null, "start", 0, 20_000, null, T0.AddSeconds(1)));
    }

    private static PlannedAction Probe(int id, string resource, string node) =>
        new(id, ActionKind.Probe, resource, node, "monitor", 0, 20_000, ValueList<int>.Empty, "state unknown on this node");

    private static PlannedAction Monitor(int id, string resource, string node) =>
        new(id, ActionKind.Monitor, resource, node, "monitor", 10_000, 20_000, ValueList<int>.Empty, "recurring monitor");

    private static Cib.Domain.Operations.ResourceOperationSucceeded Probed(string resource, string node, int rc, string transition, int action) =>
        new(resource, node, "monitor", 0, rc, new Cib.Domain.Operations.OperationOrigin(transition, action), 5, null, null, T0);

    [Fact]
    public void An_action_past_its_timeout_aborts_the_transition_and_says_which()
    {
        var state = Tick(Leading(), T0, Plans(Start(1, "a", "node1"))).State;
        ThenNothing(Tick(state, T0.AddSeconds(20), NoPlan));
        var decision = Tick(state, T0.AddSeconds(21), Nothing);
        Then(decision, new TransitionAborted("t2", "an action failed or timed out: a start on node1 timedout", 2, T0.AddSeconds(21)));
    }

    [Fact]
    public void A_transition_the_previous_controller_left_open_is_aborted_on_election()
    {
        var planned = new TransitionPlanned("t7", 7, "test", ValueList.Of(Start(1, "a", "node1")), ValueList<string>.Empty, null, T0.AddMinutes(-1));
        var state = Given(Config, ControllerRules.Default, Joined("node1"), Joined("node2"), planned);
        Then(Elect(state, "node2", T0), new TransitionAborted("t7", "controller changed", 3, T0));
        ThenNothing(Elect(Feed(state, new TransitionCompleted("t7", 1, T0.AddSeconds(-5))), "node2", T0));
    }

    [Fact]
    public void A_controller_that_does_not_lead_decides_nothing() =>
        ThenNothing(Tick(Given(Config, ControllerRules.Default, Joined("node1")), T0, NoPlan));

    [Fact]
    public void A_plan_with_nothing_to_do_is_not_recorded_and_nothing_is_planned_again_until_something_changes()
    {
        var state = Tick(Leading(), T0, Nothing);
        ThenNothing(state);
        ThenNothing(Tick(state.State, T0.AddSeconds(1), NoPlan));
        var changed = Tick(Feed(state.State, new NodeLeft("node2", "shutdown", T0.AddSeconds(2))), T0.AddSeconds(2), Plans(Start(1, "a", "node1")));
        Assert.IsType<TransitionPlanned>(changed.Events[0]);
    }

    [Fact]
    public void A_plan_names_the_first_news_since_the_last_plan_as_its_cause_and_what_follows_names_the_plan()
    {
        var state = Tick(Leading(), T0, Nothing).State;
        state = ControllerDecider.Decide(state, new ControllerInput.Logged(new NodeLeft("node2", "shutdown", T0), 3, "left-id")).State;
        state = ControllerDecider.Decide(state, new ControllerInput.Logged(Failed("b", "node1", "monitor", 10_000), 4, "monitor-id")).State;
        var decision = Tick(state, T0.AddSeconds(1), Plans(Start(1, "a", "node1")));
        Assert.Equal([new Cause("left-id", null), new Cause(null, "t4")], decision.Decisions.Select(d => d.Cause));
    }

    [Fact]
    public void The_first_plan_of_a_new_controller_names_its_election_unless_news_came_first()
    {
        var elected = ControllerDecider.Decide(Given(Config, ControllerRules.Default, Joined("node1"), Joined("node2")),
            new ControllerInput.Elected("node1", T0, "elected-id")).State;
        Assert.Equal(new Cause("elected-id", null), Tick(elected, T0, Plans(Start(1, "a", "node1"))).Decisions[0].Cause);
        var left = ControllerDecider.Decide(elected, new ControllerInput.Logged(new NodeLeft("node2", "shutdown", T0), 3, "left-id")).State;
        Assert.Equal(new Cause("left-id", null), Tick(left, T0, Plans(Start(1, "a", "node1"))).Decisions[0].Cause);
    }

    [Fact]
    public void The_abort_reason_does_not_depend_on_whether_the_controller_looked_at_the_clock_before_the_news()
    {
        var plan = Plans(Start(1, "a", "node1"), Start(2, "b", "node2") with { TimeoutMs = 60_000 });
        var state = Tick(Leading(), T0, plan).State;
        var news = Failed("b", "node1", "monitor", 10_000);
        // Looked at 21 s (action 1 expired, action 2 still out), then the news: the same as never having looked.
        var looked = Feed(Tick(state, T0.AddSeconds(21) - TimeSpan.FromMilliseconds(500), NoPlan).State, news);
        var notLooked = Feed(state, news);
        var at = T0.AddSeconds(30);
        var a = Tick(Feed(looked, Ok("b", "node2", "start", "t2", 2)), at, Nothing);
        var b = Tick(Feed(notLooked, Ok("b", "node2", "start", "t2", 2)), at, Nothing);
        Assert.Equal(b.Events, a.Events);
        Assert.Equal("b monitor failed on node1", Assert.IsType<TransitionAborted>(a.Events[0]).Reason);
    }
}

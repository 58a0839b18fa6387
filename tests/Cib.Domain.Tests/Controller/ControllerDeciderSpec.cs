using Cib.Domain.Configuration;
using Cib.Interop.Crm;
using Cib.Domain.Controller;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Transitions;
using Xunit;

namespace Cib.Domain.Tests.Controller;

/// <summary>
/// Given (a configuration and the log so far) / When (an election, a tick at a time, more of the log) / Then (the events the
/// controller decider returns) for <see cref="ControllerDecider"/>. No store, no clock: time is what the ticks carry.
/// </summary>
public abstract class ControllerDeciderSpec
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 30, 6, 0, 0, TimeSpan.Zero);

    protected static ClusterConfiguration Parse(string crm) => CrmParser.Parse(crm).Parsed!.Configuration;

    /// <summary>A decider that has folded <paramref name="history"/> (sequence numbers 1, 2, ...) with this configuration.</summary>
    protected static ControllerState Given(ClusterConfiguration configuration, ControllerRules rules, params IStatusEvent[] history) =>
        Feed(ControllerState.Initial(rules) with { Configuration = configuration }, history);

    /// <summary>More of the log, numbered after what the state has folded.</summary>
    protected static ControllerState Feed(ControllerState state, params IStatusEvent[] events) =>
        events.Aggregate(state, (s, e) => ControllerDecider.Decide(s, new ControllerInput.Logged(e, s.Position + 1)).State);

    protected static ControllerDecision Elect(ControllerState state, string self = "node1", DateTimeOffset? at = null) =>
        ControllerDecider.Decide(state, new ControllerInput.Elected(self, at ?? T0));

    protected static ControllerDecision Tick(ControllerState state, DateTimeOffset now, Planner plan, IReadOnlyList<LeaseObservation>? leases = null) =>
        ControllerDecider.Decide(state, new ControllerInput.Tick(now, leases, plan));

    /// <summary>A planner that always plans these actions (as the policy engine would for the state given).</summary>
    protected static Planner Plans(params PlannedAction[] actions) =>
        (asOf, now) => new TransitionPlanned($"t{asOf}", asOf, "test", ValueList.Of(actions), ValueList<string>.Empty, null, now);

    /// <summary>A planner for a state that needs nothing.</summary>
    protected static readonly Planner Nothing = (asOf, now) => new TransitionPlanned($"t{asOf}", asOf, "test", ValueList<PlannedAction>.Empty,
        ValueList<string>.Empty, null, now);

    /// <summary>A planner the test says must not be called.</summary>
    protected static readonly Planner NoPlan = (_, _) => throw new Xunit.Sdk.XunitException("the decider planned");

    protected static PlannedAction Start(int id, string resource, string node, params int[] after) =>
        new(id, ActionKind.Start, resource, node, "start", 0, 20_000, ValueList.Of(after), "recover");

    protected static PlannedAction Fence(int id, string node) =>
        new(id, ActionKind.Fence, null, node, "reboot", 0, 60_000, ValueList<int>.Empty, $"{node} is unclean");

    protected static NodeJoined Joined(string node, string incarnation = "i1") => new(node, incarnation, "first lease", T0.AddMinutes(-10));

    protected static NodeLost Lost(string node, DateTimeOffset at) => new(node, "lease not renewed", at.AddSeconds(-1), at);

    protected static ResourceOperationSucceeded Ok(string resource, string node, string op, string? transition = null, int? action = null) =>
        new(resource, node, op, 0, OcfRc.Success, new OperationOrigin(transition, action), 5, null, null, T0);

    protected static ResourceOperationFailed Failed(string resource, string node, string op, long interval, string? transition = null, int? action = null) =>
        new(resource, node, op, interval, OcfRc.NotRunning, OperationStatus.Error, new OperationOrigin(transition, action), 5, null, "not running", T0);

    protected static void Then(ControllerDecision decision, params IStatusEvent[] expected) => Assert.Equal(expected, decision.Events);

    protected static void ThenNothing(ControllerDecision decision) => Assert.Empty(decision.Events);
}

using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Transitions;

namespace Cib.Domain.Controller;

/// <summary>
/// The controller's rules (Pacemaker's DC) as a pure decider: <c>(state, input) → (state, events)</c>. Fed the log in
/// order, it folds configuration, membership and what runs where, and notes news that calls for a new plan; elected,
/// it closes the transition its predecessor left open; on each tick (the store's time) it finishes or aborts the
/// current transition, asks for a plan when something relevant changed (unless the startup wait or, without fencing,
/// a lost node's stops hold it back), and dispatches the actions that are ready, fence first: device and executor,
/// retry backoff, give-up. The process around it (<c>ClusterController</c>) only feeds it and appends what it returns,
/// so that replay re-derives every decision from the log (docs/control-loop.md).
/// </summary>
public static class ControllerDecider
{
    public static ControllerDecision Decide(ControllerState state, ControllerInput input) => input switch
    {
        ControllerInput.Logged logged => new(Evolve(state, logged.Event, logged.Sequence, logged.EventId), []),
        ControllerInput.Elected elected => Elect(state, elected),
        ControllerInput.Tick tick => Drive(state, tick),
        _ => throw new ArgumentOutOfRangeException(nameof(input), input, "unknown controller input"),
    };

    /// <summary>Folds one event of the log, then judges it: a result advances the transition, news calls for a new plan.</summary>
    public static ControllerState Evolve(ControllerState state, ICibEvent e, long sequence, string? eventId = null)
    {
        var s = state with { Position = sequence };
        var before = s;
        s = Judge(s, e, sequence);
        if (eventId is null) return s;
        // The first news since the last plan is what the next plan follows from (news outranks an election or a finished
        // transition); the first news since the transition began is what aborts it.
        var news = IsNews(before, s, e);
        return s with
        {
            PlanCause = news && !s.PlanCauseIsNews ? new Cause(eventId, null) : s.PlanCause,
            PlanCauseIsNews = s.PlanCauseIsNews || news,
            AbortCause = before.AbortReason is null && s.AbortReason is not null ? eventId : s.AbortCause,
        };
    }

    /// <summary>Whether <see cref="Judge"/> counted the event as news (it calls for a new plan), as opposed to a result of the transition.</summary>
    private static bool IsNews(ControllerState before, ControllerState after, ICibEvent e) => e switch
    {
        IConfigurationEvent or NodeLost or NodeJoined or NodeLeft or FailCountCleared or ResourceHistoryCleared or NodeTerminationRequested => true,
        ResourceOperationSucceeded ok => ok.Origin.TransitionId is null,
        ResourceOperationFailed bad => !(before.Progress is { } p && bad.Origin.TransitionId == p.TransitionId && bad.Origin.ActionId is not null),
        NodeFenced => ReferenceEquals(before.Progress, after.Progress) || before.Progress is null,
        _ => false,
    };

    private static ControllerState Judge(ControllerState s, ICibEvent e, long sequence)
    {
        switch (e)
        {
            case IConfigurationEvent c:
                s = s with { Configuration = ConfigurationDecider.Evolve(s.Configuration, c) };
                return Changed(s, "the configuration changed");
            case IStatusEvent status:
                s = s with
                {
                    Membership = MembershipDecider.Evolve(s.Membership, status),
                    Activity = s.Activity.Apply(status, sequence),
                    OpenTransition = status switch
                    {
                        TransitionPlanned t => t.Actions.Count > 0 ? t.TransitionId : null,
                        TransitionCompleted t when t.TransitionId == s.OpenTransition => null,
                        TransitionAborted t when t.TransitionId == s.OpenTransition => null,
                        _ => s.OpenTransition,
                    },
                };
                return Observe(s, status);
            default:
                return s;
        }
    }

    private static ControllerState Observe(ControllerState s, IStatusEvent e)
    {
        switch (e)
        {
            case ResourceOperationSucceeded ok when s.Progress is { } p && ok.Origin.TransitionId == p.TransitionId && ok.Origin.ActionId is { } id:
            {
                var completed = s with { Progress = p.Completed(ok.Origin.TransitionId, id, true) };
                // A probe is planned where the resource's state is unknown, and the plan counts on "not running" there
                // (Pacemaker's expected rc 7 for a probe). One that finds it running is news the plan did not count on:
                // nothing that waited for the probe goes out (a start elsewhere would make it active twice), the
                // transition aborts once what is in flight is back, and the next plan knows where it runs.
                return p.Actions.TryGetValue(id, out var planned) && planned.Kind == ActionKind.Probe && ok.Rc != OcfRc.NotRunning
                    ? Changed(completed, $"{ok.Resource} probe on {ok.Node} found rc={ok.Rc} ({OcfRc.Describe(ok.Rc)}), not the expected not running")
                    : completed;
            }
            case ResourceOperationFailed bad when s.Progress is { } p && bad.Origin.TransitionId == p.TransitionId && bad.Origin.ActionId is { } id:
                return s with { Progress = p.Completed(bad.Origin.TransitionId, id, false) };
            case ResourceOperationSucceeded { Origin.TransitionId: null } ok:
                // A recurring monitor's recovery, or a probe at join: a new fact about where things run.
                return Changed(s, $"{ok.Resource} {ok.Operation} rc={ok.Rc} on {ok.Node}");
            case ResourceOperationFailed bad:
                return Changed(s, $"{bad.Resource} {bad.Operation} failed on {bad.Node}");
            case NodeFenced f:
            {
                s = s with { FenceFailures = s.FenceFailures.Remove(f.Target), GaveUp = s.GaveUp.Remove(f.Target) };
                // The fence this transition asked for: the plan already holds what follows it (the recovery, ordered
                // after the fence), so the transition goes on, as Pacemaker's does: no abort, no waiting for its other
                // actions in flight, no new plan. A fence of any other origin is news.
                var (completed, done) = CompleteFence(s, f.RequestId, true);
                return done ? completed : Changed(s, $"{f.Target} was fenced");
            }
            case FencingFailed { GaveUp: true } f:
                return s with { GaveUp = s.GaveUp.Add(f.Target) };
            case FencingFailed f:
            {
                var previous = s.FenceFailures.GetValueOrDefault(f.Target);
                s = s with { FenceFailures = s.FenceFailures.SetItem(f.Target, new FenceFailures(Math.Max(previous?.Attempts ?? 0, f.Attempt), f.At)) };
                return CompleteFence(s, f.RequestId, false).State;
            }
            case NodeLost lost:
                // What the node may still run, and the starts it may still be running (expired or not: a start past its
                // timeout at the controller may still run there), as of its loss: the bound on its own stops.
                s = s with
                {
                    RecoverNotBefore = s.RecoverNotBefore.SetItem(lost.Node, lost.At + NoFencingRecovery.Wait(lost.Node, s.Configuration, s.Activity,
                        s.Progress?.Outstanding ?? [], s.Rules.LeaseTimeout.ToTimeSpan(), s.Rules.StoreOutageBound, s.Rules.NoFencingMargin)),
                    Progress = s.Progress?.NodeLost(lost.Node),
                };
                return Changed(s, $"{lost.Node} was lost");
            case NodeJoined j:
                return Changed(s, $"membership changed (NodeJoined {j.Node})");
            case NodeLeft l:
                return Changed(s, $"membership changed (NodeLeft {l.Node})");
            case FailCountCleared c:
                return Changed(s, $"failures of {c.Resource} cleared");
            case NodeTerminationRequested t:
                return Changed(s, $"{t.RequestedBy.Name} asked for {t.Target} to be fenced");
            case ResourceHistoryCleared h:
                return Changed(s, $"history of {h.Resource}{(h.Node is null ? "" : " on " + h.Node)} cleared");
            default:
                return s;
        }
    }

    /// <summary>Completes the current transition's fence action this request belongs to; false when it belongs to none.</summary>
    private static (ControllerState State, bool Done) CompleteFence(ControllerState s, string requestId, bool succeeded)
    {
        if (s.Progress is not { } p) return (s, false);
        var slash = requestId.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(requestId[(slash + 1)..], out var id)) return (s, false);
        var after = p.Completed(requestId[..slash], id, succeeded);
        return ReferenceEquals(after, p) ? (s, false) : (s with { Progress = after }, true);
    }

    /// <summary>
    /// News: plan again, and abort the transition unless it is over by its results (all succeeded, or one failed or was
    /// lost: the abort then names those). An expiry does not count here: whether the controller had looked at the clock
    /// before the news came must not change the reason it records (replay does not see those looks).
    /// </summary>
    private static ControllerState Changed(ControllerState s, string why) =>
        s with { Dirty = true, AbortReason = s.Progress is { } p && !p.IsSucceeded && !p.States.Values.Any(x => x is ActionState.Failed or ActionState.TimedOut)
            ? s.AbortReason ?? why
            : s.AbortReason };

    /// <summary>
    /// A new term: a transition left open by the previous controller is over (its actions may or may not have run, and
    /// the log says what did), and planning starts afresh once the startup wait is over.
    /// </summary>
    private static ControllerDecision Elect(ControllerState state, ControllerInput.Elected elected)
    {
        var s = state with
        {
            Leader = new Leadership(elected.Self, elected.At, state.Membership, false),
            Progress = null,
            AbortReason = null,
            AbortCause = null,
            Dirty = true,
            PlanCause = new Cause(elected.EventId, null),
            PlanCauseIsNews = false,
            ReplanAt = null,
        };
        return s.OpenTransition is { } open
            ? new(s, [new Decided(new TransitionAborted(open, "controller changed", s.Position, elected.At), new Cause(elected.EventId, open))])
            : new(s, []);
    }

    /// <summary>Finish, abort, plan and dispatch: one step of the transition engine.</summary>
    private static ControllerDecision Drive(ControllerState state, ControllerInput.Tick tick)
    {
        if (state.Leader is not { } leader) return new(state, []);
        var now = tick.Now;
        var s = state;
        if (!leader.StartupSettled)
        {
            var settled = tick.Leases is null || MembershipDecider.StartupSettled(leader.Self, s.Configuration.Nodes.Keys.ToList(),
                leader.MembershipAtElection, s.Membership, tick.Leases, s.Rules.LeaseTimeout, leader.ElectedAt, s.Rules.StartupGrace, now);
            if (!settled) return new(s, []);
            s = s with { Leader = leader with { StartupSettled = true } };
        }
        // A time-bound constraint stopped applying since the last plan: nothing is appended when its time runs out, so
        // the time itself calls for a new plan (Pacemaker re-runs its scheduler when a rule's date changes). Not news: the
        // transition in progress goes on, and the plan waits for it like any other.
        if (s.ReplanAt is { } replanAt && now >= replanAt) s = s with { Dirty = true, ReplanAt = null };

        var events = new List<Decided>();
        if (s.Progress is { } p)
        {
            p = p.Expire(now);
            s = s with { Progress = p };
            if (p.IsSucceeded)
            {
                events.Add(new Decided(new TransitionCompleted(p.TransitionId, p.SucceededCount, now), new Cause(null, p.TransitionId)));
                s = s with { Progress = null, Dirty = true, PlanCause = s.PlanCauseIsNews ? s.PlanCause : new Cause(null, p.TransitionId) };
            }
            else if ((p.HasFailed || s.AbortReason is not null) && !p.InFlight.Any())
            {
                var reason = s.AbortReason ?? "an action failed or timed out: " + string.Join(", ",
                    p.States.Where(x => x.Value is ActionState.Failed or ActionState.TimedOut or ActionState.Expired)
                        .Select(x => $"{Describe(p.Actions[x.Key])} {(x.Value == ActionState.Failed ? "failed" : "timedout")}"));
                events.Add(new Decided(new TransitionAborted(p.TransitionId, reason, s.Position, now), new Cause(s.AbortReason is null ? null : s.AbortCause, p.TransitionId)));
                s = s with { Progress = null, AbortReason = null, AbortCause = null, Dirty = true, PlanCause = s.PlanCauseIsNews ? s.PlanCause : new Cause(null, p.TransitionId) };
            }
        }

        if (s.Progress is null && s.Dirty && !Deferred(s, now))
        {
            var cause = s.PlanCause ?? new Cause(null, null);
            s = s with { Dirty = false, PlanCause = null, PlanCauseIsNews = false,
                ReplanAt = LocationConstraint.NextChange(s.Configuration.Constraints.Values, now) };
            var planned = tick.Plan(s.Position, now);
            if (planned.Actions.Any(a => a.Kind != ActionKind.Pseudo))
            {
                events.Add(new Decided(planned, cause));
                s = s with { Progress = TransitionProgress.Start(planned) };
            }
        }

        if (s.Progress is { HasFailed: false } current && s.AbortReason is null)
        {
            var sent = new List<int>();
            foreach (var action in current.Ready())
            {
                if (action.Kind == ActionKind.Pseudo) continue;
                if (action.Kind != ActionKind.Fence)
                {
                    events.Add(new Decided(new ActionDispatched(current.TransitionId, action.ActionId, action.Node, action.Kind, action.Resource, null,
                        action.Operation, action.IntervalMs, action.TimeoutMs, null, now), new Cause(null, current.TransitionId)));
                    sent.Add(action.ActionId);
                    continue;
                }
                var (next, fenceEvents, dispatched) = Fence(s, current.TransitionId, action, now);
                s = next;
                events.AddRange(fenceEvents.Select(e => new Decided(e, new Cause(null, current.TransitionId))));
                if (dispatched) sent.Add(action.ActionId);
            }
            if (sent.Count > 0) s = s with { Progress = current.Dispatched(sent, now) };
        }
        return new(s, events);
    }

    /// <summary>
    /// When the shell should tick again at the latest, whatever else happens: the instant a time-bound constraint stops
    /// applying (<see cref="ControllerState.ReplanAt"/>) while this controller leads; null when time alone calls for nothing.
    /// </summary>
    public static DateTimeOffset? NextWake(ControllerState state) => state.Leader is null ? null : state.ReplanAt;

    /// <summary>
    /// Recovering a lost node's resources without fencing is held back until that node's own runtime has surely stopped
    /// them (no-quorum-policy; <see cref="NoFencingRecovery"/>).
    /// </summary>
    private static bool Deferred(ControllerState s, DateTimeOffset now) =>
        !s.Configuration.Options.IsStonithEnabled
        && s.Membership.Nodes.Any(n => n.Value is NodeMembership.Unclean && s.RecoverNotBefore.TryGetValue(n.Key, out var notBefore) && now < notBefore);

    /// <summary>
    /// One fence action: give up after <see cref="ControllerRules.MaxFenceAttempts"/> failures, wait out the backoff after a
    /// failure, else request it with a device that can fence the target and dispatch it to an executor (the node where the
    /// device runs, else the first online node other than the target), or fail it at once when there is neither.
    /// </summary>
    private static (ControllerState State, IReadOnlyList<IStatusEvent> Events, bool Dispatched) Fence(ControllerState s, string transitionId,
        PlannedAction action, DateTimeOffset now)
    {
        var target = action.Node;
        var requestId = $"{transitionId}/{action.ActionId}";
        if (s.GaveUp.Contains(target)) return (s, [], false);
        var failed = s.FenceFailures.GetValueOrDefault(target);
        if (failed is not null)
        {
            if (failed.Attempts >= s.Rules.MaxFenceAttempts)
            {
                return (s with { GaveUp = s.GaveUp.Add(target) }, [new FencingFailed(requestId, target, null,
                    $"giving up after {failed.Attempts} failed attempts: {target} stays unclean and nothing it ran is recovered; fix the fence device and clean up",
                    failed.Attempts, true, now)], false);
            }
            if (now - failed.LastFailure < s.Rules.FenceBackoff(failed.Attempts)) return (s, [], false);
        }

        var attempt = (failed?.Attempts ?? 0) + 1;
        var device = FenceDeviceFor(s.Configuration, target);
        var executor = FenceExecutor(s, target, device);
        var requested = new FencingRequested(requestId, target, action.Operation, action.Reason, device?.Id, transitionId, attempt, now);
        if (device is null || executor is null)
        {
            var reason = device is null ? $"no fence device can fence {target}" : $"no online node other than {target} can run fence device {device.Id}";
            return (s, [requested, new FencingFailed(requestId, target, device?.Id, reason, attempt, false, now)], true);
        }
        return (s, [requested, new ActionDispatched(transitionId, action.ActionId, executor, ActionKind.Fence, null, target, action.Operation, 0,
            action.TimeoutMs, requestId, now)], true);
    }

    /// <summary>The first configured fence device (configuration order) whose host list names the target.</summary>
    public static FenceDevice? FenceDeviceFor(ClusterConfiguration configuration, string target) =>
        FenceDevice.All(configuration).FirstOrDefault(d => d.CanFence(target));

    /// <summary>
    /// Who runs the fence: the online node (not the target) where the device is started, since its connection to the device
    /// is warm; else the first online node other than the target (ordinal order); null when there is none.
    /// </summary>
    public static string? FenceExecutor(ControllerState s, string target, FenceDevice? device)
    {
        var candidates = s.Membership.OnlineNodes.Where(n => n != target).Order(StringComparer.Ordinal).ToList();
        return candidates.FirstOrDefault(n => device is not null && s.Activity.RunsOn(device.Id, n)) ?? candidates.FirstOrDefault();
    }

    private static string Describe(PlannedAction a) =>
        a.Resource is null ? $"{a.Operation} {a.Node}" : $"{a.Resource} {a.Operation}{(a.IntervalMs > 0 ? $"/{a.IntervalMs}ms" : "")} on {a.Node}";
}

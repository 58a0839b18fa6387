using System.Collections.Immutable;

namespace Cib.Domain.Transitions;

/// <summary>
/// Where an action stands. <see cref="Expired"/>: its timeout passed with no result yet (a result that still comes counts,
/// so that the state depends only on the log and the time it is looked at, not on when the controller happened to look);
/// <see cref="TimedOut"/>: it will never report (its node was lost).
/// </summary>
public enum ActionState { Waiting, Dispatched, Succeeded, Failed, TimedOut, Expired }

/// <summary>
/// How far a transition has come: which actions are done, which are out at a node, which may go next
/// (all their dependencies succeeded). Pure: times come in as arguments. A failed or timed-out action
/// ends the transition (the controller aborts it and plans again from the new state).
/// </summary>
public sealed record TransitionProgress(
    string TransitionId,
    ImmutableSortedDictionary<int, PlannedAction> Actions,
    ImmutableSortedDictionary<int, ActionState> States,
    ImmutableSortedDictionary<int, DateTimeOffset> DispatchedAt)
{
    public static TransitionProgress Start(TransitionPlanned plan) => new(
        plan.TransitionId,
        plan.Actions.ToImmutableSortedDictionary(a => a.ActionId, a => a),
        plan.Actions.ToImmutableSortedDictionary(a => a.ActionId, a => a.Kind == ActionKind.Pseudo ? ActionState.Succeeded : ActionState.Waiting),
        ImmutableSortedDictionary<int, DateTimeOffset>.Empty);

    /// <summary>Actions whose dependencies have all succeeded and that have not been sent yet, in action id order.</summary>
    public IReadOnlyList<PlannedAction> Ready() =>
        IsFinished ? [] :
        Actions.Values.Where(a => States[a.ActionId] == ActionState.Waiting
                                  && a.DependsOn.All(d => States.GetValueOrDefault(d, ActionState.Succeeded) == ActionState.Succeeded))
            .ToList();

    public TransitionProgress Dispatched(IEnumerable<int> actionIds, DateTimeOffset at)
    {
        var states = States;
        var times = DispatchedAt;
        foreach (var id in actionIds.Where(i => States.GetValueOrDefault(i) == ActionState.Waiting))
        {
            states = states.SetItem(id, ActionState.Dispatched);
            times = times.SetItem(id, at);
        }
        return this with { States = states, DispatchedAt = times };
    }

    /// <summary>A result for one of this transition's actions; results for other transitions or repeated results change nothing.</summary>
    public TransitionProgress Completed(string transitionId, int actionId, bool succeeded) =>
        transitionId != TransitionId || !States.TryGetValue(actionId, out var state) || state is not (ActionState.Dispatched or ActionState.Waiting or ActionState.Expired)
            ? this
            : this with { States = States.SetItem(actionId, succeeded ? ActionState.Succeeded : ActionState.Failed) };

    /// <summary>
    /// A node was lost: what was out at it will never report back, and nothing more goes to it.
    /// Its actions count as timed out (Pacemaker's "lost" actions), so the transition ends and a new plan follows.
    /// </summary>
    public TransitionProgress NodeLost(string node)
    {
        var states = States;
        foreach (var a in Actions.Values.Where(a => a.Node == node && a.Kind != ActionKind.Fence && States[a.ActionId] is ActionState.Dispatched or ActionState.Waiting or ActionState.Expired))
            states = states.SetItem(a.ActionId, ActionState.TimedOut);
        return this with { States = states };
    }

    /// <summary>
    /// Marks dispatched actions whose timeout passed as <see cref="ActionState.Expired"/>; the controller then aborts once
    /// nothing else is in flight. A result that arrives before that still counts (<see cref="Completed"/>).
    /// </summary>
    public TransitionProgress Expire(DateTimeOffset now)
    {
        var states = States;
        foreach (var (id, at) in DispatchedAt)
            if (States[id] == ActionState.Dispatched && now - at > TimeSpan.FromMilliseconds(Actions[id].TimeoutMs))
                states = states.SetItem(id, ActionState.Expired);
        return this with { States = states };
    }

    public bool IsSucceeded => States.Values.All(s => s == ActionState.Succeeded);
    public bool HasFailed => States.Values.Any(s => s is ActionState.Failed or ActionState.TimedOut or ActionState.Expired);
    public bool IsFinished => IsSucceeded || HasFailed;
    public int SucceededCount => States.Values.Count(s => s == ActionState.Succeeded);

    /// <summary>Actions out at nodes right now (for "wait before replanning" and status).</summary>
    public IEnumerable<PlannedAction> InFlight => Actions.Values.Where(a => States[a.ActionId] == ActionState.Dispatched);

    /// <summary>Actions sent whose result has not come, expired or not: they may still be running at their node.</summary>
    public IEnumerable<PlannedAction> Outstanding => Actions.Values.Where(a => States[a.ActionId] is ActionState.Dispatched or ActionState.Expired);
}

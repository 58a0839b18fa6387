using System.Collections.Immutable;
using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Controller;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Transitions;

namespace Cib.Projections.ReadModels.ClusterStatus;

/// <summary>
/// The stored cluster status (<see cref="StoredStatus"/>): the status read model (what <c>crm_mon</c> shows) and the
/// controller's fold of the log, both as of <see cref="Position"/>, in plain JSON-friendly shapes (lists, no tuple keys, no
/// polymorphism). A controller taking over restores both from here and folds only the log after
/// <see cref="Position"/>; the restored state equals the fold from sequence 0 (tests fold both ways and compare their
/// snapshots). The configuration is not held here: it is its own short stream, folded up to <see cref="Position"/> on restore.
/// </summary>
public sealed record StatusSnapshot(
    int Version,
    long Position,
    StatusSnapshot.StatusPart Status,
    StatusSnapshot.ControllerPart Controller,
    StatusSnapshot.PlanRef? LastPlan)
{
    /// <summary>The shape's version: a stored snapshot of another version is ignored (the controller then folds from 0 and writes a new one).</summary>
    public const int CurrentVersion = 1;

    /// <summary>One node's membership: <c>online</c>, <c>offline</c>, <c>unclean</c> or <c>fenced</c>, with what that state holds.</summary>
    public sealed record NodePart(string Node, string State, string? Incarnation, DateTimeOffset? Since, string? Reason, string? Device);

    public sealed record OperationPart(string Resource, string Node, OperationRecord Record);

    public sealed record FailurePart(string Resource, string Node, FailureRecord Failure);

    public sealed record StatusPart(
        IReadOnlyList<NodePart> Membership,
        IReadOnlyList<OperationPart> Operations,
        IReadOnlyList<FailurePart> Failures,
        IReadOnlyList<FencingRecord> Fencing,
        string? CurrentTransition,
        bool TransitionOpen,
        string? Controller,
        long Sequence,
        IReadOnlyList<ActionDispatched> StartsDispatched,
        IReadOnlyList<string>? TerminationRequested = null);

    public sealed record ActivityPart(string Resource, string Node, OperationFact? Latest, OperationFact? LastStart, OperationFact? LastStop);

    public sealed record FenceFailurePart(string Node, FenceFailures Failures);

    public sealed record RecoverPart(string Node, DateTimeOffset NotBefore);

    /// <summary>The controller decider's fold of the log (a controller that does not lead: no transition of its own, no leadership).</summary>
    public sealed record ControllerPart(
        IReadOnlyList<NodePart> Membership,
        IReadOnlyList<ActivityPart> Activity,
        IReadOnlyList<ActionDispatched> StartsDispatched,
        string? OpenTransition,
        bool Dirty,
        Cause? PlanCause,
        bool PlanCauseIsNews,
        IReadOnlyList<FenceFailurePart> FenceFailures,
        IReadOnlyList<string> GaveUp,
        IReadOnlyList<RecoverPart> RecoverNotBefore);

    /// <summary>The latest plan in the log and its event id (what a new controller's decisions name as their cause).</summary>
    public sealed record PlanRef(string TransitionId, Guid EventId);

    /// <summary>
    /// The snapshot of a fold of the log: <paramref name="fold"/> must be the decider's state fed only logged events (it
    /// leads nothing), <paramref name="status"/> the status read model fed the same events (its
    /// <see cref="ClusterStatus.Sequence"/> is that of the last status event, at or before the fold's position).
    /// </summary>
    public static StatusSnapshot Capture(ControllerState fold, ClusterStatus status, PlanRef? lastPlan)
    {
        if (fold.Leader is not null || fold.Progress is not null || fold.AbortReason is not null || fold.AbortCause is not null)
            throw new ArgumentException("only the fold of the log is stored, not a leading controller's state", nameof(fold));
        return new StatusSnapshot(CurrentVersion, fold.Position,
            CaptureStatus(status),
            new ControllerPart(
                Nodes(fold.Membership),
                // The activity's order is a hash order, not a meaning: stored sorted, so that equal folds store equal text.
                [.. fold.Activity.Facts.OrderBy(f => f.Key.Resource, StringComparer.Ordinal).ThenBy(f => f.Key.Node, StringComparer.Ordinal)
                    .Select(f => new ActivityPart(f.Key.Resource, f.Key.Node, f.Value.Latest, f.Value.LastStart, f.Value.LastStop))],
                [.. fold.Activity.StartsDispatched.Values],
                fold.OpenTransition, fold.Dirty, fold.PlanCause, fold.PlanCauseIsNews,
                [.. fold.FenceFailures.Select(f => new FenceFailurePart(f.Key, f.Value))],
                [.. fold.GaveUp],
                [.. fold.RecoverNotBefore.Select(r => new RecoverPart(r.Key, r.Value))]),
            lastPlan);
    }

    /// <summary>The status read model in its stored shape (also what a replay snapshot holds, <c>ReplaySnapshot</c>).</summary>
    public static StatusPart CaptureStatus(ClusterStatus status) => new(
        Nodes(status.Membership),
        [.. status.Operations.SelectMany(o => o.Value.Values.Select(r => new OperationPart(o.Key.Resource, o.Key.Node, r)))],
        [.. status.Failures.Select(f => new FailurePart(f.Key.Resource, f.Key.Node, f.Value))],
        [.. status.Fencing.Values],
        status.CurrentTransition, status.TransitionOpen, status.Controller, status.Sequence,
        [.. status.StartsDispatched.Values],
        [.. status.TerminationRequested]);

    /// <summary>The status read model as stored.</summary>
    public ClusterStatus RestoreStatus() => RestoreStatus(Status);

    /// <summary>The status read model from its stored shape (<see cref="CaptureStatus"/>).</summary>
    public static ClusterStatus RestoreStatus(StatusPart status)
    {
        var s = ClusterStatus.Empty with
        {
            Membership = Membership(status.Membership),
            CurrentTransition = status.CurrentTransition,
            TransitionOpen = status.TransitionOpen,
            Controller = status.Controller,
            Sequence = status.Sequence,
        };
        var operations = s.Operations.ToBuilder();
        foreach (var group in status.Operations.GroupBy(o => (o.Resource, o.Node)))
        {
            var ops = ClusterStatus.EmptyOperations.ToBuilder();
            foreach (var o in group) ops[(o.Record.Operation, o.Record.IntervalMs)] = o.Record;
            operations[group.Key] = ops.ToImmutable();
        }
        var failures = s.Failures.ToBuilder();
        foreach (var f in status.Failures) failures[(f.Resource, f.Node)] = f.Failure;
        return s with
        {
            Operations = operations.ToImmutable(),
            Failures = failures.ToImmutable(),
            Fencing = s.Fencing.SetItems(status.Fencing.Select(f => KeyValuePair.Create(f.Target, f))),
            StartsDispatched = s.StartsDispatched.SetItems(status.StartsDispatched.Select(d => KeyValuePair.Create(StartKey(d), d))),
            // Absent in a snapshot stored before operators could ask for fencing: none asked.
            TerminationRequested = s.TerminationRequested.Union(status.TerminationRequested ?? []),
        };
    }

    /// <summary>
    /// The controller decider's fold as stored, under <paramref name="rules"/>, with <paramref name="configuration"/> (the
    /// configuration stream folded up to <see cref="Position"/>).
    /// </summary>
    public ControllerState RestoreController(ControllerRules rules, ClusterConfiguration configuration)
    {
        var initial = ControllerState.Initial(rules);
        var activity = new ResourceActivity(ResourceActivity.Empty.Facts.SetItems(
            Controller.Activity.Select(a => KeyValuePair.Create((a.Resource, a.Node), new ResourceActivity.OnNode(a.Latest, a.LastStart, a.LastStop)))))
        {
            StartsDispatched = ResourceActivity.Empty.StartsDispatched.SetItems(Controller.StartsDispatched.Select(d => KeyValuePair.Create(StartKey(d), d))),
        };
        return initial with
        {
            Position = Position,
            Configuration = configuration,
            Membership = Membership(Controller.Membership),
            Activity = activity,
            OpenTransition = Controller.OpenTransition,
            Dirty = Controller.Dirty,
            PlanCause = Controller.PlanCause,
            PlanCauseIsNews = Controller.PlanCauseIsNews,
            FenceFailures = initial.FenceFailures.SetItems(Controller.FenceFailures.Select(f => KeyValuePair.Create(f.Node, f.Failures))),
            GaveUp = initial.GaveUp.Union(Controller.GaveUp),
            RecoverNotBefore = initial.RecoverNotBefore.SetItems(Controller.RecoverNotBefore.Select(r => KeyValuePair.Create(r.Node, r.NotBefore))),
        };
    }

    private static string StartKey(ActionDispatched d) => $"{d.TransitionId}/{d.ActionId}";

    // Membership is kept in the order its nodes first appeared (a dictionary's order): stored as a list in that order.
    private static IReadOnlyList<NodePart> Nodes(MembershipState membership) =>
    [
        .. membership.Nodes.Select(n => n.Value switch
        {
            NodeMembership.Online o => new NodePart(n.Key, "online", o.Incarnation, o.Since, null, null),
            NodeMembership.Offline o => new NodePart(n.Key, "offline", o.Incarnation, o.Since, null, null),
            NodeMembership.Unclean u => new NodePart(n.Key, "unclean", u.Incarnation, u.LostAt, u.Reason, null),
            NodeMembership.Fenced f => new NodePart(n.Key, "fenced", f.Incarnation, f.At, null, f.Device),
            _ => throw new InvalidOperationException($"unknown membership {n.Value.GetType().Name}"),
        }),
    ];

    private static MembershipState Membership(IReadOnlyList<NodePart> nodes)
    {
        var map = new Dictionary<string, NodeMembership>(StringComparer.Ordinal);
        foreach (var n in nodes)
            map[n.Node] = n.State switch
            {
                "online" => new NodeMembership.Online(n.Incarnation ?? "", n.Since ?? default),
                "offline" => new NodeMembership.Offline(n.Since, n.Incarnation),
                "unclean" => new NodeMembership.Unclean(n.Incarnation, n.Since ?? default, n.Reason ?? ""),
                "fenced" => new NodeMembership.Fenced(n.Since ?? default, n.Device ?? "", n.Incarnation),
                _ => throw new InvalidOperationException($"unknown stored membership state '{n.State}' of {n.Node}"),
            };
        return map.Count == 0 ? MembershipState.Empty : new MembershipState(map);
    }
}

/// <summary>
/// The fold of the log that is stored: the controller decider fed only logged events (it leads nothing), the status read
/// model, and the latest plan. Folding it from <see cref="Initial"/> over the whole log, or from a restored snapshot over
/// the log after its position, gives the same.
/// </summary>
public sealed record LogFold(ControllerState Controller, ClusterStatus Status, StatusSnapshot.PlanRef? LastPlan)
{
    public static LogFold Initial(ControllerRules rules) => new(ControllerState.Initial(rules), ClusterStatus.Empty, null);

    public long Position => Controller.Position;

    /// <summary>The next event of the log (<paramref name="data"/> is what the log holds; anything but a CIB event only moves the position).</summary>
    public LogFold Apply(object data, long sequence, Guid eventId) => new(
        data is ICibEvent c
            ? ControllerDecider.Decide(Controller, new ControllerInput.Logged(c, sequence, eventId.ToString())).State
            : Controller with { Position = sequence },
        data is IStatusEvent s ? Status.Apply(s, sequence) : Status,
        data is TransitionPlanned p ? new StatusSnapshot.PlanRef(p.TransitionId, eventId) : LastPlan);

    public StatusSnapshot Snapshot() => StatusSnapshot.Capture(Controller, Status, LastPlan);

    public static LogFold Restore(StatusSnapshot snapshot, ControllerRules rules, ClusterConfiguration configuration) =>
        new(snapshot.RestoreController(rules, configuration), snapshot.RestoreStatus(), snapshot.LastPlan);
}

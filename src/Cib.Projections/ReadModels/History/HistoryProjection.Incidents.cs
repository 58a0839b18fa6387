using Cib.Domain;
using Cib.Domain.Constraints;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Projections.Planning;
using Cib.Projections.Store;

namespace Cib.Projections.ReadModels.History;

/// <summary>
/// The failover incidents (decision 0012), part of the history's fold. An incident is opened by its trigger and
/// followed along the causation chain the controller writes (<c>ClusterController</c>: a plan's causation id is the
/// event id of the news it follows from, or of the plan of the transition it follows; its dispatches and fences name
/// the plan; the nodes' results name <c>transition/action</c>), never by nearness in time:
/// <list type="bullet">
/// <item>a <c>TransitionPlanned</c> is one of its transitions when its causation id is an event of the incident, when it
/// was made in the controller step that ended the incident's latest transition, or, for an incident no plan carried on
/// yet, when it is the first plan made as of the trigger's position or later and acts on it (else the incident closes
/// as <c>no-action</c>);</item>
/// <item>a <c>FencingRequested</c> of one of its transitions is its fence (the latest attempt); the fence's dispatch
/// gives the executor, <c>NodeFenced</c> / <c>FencingFailed</c> the result and duration (a give-up is matched by its
/// plan, else its target, its request id being its own); the result's event id joins the incident;</item>
/// <item>what a stop in one of its transitions stops is affected too; a start, promote or migrate_from result of an
/// affected resource in one of its transitions is a recovery action.</item>
/// </list>
/// It closes <c>recovered</c> when nothing affected waits for its start and no fence for a result; at the end of its
/// latest transition with something not running again, <c>gave-up</c> (a start failed, none succeeded since) or
/// <c>stopped</c> (left stopped), reopened by the next plan if that plan carries it on; <c>gave-up</c> at a fence
/// give-up; <c>no-action</c> for an admin move that displaces nothing.
/// </summary>
public static partial class HistoryProjection
{
    public const string TriggerNodeLost = "node-lost", TriggerMonitorFailure = "monitor-failure", TriggerFence = "fence", TriggerAdminMove = "admin-move";

    /// <summary>The location constraints <c>crm resource move|ban</c> (and <c>hactl resource move|ban</c>) write.</summary>
    public static bool IsAdminMove(string constraintId) =>
        constraintId.StartsWith("cli-prefer-", StringComparison.Ordinal) || constraintId.StartsWith("cli-ban-", StringComparison.Ordinal);

    public static string IncidentId(long sequence) => $"incident/{sequence}";

    public sealed partial class Batch
    {
        private sealed class Open(HistoryState.OpenIncident o)
        {
            public string Id { get; } = o.IncidentId;
            public List<string> Causes { get; } = [.. o.Causes];
            public List<string> Transitions { get; } = [.. o.Transitions];
            public List<string> Pending { get; } = [.. o.Pending];
            public List<string> Failed { get; } = [.. o.Failed];
            public List<string> Fences { get; } = [.. o.Fences];
            public bool Ended { get; set; } = o.Ended;
            public string? EndStep { get; set; } = o.EndStep;

            public HistoryState.OpenIncident State => new(Id, [.. Causes], [.. Transitions], [.. Pending], [.. Failed], [.. Fences], Ended, EndStep);
        }

        private readonly List<Open> _open = [.. (state.Incidents ?? []).Select(o => new Open(o))];
        private HistoryState.ChangeStart? _change = state.Change;
        private readonly SortedSet<(string Resource, string Node)> _running = new((state.Running ?? []).Select(p => (p.Resource, p.Node)));
        private readonly SortedDictionary<string, string> _groupOf = new((state.Groups ?? []).ToDictionary(m => m.Member, m => m.Group), StringComparer.Ordinal);

        /// <summary>The incidents this fold opened or updated (the open ones loaded from the store), by id.</summary>
        public Dictionary<string, IncidentRow> Incidents { get; } = (incidents ?? []).ToDictionary(r => r.IncidentId, StringComparer.Ordinal);

        private IReadOnlyList<HistoryState.OpenIncident> IncidentState => [.. _open.Select(o => o.State)];

        /// <summary>The incidents not closed (the ended ones wait for the next plan only).</summary>
        private IEnumerable<Open> Live => _open.Where(o => !o.Ended);

        private IReadOnlyList<HistoryState.Membership> GroupState => [.. _groupOf.Select(m => new HistoryState.Membership(m.Key, m.Value))];

        private IReadOnlyList<HistoryState.Placement> RunningState => [.. _running.Select(p => new HistoryState.Placement(p.Resource, p.Node))];

        private void ApplyIncident(HistoryEvent e, string actor)
        {
            var id = e.Id == Guid.Empty ? null : e.Id.ToString();
            switch (e.Data)
            {
                case NodeLost lost:
                    OpenIncident(e, id, actor, TriggerNodeLost, lost.Node, lost.Node, lost.Reason, lost.At,
                        (long)(lost.At - lost.LastSeen).TotalMilliseconds, RunningOn(lost.Node));
                    break;
                case NodeTerminationRequested t:
                    OpenIncident(e, id, t.RequestedBy.ToString(), TriggerFence, t.Target, t.Target, t.Reason, t.At, null, RunningOn(t.Target));
                    break;
                case IConfigurationEvent ce when e.StreamId == StreamIds.Configuration:
                {
                    var (location, at) = ce switch
                    {
                        ConstraintDefined { Constraint: LocationData l } d => (l, d.At),
                        ConstraintUpdated { Constraint: LocationData l } u => (l, u.At),
                        _ => (null, default),
                    };
                    // The controller's plan names the first event of a change (the first news since its last plan).
                    var key = ChangeKey(e);
                    if (_change?.Key != key) _change = new HistoryState.ChangeStart(key, id);
                    switch (ce)
                    {
                        case GroupDefined { Group: var g }: Members(g.Id, g.Members); break;
                        case GroupUpdated { Group: var g }: Members(g.Id, g.Members); break;
                        case ResourceDeleted d:
                            _groupOf.Remove(d.Id);
                            Members(d.Id, []);
                            break;
                    }
                    // An admin move moves what runs (a group's members): a constraint on a resource that runs nowhere (a
                    // configuration loaded before anything started) is no failover.
                    if (location is null || !IsAdminMove(location.Id)) break;
                    var moved = PrimitivesOf(location.Resource);
                    var on = _running.Where(p => moved.Contains(p.Resource)).ToList();
                    if (on.Count == 0) break;
                    OpenIncident(e, id, actor, TriggerAdminMove, location.Resource, location.Node,
                        e.Header(CommandMetadata.ReasonHeader) ?? location.Id, at, null, [.. moved.Where(r => on.Any(p => p.Resource == r))]);
                    if (_change.FirstEventId is { } first && first != id) _open[^1].Causes.Insert(0, first);
                    // A move that displaces nothing (a preference for the node it runs on only, a ban from a node it does
                    // not run on) needs no action: closed by the change itself.
                    if (location.Score > Score.Zero ? on.All(p => p.Node == location.Node) : location.Score >= Score.Zero || on.All(p => p.Node != location.Node))
                        Close(_open[^1], e, at, IncidentRow.StatusNoAction);
                    break;
                }
                case TransitionPlanned plan:
                    Planned(e, id, plan);
                    break;
                case FencingRequested r:
                {
                    // A transition several incidents hold fences for the one whose node it fences, else the first.
                    var holding = r.TransitionId is { } t ? Holding(t).ToList() : [];
                    var open = holding.FirstOrDefault(o => Incidents[o.Id].Node == r.Target) ?? holding.FirstOrDefault();
                    if (open is null)
                    {
                        // A fence no open incident asked for: an incident of its own (its plan is the cause it names).
                        OpenIncident(e, id, actor, TriggerFence, r.Target, r.Target, r.Reason, r.At, null, RunningOn(r.Target));
                        open = _open[^1];
                        if (r.TransitionId is { } transition)
                        {
                            open.Transitions.Add(transition);
                            Update(open, e, x => x with { Transitions = [transition] });
                        }
                        if (e.CausationId is { } plan) open.Causes.Add(plan);
                    }
                    open.Fences.Remove(Incidents[open.Id].FenceRequestId ?? "");
                    open.Fences.Add(r.RequestId);
                    Update(open, e, x => x with
                    {
                        FenceRequestId = r.RequestId, FenceTarget = r.Target, FenceDevice = r.Device, FenceExecutor = null,
                        FenceResult = ResultPending, FenceDurationMs = null,
                    });
                    break;
                }
                case ActionDispatched { Kind: ActionKind.Fence, FencingRequestId: { } request } d when ByFence(request) is { } open:
                    Update(open, e, x => x with { FenceExecutor = d.Node });
                    break;
                case ActionDispatched { Kind: ActionKind.Start, Resource: { } starting } d:
                    // A start sent to a node may run there from now on, result or not (as the controller counts what a lost
                    // node may still run): a node lost before its result is in the log affects it.
                    _running.Add((starting, d.Node));
                    break;
                case NodeFenced f:
                {
                    if (ByFence(f.RequestId) is { } open)
                    {
                        open.Fences.Remove(f.RequestId);
                        if (id is not null) open.Causes.Add(id);
                        Update(open, e, x => x with
                        {
                            FenceRequestId = f.RequestId, FenceTarget = f.Target, FenceDevice = f.Device, FenceExecutor = f.ExecutedBy,
                            FenceResult = ResultSucceeded, FenceDurationMs = f.DurationMs,
                        });
                        TryClose(open, e, f.At);
                    }
                    // Nothing runs on a fenced node.
                    _running.RemoveWhere(p => p.Node == f.Target);
                    break;
                }
                case FencingFailed x:
                {
                    // A give-up names a request of its own: it is the incident's whose plan it names (its causation id), else,
                    // for a log without causation ids, the latest open incident whose fence of that target has failed.
                    var open = ByFence(x.RequestId) ?? (x.GaveUp
                        ? ByCause(e.CausationId) ?? _open.LastOrDefault(o => Incidents[o.Id].FenceTarget == x.Target && o.Fences.Count == 0)
                        : null);
                    if (open is null) break;
                    open.Fences.Remove(x.RequestId);
                    if (id is not null) open.Causes.Add(id);
                    // The attempt's duration from its request (the fencing history's row), as the fencing history reckons it.
                    long? duration = !x.GaveUp && Fencing.TryGetValue(x.RequestId, out var request) ? (long)(x.At - request.RequestedAt).TotalMilliseconds : null;
                    Update(open, e, r => r with
                    {
                        FenceRequestId = x.RequestId, FenceDevice = x.Device ?? r.FenceDevice, FenceResult = x.GaveUp ? ResultGaveUp : ResultFailed,
                        FenceDurationMs = duration ?? r.FenceDurationMs,
                    });
                    if (x.GaveUp) Close(open, e, x.At, IncidentRow.StatusGaveUp);
                    break;
                }
                case ResourceOperationSucceeded ok:
                    foreach (var open in ok.Origin.TransitionId is { } okTransition ? Holding(okTransition).ToList() : [])
                    {
                        if (IsRecovery(ok.Operation) && Incidents[open.Id].Resources.Contains(ok.Resource))
                        {
                            open.Pending.Remove(ok.Resource);
                            open.Failed.Remove(ok.Resource);
                            Update(open, e, r => r with
                            {
                                Recovery = [.. r.Recovery, new RecoveryAction(e.Sequence, ok.Resource, ok.Operation, ok.Node, ResultSucceeded, ok.DurationMs, ok.At,
                                    ok.Origin.TransitionId)],
                            });
                            TryClose(open, e, ok.At);
                        }
                        else if (ok.Operation is "stop" or "migrate_to")
                        {
                            // What the incident's transitions stop (a group's later members, colocated dependents) is
                            // affected too: it waits for its start like the trigger's resources.
                            if (!open.Pending.Contains(ok.Resource)) open.Pending.Add(ok.Resource);
                            Update(open, e, r => r with { Resources = [.. r.Resources, .. WithGroup([ok.Resource]).Where(x => !r.Resources.Contains(x))] });
                        }
                    }
                    Place(ok.Resource, ok.Node, ok.Operation, ok.IntervalMs, ok.Rc);
                    break;
                case ResourceOperationFailed bad:
                {
                    var holding = bad.Origin.TransitionId is { } badTransition
                        ? Holding(badTransition).Where(o => Incidents[o.Id].Resources.Contains(bad.Resource)).ToList()
                        : [];
                    // A failed start does not close the incident: the transition ends (aborted), and the plan that follows
                    // it may start the resource elsewhere (End, Planned).
                    foreach (var open in holding)
                    {
                        if (id is not null) open.Causes.Add(id);
                        if (IsRecovery(bad.Operation))
                        {
                            if (open.Pending.Remove(bad.Resource)) open.Failed.Add(bad.Resource);
                            Update(open, e, r => r with
                            {
                                Recovery = [.. r.Recovery, new RecoveryAction(e.Sequence, bad.Resource, bad.Operation, bad.Node, ResultFailed, bad.DurationMs, bad.At,
                                    bad.Origin.TransitionId)],
                            });
                        }
                        else Update(open, e, r => r);
                    }
                    if (holding.Count == 0 && ByResource(bad.Resource) is { } already)
                    {
                        // Another failure of a resource an open incident waits for: news of that incident (a plan may follow from it).
                        if (id is not null) already.Causes.Add(id);
                        Update(already, e, r => r);
                    }
                    else if (holding.Count == 0 && (bad.IntervalMs > 0 || bad.Origin.TransitionId is null))
                        OpenIncident(e, id, actor, TriggerMonitorFailure, bad.Resource, bad.Node, bad.ExitReason ?? $"{bad.Operation} {OcfRc.Describe(bad.Rc)}",
                            bad.At, null, [bad.Resource]);
                    if (bad.Operation is "start" or "promote" or "migrate_from") _running.Remove((bad.Resource, bad.Node));
                    break;
                }
                case TransitionCompleted done:
                    foreach (var open in Live.Where(o => o.Transitions.Count > 0 && o.Transitions[^1] == done.TransitionId).ToList()) End(open, e, done.At);
                    break;
                case TransitionAborted aborted:
                    foreach (var open in Live.Where(o => o.Transitions.Count > 0 && o.Transitions[^1] == aborted.TransitionId).ToList())
                    {
                        // The plan that replaces an aborted transition names what aborted it (news, or a new controller's election).
                        if (e.CausationId is { } abortCause && !open.Causes.Contains(abortCause)) open.Causes.Add(abortCause);
                        Update(open, e, r => r);
                        End(open, e, aborted.At);
                    }
                    break;
                case ResourceHistoryCleared h:
                    _running.RemoveWhere(p => p.Resource == h.Resource && (h.Node is null || p.Node == h.Node));
                    break;
            }
        }

        private static bool IsRecovery(string operation) => operation is "start" or "promote" or "migrate_from";

        private void Place(string resource, string node, string operation, long intervalMs, int rc)
        {
            switch (operation)
            {
                case "start" or "promote" or "demote" or "migrate_from":
                    _running.Add((resource, node));
                    break;
                case "stop" or "migrate_to":
                    _running.Remove((resource, node));
                    break;
                case "monitor" when rc is OcfRc.Success or OcfRc.RunningPromoted:
                    _running.Add((resource, node));
                    break;
                case "monitor" when rc == OcfRc.NotRunning && intervalMs == 0:
                    _running.Remove((resource, node));
                    break;
            }
        }

        private List<string> RunningOn(string node) => [.. _running.Where(p => p.Node == node).Select(p => p.Resource).Distinct().Order(StringComparer.Ordinal)];

        private Open? ByCause(string? causationId) => causationId is null ? null : Live.FirstOrDefault(o => o.Causes.Contains(causationId));

        private IEnumerable<Open> Holding(string transition) => Live.Where(o => o.Transitions.Contains(transition));

        private Open? ByFence(string request) => Live.FirstOrDefault(o => o.Fences.Contains(request));

        private Open? ByResource(string resource) => Live.FirstOrDefault(o => o.Pending.Contains(resource) || o.Failed.Contains(resource));

        private void Members(string group, IEnumerable<string> members)
        {
            foreach (var old in _groupOf.Where(m => m.Value == group).Select(m => m.Key).ToList()) _groupOf.Remove(old);
            foreach (var member in members) _groupOf[member] = group;
        }

        /// <summary>The primitives and then the groups they belong to: what an incident that affects them lists as affected.</summary>
        private List<string> WithGroup(IReadOnlyList<string> primitives) =>
            [.. primitives, .. primitives.Select(p => _groupOf.GetValueOrDefault(p)).OfType<string>().Distinct().Where(g => !primitives.Contains(g)).Order(StringComparer.Ordinal)];

        /// <summary>A resource's primitives as the operation results name them: a group's members (as the fold knows them), else the resource itself.</summary>
        private List<string> PrimitivesOf(string resource) =>
            _groupOf.Where(m => m.Value == resource).Select(m => m.Key).ToList() is { Count: > 0 } members ? members : [resource];

        /// <summary>
        /// A plan: one of the transitions of every incident it carries on: that names one of its events (its causation
        /// id), or was made in the controller step that ended the incident's latest transition (the decider finishes or
        /// aborts a transition and plans again in one step; an incident ended then is reopened). An incident no plan
        /// named yet is the first plan's that saw its trigger (as of its position or later) when that plan acts on it
        /// (fences its node, or acts on an affected resource); when it does not, the controller did nothing for it: the
        /// incident closes as <c>no-action</c>. An ended incident this plan does not carry on stays closed.
        /// </summary>
        private void Planned(HistoryEvent e, string? id, TransitionPlanned plan)
        {
            var step = e.Header(ControllerStep.StepHeader);
            var follows = _open.Where(o => (e.CausationId is { } cause && o.Causes.Contains(cause)) || (step is not null && o.EndStep == step)).ToList();
            foreach (var open in Live.Where(o => o.Transitions.Count == 0 && !follows.Contains(o) && plan.AsOfSequence >= Incidents[o.Id].Seq).ToList())
            {
                if (ActsOn(plan, Incidents[open.Id])) follows.Add(open);
                else Close(open, e, plan.At, IncidentRow.StatusNoAction);
            }
            _open.RemoveAll(o => o.Ended && !follows.Contains(o));
            foreach (var open in follows)
            {
                if (open.Ended) Update(open, e, r => r with { Status = IncidentRow.StatusOpen, ClosedAt = null, TimeToRecoveryMs = null });
                (open.Ended, open.EndStep) = (false, null);
                open.Transitions.Add(plan.TransitionId);
                if (id is not null) open.Causes.Add(id);
                Update(open, e, r => r with { Transitions = [.. r.Transitions, plan.TransitionId] });
            }
        }

        private static bool ActsOn(TransitionPlanned plan, IncidentRow incident) =>
            plan.Actions.Any(a => a.Kind != ActionKind.Pseudo
                && ((a.Resource is { } r && incident.Resources.Contains(r)) || (a.Kind == ActionKind.Fence && a.Node == incident.Node)));

        private void OpenIncident(HistoryEvent e, string? eventId, string actor, string trigger, string subject, string? node, string? reason,
            DateTimeOffset at, long? detectionMs, IReadOnlyList<string> resources)
        {
            var incident = IncidentId(e.Sequence);
            var open = new Open(new HistoryState.OpenIncident(incident, eventId is null ? [] : [eventId], [], [.. resources], [], []));
            _open.Add(open);
            Incidents[incident] = new IncidentRow(incident, e.Sequence, e.Sequence, trigger, subject, node, actor, reason, at, detectionMs, WithGroup(resources), [],
                null, null, null, null, null, null, [], IncidentRow.StatusOpen, null, null);
        }

        private void Update(Open open, HistoryEvent e, Func<IncidentRow, IncidentRow> change) =>
            Incidents[open.Id] = change(Incidents[open.Id]) with { LastSeq = e.Sequence };

        /// <summary>
        /// Closes the incident as recovered when nothing affected waits for its start, none failed and no fence of it
        /// waits for a result (a failure waits for the end of its transition and the plan that may carry it on: <see cref="End"/>).
        /// </summary>
        private void TryClose(Open open, HistoryEvent e, DateTimeOffset at)
        {
            if (open.Pending.Count > 0 || open.Failed.Count > 0 || open.Fences.Count > 0) return;
            Close(open, e, at, IncidentRow.StatusRecovered);
        }

        /// <summary>
        /// The end (completed or aborted) of the incident's latest transition, its fence done: <c>recovered</c> when
        /// nothing affected waits; else closed as <c>gave-up</c> (a start failed and none succeeded since) or
        /// <c>stopped</c> (the transition left an affected resource stopped), kept until the next plan, which reopens it
        /// when it carries on (<see cref="Planned"/>).
        /// </summary>
        private void End(Open open, HistoryEvent e, DateTimeOffset at)
        {
            // A fence without a result, or one that failed: the controller tries it again (a later plan) or gives up.
            if (open.Fences.Count > 0 || Incidents[open.Id].FenceResult == ResultFailed) return;
            if (open.Pending.Count == 0 && open.Failed.Count == 0)
            {
                Close(open, e, at, IncidentRow.StatusRecovered);
                return;
            }
            Close(open, e, at, open.Failed.Count > 0 ? IncidentRow.StatusGaveUp : IncidentRow.StatusStopped, ended: true);
            open.EndStep = e.Header(ControllerStep.StepHeader);
        }

        private void Close(Open open, HistoryEvent e, DateTimeOffset at, string status, bool ended = false)
        {
            if (ended) open.Ended = true;
            else _open.Remove(open);
            Update(open, e, r => r with { Status = status, ClosedAt = at, TimeToRecoveryMs = (long)(at - r.DetectedAt).TotalMilliseconds });
        }
    }
}

using System.Collections.Immutable;
using Cib.Domain;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Transitions;

namespace Cib.Projections.ReadModels.ClusterStatus;

/// <summary>Failures of a resource on a node since the last clean-up (Pacemaker's fail-count and last-failure).</summary>
public sealed record FailureRecord(int Count, DateTimeOffset LastFailure, bool StartFailed = false);

/// <summary>A fencing request and how it ended so far.</summary>
public sealed record FencingRecord(string RequestId, string Target, string Reason, int Attempts, FencingOutcome Outcome, string? LastError, DateTimeOffset At);

public enum FencingOutcome { Pending, Succeeded, Failed, GaveUp }

/// <summary>
/// The status section of the CIB, projected from status events: membership, operation history per resource
/// and node, fail counts, fencing, the current transition and controller. Pure fold; <see cref="Sequence"/>
/// is the last event applied (the planner's AsOfSequence).
/// </summary>
public sealed record ClusterStatus(
    MembershipState Membership,
    ImmutableSortedDictionary<(string Resource, string Node), ImmutableSortedDictionary<(string Operation, long IntervalMs), OperationRecord>> Operations,
    ImmutableSortedDictionary<(string Resource, string Node), FailureRecord> Failures,
    ImmutableSortedDictionary<string, FencingRecord> Fencing,
    string? CurrentTransition,
    bool TransitionOpen,
    string? Controller,
    long Sequence,
    ImmutableSortedDictionary<string, ActionDispatched>? StartsDispatched = null,
    ImmutableSortedSet<string>? TerminationRequested = null)
{
    /// <summary>Nodes an operator asked to be fenced (<see cref="NodeTerminationRequested"/>), until they are.</summary>
    public ImmutableSortedSet<string> TerminationRequested { get; init; } = TerminationRequested ?? ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    /// <summary>
    /// Starts (and promotes) dispatched to a node whose result has not come back, by "transition/action": the node may be
    /// running them right now. Forgotten when the result comes, or when the node rejoins, leaves or is fenced.
    /// </summary>
    public ImmutableSortedDictionary<string, ActionDispatched> StartsDispatched { get; init; } =
        StartsDispatched ?? ImmutableSortedDictionary.Create<string, ActionDispatched>(StringComparer.Ordinal);

    /// <summary>The starts dispatched to <paramref name="node"/> that have not reported.</summary>
    public IEnumerable<ActionDispatched> StartsInFlightOn(string node) => StartsDispatched.Values.Where(d => d.Node == node);

    private ClusterStatus Reported(OperationOrigin origin) =>
        // Most results (every recurring monitor's, every probe's while nothing starts) have nothing to forget: no key built.
        !StartsDispatched.IsEmpty && origin is { TransitionId: { } t, ActionId: { } a } ? this with { StartsDispatched = StartsDispatched.Remove($"{t}/{a}") } : this;

    private ClusterStatus ForgetStartsOn(string node) =>
        this with { StartsDispatched = StartsDispatched.RemoveRange(StartsDispatched.Where(d => d.Value.Node == node).Select(d => d.Key)) };

    private static readonly IComparer<(string, string)> PairOrder = Comparer<(string, string)>.Create((a, b) =>
    {
        var c = string.CompareOrdinal(a.Item1, b.Item1);
        return c != 0 ? c : string.CompareOrdinal(a.Item2, b.Item2);
    });

    private static readonly IComparer<(string, long)> OpOrder = Comparer<(string, long)>.Create((a, b) =>
    {
        var c = string.CompareOrdinal(a.Item1, b.Item1);
        return c != 0 ? c : a.Item2.CompareTo(b.Item2);
    });

    /// <summary>The operations of one resource on one node, none yet (ordered by name, then interval).</summary>
    public static readonly ImmutableSortedDictionary<(string Operation, long IntervalMs), OperationRecord> EmptyOperations =
        ImmutableSortedDictionary.Create<(string, long), OperationRecord>(OpOrder);

    public static readonly ClusterStatus Empty = new(
        MembershipState.Empty,
        ImmutableSortedDictionary.Create<(string, string), ImmutableSortedDictionary<(string, long), OperationRecord>>(PairOrder),
        ImmutableSortedDictionary.Create<(string, string), FailureRecord>(PairOrder),
        ImmutableSortedDictionary.Create<string, FencingRecord>(StringComparer.Ordinal),
        null, false, null, 0);

    public IReadOnlyDictionary<(string Operation, long IntervalMs), OperationRecord> OperationsOf(string resource, string node) =>
        Operations.TryGetValue((resource, node), out var ops) ? ops : ImmutableSortedDictionary<(string, long), OperationRecord>.Empty;

    public ClusterStatus Apply(IStatusEvent e, long sequence)
    {
        var s = this with { Sequence = sequence, Membership = MembershipDecider.Evolve(Membership, e) };
        return e switch
        {
            ResourceOperationSucceeded ok => s.Reported(ok.Origin).Record(ok.Resource, ok.Node, new OperationRecord(ok.Operation, ok.IntervalMs, ok.Rc, OperationStatus.Done, false,
                sequence, ok.At, ok.ParameterDigest, ok.Origin.TransitionId, null)),
            ResourceOperationFailed bad => s.Reported(bad.Origin).Record(bad.Resource, bad.Node, new OperationRecord(bad.Operation, bad.IntervalMs, bad.Rc, bad.Status, true,
                sequence, bad.At, null, bad.Origin.TransitionId, bad.ExitReason)).Fail(bad.Resource, bad.Node, bad.At, bad.Operation == "start"),
            FailCountCleared c => s with
            {
                Failures = c.Node is null
                    ? s.Failures.RemoveRange(s.Failures.Keys.Where(k => k.Resource == c.Resource))
                    : s.Failures.Remove((c.Resource, c.Node)),
            },
            // Forgotten history means "not known here": the planner probes it again, as after a node joins.
            ResourceHistoryCleared h => s with
            {
                Operations = s.Operations.RemoveRange(s.Operations.Keys.Where(k => k.Resource == h.Resource && (h.Node is null || k.Node == h.Node))),
                Failures = s.Failures.RemoveRange(s.Failures.Keys.Where(k => k.Resource == h.Resource && (h.Node is null || k.Node == h.Node))),
            },
            FencingRequested r => s with
            {
                Fencing = s.Fencing.SetItem(r.Target, new FencingRecord(r.RequestId, r.Target, r.Reason, r.Attempt, FencingOutcome.Pending, null, r.At)),
            },
            NodeFenced f => s with
            {
                Fencing = s.Fencing.SetItem(f.Target, new FencingRecord(f.RequestId, f.Target, s.Fencing.GetValueOrDefault(f.Target)?.Reason ?? "",
                    s.Fencing.GetValueOrDefault(f.Target)?.Attempts ?? 1, FencingOutcome.Succeeded, null, f.At)),
                // A fenced node runs nothing: its operation history is void, as Pacemaker clears the lrm section.
                Operations = s.Operations.RemoveRange(s.Operations.Keys.Where(k => k.Node == f.Target)),
                StartsDispatched = s.ForgetStartsOn(f.Target).StartsDispatched,
                TerminationRequested = s.TerminationRequested.Remove(f.Target),
            },
            NodeTerminationRequested t => s with { TerminationRequested = s.TerminationRequested.Add(t.Target) },
            FencingFailed x => s with
            {
                Fencing = s.Fencing.SetItem(x.Target, new FencingRecord(x.RequestId, x.Target, s.Fencing.GetValueOrDefault(x.Target)?.Reason ?? "",
                    x.Attempt, x.GaveUp ? FencingOutcome.GaveUp : FencingOutcome.Failed, x.Reason, x.At)),
            },
            TransitionPlanned t => s with { CurrentTransition = t.TransitionId, TransitionOpen = t.Actions.Count > 0 },
            TransitionCompleted t when t.TransitionId == s.CurrentTransition => s with { TransitionOpen = false },
            TransitionAborted t when t.TransitionId == s.CurrentTransition => s with { TransitionOpen = false },
            ControllerElected c => s with { Controller = c.Node },
            ActionDispatched { Kind: not ActionKind.Fence, Resource: not null, Operation: "start" or "promote" } d =>
                s with { StartsDispatched = s.StartsDispatched.SetItem($"{d.TransitionId}/{d.ActionId}", d) },
            NodeLeft l => s.ForgetStartsOn(l.Node) with { Operations = s.Operations.RemoveRange(s.Operations.Keys.Where(k => k.Node == l.Node)) },
            // A (re)joining runtime knows nothing of what ran before it: the planner probes to learn the truth.
            NodeJoined j => s.ForgetStartsOn(j.Node) with { Operations = s.Operations.RemoveRange(s.Operations.Keys.Where(k => k.Node == j.Node)) },
            _ => s,
        };
    }

    public static ClusterStatus Fold(IEnumerable<(IStatusEvent Event, long Sequence)> events) =>
        events.Aggregate(Empty, (s, x) => s.Apply(x.Event, x.Sequence));

    private ClusterStatus Record(string resource, string node, OperationRecord op)
    {
        var ops = Operations.TryGetValue((resource, node), out var existing)
            ? existing
            : EmptyOperations;
        // A stop that succeeded ends every recurring monitor there, as the executor cancels them.
        if (op is { Operation: "stop", Status: OperationStatus.Done, Rc: OcfRc.Success })
            ops = ops.RemoveRange(ops.Keys.Where(k => k.Item2 > 0));
        return this with { Operations = Operations.SetItem((resource, node), ops.SetItem((op.Operation, op.IntervalMs), op)) };
    }

    private ClusterStatus Fail(string resource, string node, DateTimeOffset at, bool start)
    {
        var previous = Failures.GetValueOrDefault((resource, node));
        return this with { Failures = Failures.SetItem((resource, node), new FailureRecord((previous?.Count ?? 0) + 1, at, start || previous?.StartFailed == true)) };
    }
}

using System.Collections.Immutable;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Transitions;

namespace Cib.Domain.Controller;

/// <summary>One operation result as the controller needs it: which operation, its rc, whether it failed, and its place in the log.</summary>
public sealed record OperationFact(string Operation, int Rc, bool Failed, long Sequence);

/// <summary>
/// What the log says may run where, as far as the controller's own rules need it (which node runs a fence device,
/// what a lost node may still run). It mirrors the part of the status read model (<c>ClusterStatus</c> in
/// Cib.Projections) these rules read, so that the controller decider stays in Cib.Domain: the same events, the same
/// clearing (a fenced, leaving or joining node runs nothing known), the same answers.
/// </summary>
public sealed record ResourceActivity(ImmutableDictionary<(string Resource, string Node), ResourceActivity.OnNode> Facts)
{
    /// <summary>
    /// Starts (and promotes) dispatched to a node whose result has not come back, by "transition/action": the node may be
    /// running them now. Forgotten when the result comes, or when the node rejoins, leaves or is fenced.
    /// </summary>
    public ImmutableSortedDictionary<string, ActionDispatched> StartsDispatched { get; init; } =
        ImmutableSortedDictionary.Create<string, ActionDispatched>(StringComparer.Ordinal);

    /// <summary>The starts dispatched to <paramref name="node"/> that have not reported.</summary>
    public IEnumerable<ActionDispatched> StartsInFlightOn(string node) => StartsDispatched.Values.Where(d => d.Node == node);

    /// <summary>The latest start, stop, promote, demote or monitor result (any interval), and the latest start and stop (interval 0).</summary>
    public sealed record OnNode(OperationFact? Latest, OperationFact? LastStart, OperationFact? LastStop);

    public static readonly ResourceActivity Empty = new(ImmutableDictionary<(string, string), OnNode>.Empty);

    public ResourceActivity Apply(IStatusEvent e, long sequence) => e switch
    {
        ResourceOperationSucceeded ok => Reported(ok.Origin).Record(ok.Resource, ok.Node, ok.IntervalMs, new OperationFact(ok.Operation, ok.Rc, false, sequence)),
        ResourceOperationFailed bad => Reported(bad.Origin).Record(bad.Resource, bad.Node, bad.IntervalMs, new OperationFact(bad.Operation, bad.Rc, true, sequence)),
        ActionDispatched { Kind: not ActionKind.Fence, Resource: not null, Operation: "start" or "promote" } d =>
            this with { StartsDispatched = StartsDispatched.SetItem($"{d.TransitionId}/{d.ActionId}", d) },
        NodeFenced f => Clear(f.Target),
        NodeLeft l => Clear(l.Node),
        NodeJoined j => Clear(j.Node),
        _ => this,
    };

    /// <summary>The last start or stop of the resource on the node was a successful start.</summary>
    public bool RunsOn(string resource, string node) =>
        Facts.TryGetValue((resource, node), out var f) && f.LastStart is { Failed: false } start && (f.LastStop is null || f.LastStop.Sequence < start.Sequence);

    /// <summary>
    /// The resource's latest start, stop, promote, demote or monitor result on the node does not say "stopped" (a successful
    /// stop, or rc 7 "not running"). A failed start counts as running. Nothing known: false.
    /// </summary>
    public bool MayRun(string resource, string node)
    {
        if (!Facts.TryGetValue((resource, node), out var f) || f.Latest is not { } latest) return false;
        var stopped = latest.Operation == "stop" ? !latest.Failed : latest.Operation == "monitor" && latest.Rc == OcfRc.NotRunning;
        return !stopped;
    }

    private ResourceActivity Record(string resource, string node, long intervalMs, OperationFact fact)
    {
        var f = Facts.GetValueOrDefault((resource, node)) ?? new OnNode(null, null, null);
        if (fact.Operation is "start" or "stop" or "promote" or "demote" or "monitor") f = f with { Latest = fact };
        if (intervalMs == 0 && fact.Operation == "start") f = f with { LastStart = fact };
        if (intervalMs == 0 && fact.Operation == "stop") f = f with { LastStop = fact };
        return this with { Facts = Facts.SetItem((resource, node), f) };
    }

    private ResourceActivity Reported(OperationOrigin origin) =>
        // Most results (every recurring monitor's, every probe's while nothing starts) have nothing to forget: no key built.
        !StartsDispatched.IsEmpty && origin is { TransitionId: { } t, ActionId: { } a } ? this with { StartsDispatched = StartsDispatched.Remove($"{t}/{a}") } : this;

    private ResourceActivity Clear(string node) => this with
    {
        Facts = Facts.RemoveRange(Facts.Keys.Where(k => k.Node == node)),
        StartsDispatched = StartsDispatched.RemoveRange(StartsDispatched.Where(d => d.Value.Node == node).Select(d => d.Key)),
    };
}

using Cib.Domain.Transitions;

namespace Cib.Projections.ReadModels.Causation;

/// <summary>One event as the causation walk sees it: its id, its causation id and its data.</summary>
public sealed record CausedEvent(Guid Id, long Sequence, string? CausationId, object Data);

/// <summary>
/// Who caused what, from the events' causation ids (<c>CommandMetadata</c>): an event's cause is the event with that id,
/// or, for an action reference <c>t42/3</c> (what a node's result or fence names), the <c>ActionDispatched</c> of action 3
/// of transition t42. A failover incident is the walk from its trigger (a <c>NodeLost</c>, an admin's change) through
/// the <c>TransitionPlanned</c>, its <c>FencingRequested</c> and <c>ActionDispatched</c>, to the nodes' results.
/// </summary>
public sealed class CausationGraph
{
    private readonly Dictionary<Guid, CausedEvent> _byId = [];
    private readonly Dictionary<(string Transition, int Action), CausedEvent> _dispatches = [];
    private readonly Dictionary<Guid, List<CausedEvent>> _children = [];

    public CausationGraph(IEnumerable<CausedEvent> events)
    {
        var all = events.OrderBy(e => e.Sequence).ToList();
        foreach (var e in all)
        {
            _byId[e.Id] = e;
            if (e.Data is ActionDispatched d) _dispatches.TryAdd((d.TransitionId, d.ActionId), e);
        }
        foreach (var e in all)
            if (Cause(e) is { } cause)
            {
                if (!_children.TryGetValue(cause.Id, out var list)) _children[cause.Id] = list = [];
                list.Add(e);
            }
    }

    /// <summary>The event that caused <paramref name="e"/>; null for the start of a chain (its cause is a command, a tick, or not in the log).</summary>
    public CausedEvent? Cause(CausedEvent e)
    {
        if (e.CausationId is not { } id) return null;
        if (Guid.TryParse(id, out var guid)) return guid != e.Id && _byId.TryGetValue(guid, out var byId) ? byId : null;
        var slash = id.LastIndexOf('/');
        return slash > 0 && int.TryParse(id[(slash + 1)..], out var action) && _dispatches.TryGetValue((id[..slash], action), out var dispatch) && dispatch != e
            ? dispatch
            : null;
    }

    /// <summary>The events <paramref name="e"/> caused directly, in log order.</summary>
    public IReadOnlyList<CausedEvent> Effects(CausedEvent e) => _children.TryGetValue(e.Id, out var list) ? list : [];

    /// <summary>From <paramref name="e"/> up to the start of its chain: e, its cause, that one's cause, ...</summary>
    public IReadOnlyList<CausedEvent> Causes(CausedEvent e)
    {
        var chain = new List<CausedEvent> { e };
        var seen = new HashSet<Guid> { e.Id };
        while (Cause(chain[^1]) is { } next && seen.Add(next.Id)) chain.Add(next);
        return chain;
    }

    /// <summary>The whole incident any of its events belongs to: its trigger and everything that followed from it, in log order.</summary>
    public IReadOnlyList<CausedEvent> Incident(CausedEvent any)
    {
        var root = Causes(any)[^1];
        var found = new List<CausedEvent>();
        var seen = new HashSet<Guid>();
        var next = new Queue<CausedEvent>([root]);
        while (next.TryDequeue(out var e))
        {
            if (!seen.Add(e.Id)) continue;
            found.Add(e);
            foreach (var child in Effects(e)) next.Enqueue(child);
        }
        return [.. found.OrderBy(e => e.Sequence)];
    }
}

using Cib.Domain.Primitives;

namespace Cib.Domain.Nodes;

/// <summary>What the event log says about a node's membership. A closed hierarchy: a node is in exactly one of these.</summary>
public abstract record NodeMembership
{
    private NodeMembership() { }

    /// <summary>Never seen, or left cleanly: nothing runs there, nothing needs fencing.</summary>
    public sealed record Offline(DateTimeOffset? Since, string? Incarnation = null) : NodeMembership;

    /// <summary>Its runtime renews its lease.</summary>
    public sealed record Online(string Incarnation, DateTimeOffset Since) : NodeMembership;

    /// <summary>Lost without a clean shutdown: unclean until fenced (or, with fencing disabled, until it returns).</summary>
    public sealed record Unclean(string? Incarnation, DateTimeOffset LostAt, string Reason) : NodeMembership;

    /// <summary>Confirmed off by a fence device: what it ran may start elsewhere. <see cref="Incarnation"/> is the runtime that was fenced.</summary>
    public sealed record Fenced(DateTimeOffset At, string Device, string? Incarnation = null) : NodeMembership;

    public bool IsOnline => this is Online;
}

/// <summary>The controller's view of one lease: when the node's runtime last renewed it, by the store's clock.</summary>
public sealed record LeaseObservation(string Node, string Incarnation, DateTimeOffset RenewedAt);

/// <summary>
/// The controller looks at the leases (renewals are not events) and decides membership events. <see cref="StoreBack"/>:
/// the store's latest return from an outage (<see cref="LeaseLoss.LatestReturn"/>), by the store's clock;
/// <see cref="StoreOutageBound"/>: how long nodes ride out an outage frozen (<see cref="LeaseLoss.LeaseHolds"/>).
/// </summary>
public sealed record ObserveLeases(
    IReadOnlyList<LeaseObservation> Leases,
    IReadOnlyCollection<string> ConfiguredNodes,
    Duration LeaseTimeout,
    bool FencingEnabled,
    DateTimeOffset Now,
    StoreReturn? StoreBack = null,
    TimeSpan StoreOutageBound = default);

/// <summary>Membership of all nodes, folded from membership and fencing events.</summary>
public sealed record MembershipState(IReadOnlyDictionary<string, NodeMembership> Nodes)
{
    public static readonly MembershipState Empty = new(new Dictionary<string, NodeMembership>(StringComparer.Ordinal));

    public NodeMembership Of(string node) => Nodes.TryGetValue(node, out var m) ? m : new NodeMembership.Offline(null);

    public IEnumerable<string> OnlineNodes => Nodes.Where(n => n.Value.IsOnline).Select(n => n.Key);
}

public static class MembershipDecider
{
    public static IReadOnlyList<IStatusEvent> Decide(ObserveLeases command, MembershipState state)
    {
        var events = new List<IStatusEvent>();
        var leases = command.Leases.GroupBy(l => l.Node).ToDictionary(g => g.Key, g => g.MaxBy(l => l.RenewedAt)!, StringComparer.Ordinal);
        var nodes = command.ConfiguredNodes.Concat(state.Nodes.Keys).Distinct().Order(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            leases.TryGetValue(node, out var lease);
            var age = lease is null ? (TimeSpan?)null : command.Now - lease.RenewedAt;
            var fresh = age is { } a && a <= command.LeaseTimeout.ToTimeSpan();
            var current = state.Of(node);
            switch (current)
            {
                case NodeMembership.Online when lease is not null && !fresh &&
                                                LeaseLoss.LeaseHolds(lease.RenewedAt, command.StoreBack, command.LeaseTimeout.ToTimeSpan(), command.StoreOutageBound, command.Now):
                    // The store was away: the node has not had its lease's time to find it again yet.
                    break;
                case NodeMembership.Online online when !fresh:
                    events.Add(new NodeLost(node,
                        lease is null
                            ? "its lease disappeared without a clean shutdown"
                            : $"lease not renewed for {(long)age!.Value.TotalMilliseconds} ms (timeout {command.LeaseTimeout})",
                        lease?.RenewedAt ?? online.Since, command.Now));
                    break;
                case NodeMembership.Online online when lease!.Incarnation != online.Incarnation:
                    // The runtime restarted faster than the lease timeout: a new runtime, which probes what runs there.
                    events.Add(new NodeJoined(node, lease.Incarnation, $"runtime restarted (incarnation {Short(online.Incarnation)} -> {Short(lease.Incarnation)})", command.Now));
                    break;
                case NodeMembership.Unclean unclean when fresh && command.FencingEnabled && lease!.Incarnation == unclean.Incarnation:
                    // The same runtime is back (a healed partition): it may still run what it ran. It must be fenced before rejoining.
                    break;
                case NodeMembership.Offline { Incarnation: not null } left when fresh && lease!.Incarnation == left.Incarnation:
                    // The runtime that just left cleanly: its lease row goes right after its NodeLeft. Only a new runtime rejoins.
                    break;
                case NodeMembership.Fenced fenced when fresh && lease!.Incarnation == fenced.Incarnation:
                    // A renewal of the fenced runtime itself: a packet its kernel still sent after the power-off (a dead
                    // process's socket keeps transmitting when a cut link comes back). Only a new runtime rejoins.
                    break;
                case NodeMembership.Offline or NodeMembership.Fenced or NodeMembership.Unclean when fresh:
                    events.Add(new NodeJoined(node, lease!.Incarnation, current switch
                    {
                        NodeMembership.Fenced => "booted after being fenced",
                        NodeMembership.Unclean => command.FencingEnabled ? "returned with a new runtime after being lost" : "returned after being lost (fencing disabled)",
                        NodeMembership.Offline { Since: null } => "first lease",
                        _ => "lease renewed after a clean shutdown",
                    }, command.Now));
                    break;
            }
        }
        return events;
    }

    public static MembershipState Evolve(MembershipState state, IStatusEvent e)
    {
        var nodes = new Dictionary<string, NodeMembership>(state.Nodes, StringComparer.Ordinal);
        switch (e)
        {
            case NodeJoined j: nodes[j.Node] = new NodeMembership.Online(j.Incarnation, j.At); break;
            case NodeLeft l: nodes[l.Node] = new NodeMembership.Offline(l.At, (state.Of(l.Node) as NodeMembership.Online)?.Incarnation); break;
            case NodeLost l: nodes[l.Node] = new NodeMembership.Unclean((state.Of(l.Node) as NodeMembership.Online)?.Incarnation, l.At, l.Reason); break;
            case Fencing.NodeFenced f:
                nodes[f.Target] = new NodeMembership.Fenced(f.At, f.Device, state.Of(f.Target) switch
                {
                    NodeMembership.Unclean u => u.Incarnation,
                    NodeMembership.Online o => o.Incarnation,
                    NodeMembership.Fenced x => x.Incarnation,
                    _ => null,
                });
                break;
            default: return state;
        }
        return new MembershipState(nodes);
    }

    /// <summary>
    /// May a newly elected controller plan yet? A starting cluster waits, up to <paramref name="grace"/> (Pacemaker's
    /// dc-deadtime), for configured nodes whose state it does not know, since they may be booting. It knows them all when
    /// its own runtime was a member of the running cluster it took over (online in the log with this incarnation when it
    /// was elected: the log's membership is current). Otherwise a node is known when it is online, or its lease was valid
    /// at some instant since the election: it was a member a moment ago, so if it is gone now it is lost like any other,
    /// and fenced at once.
    /// </summary>
    public static bool StartupSettled(string self, IReadOnlyCollection<string> configured, MembershipState atElection, MembershipState current,
        IReadOnlyList<LeaseObservation> leases, Duration leaseTimeout, DateTimeOffset electedAt, TimeSpan grace, DateTimeOffset now)
    {
        if (now - electedAt >= grace) return true;
        var own = leases.FirstOrDefault(l => l.Node == self);
        if (own is not null && atElection.Of(self) is NodeMembership.Online member && member.Incarnation == own.Incarnation) return true;
        var validSince = electedAt - leaseTimeout.ToTimeSpan();
        return configured.All(n => current.Of(n).IsOnline || leases.Any(l => l.Node == n && l.RenewedAt >= validSince));
    }

    /// <summary>
    /// Quorum: more than half of the configured nodes are online. A two-node cluster keeps quorum with one
    /// node (corosync's two_node), since fencing decides which of the two survives.
    /// </summary>
    public static bool HasQuorum(IReadOnlyCollection<string> configured, IEnumerable<string> online)
    {
        var up = online.Count(configured.Contains);
        if (configured.Count == 0) return false;
        if (configured.Count == 2) return up >= 1;
        return up * 2 > configured.Count;
    }

    private static string Short(string incarnation) => incarnation.Length > 8 ? incarnation[..8] : incarnation;
}

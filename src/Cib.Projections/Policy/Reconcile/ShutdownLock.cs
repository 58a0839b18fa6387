namespace Cib.Projections.Policy.Reconcile;

/// <summary>
/// shutdown-lock (cluster property, Pacemaker 2.0.4+): a primitive active on exactly one node, which is shutting down
/// cleanly (its <c>shutdown</c> attribute is set and it is not to be fenced), is locked to that node from the shutdown's
/// time: banned (−INFINITY) from every other node, so it stops there and is not recovered elsewhere. Once the node is
/// down the lock is read back from the history (the lrm_resource's <c>shutdown-lock</c>, the lock's time): the primitive
/// stays stopped while the node is away and may start there again when it rejoins. With shutdown-lock-limit set, a lock
/// read back from the history expires once "now" is past its time plus the limit: then it counts for nothing (Pacemaker
/// clears that history) and the primitive is recovered as usual. A lock read back is cancelled when the primitive is
/// active anywhere. Fence devices are never locked; an unclean node never locks.
/// </summary>
internal static class ShutdownLock
{
    public const string Reason = "locked to the node it was shut down on (shutdown-lock)";

    /// <summary>Every node's recorded locks (Pacemaker unpacks every node's history when shutdown-lock is on), in status order.</summary>
    public static void ReadRecorded(PlanContext ctx, IEnumerable<NodeView> statusOrder)
    {
        var limit = ctx.Options.ShutdownLockLimitValue.Milliseconds / 1000;
        foreach (var node in statusOrder)
        {
            if (ctx.State.StatusOf(node.Name) is not { } status) continue;
            foreach (var history in status.Resources)
            {
                if (history.ShutdownLock is not (> 0 and var time) || !ctx.ById.TryGetValue(history.ResourceId, out var rsc)) continue;
                if (limit > 0 && ctx.Now > time + limit)
                {
                    ctx.Notes.Add($"{rsc.Id}: shutdown lock on {node.Name} expired (locked at {time}, shutdown-lock-limit {limit}s)");
                    continue;
                }
                rsc.LockedTo = node.Name;
                rsc.LockTime = time;
            }
        }
    }

    /// <summary>Locks what must be locked and bans a locked primitive from every other node; after the histories are read.</summary>
    public static void Apply(PlanContext ctx, ResourceView rsc)
    {
        if (rsc.Primitive.IsFenceDevice)
        {
            rsc.LockedTo = null;
            return;
        }
        if (rsc.LockedTo is not null)
        {
            // Recorded, but active somewhere after all: the lock is dropped rather than disturb it.
            if (rsc.IsActive || rsc.HasStuckCopies)
            {
                ctx.Notes.Add($"{rsc.Id}: shutdown lock on {rsc.LockedTo} cancelled, it is active");
                rsc.LockedTo = null;
            }
        }
        // Active on one node, counting copies stuck on offline nodes (Pacemaker's running_on).
        else if (rsc.ActiveOn.Count == 1 && !rsc.HasStuckCopies && ctx.Nodes[rsc.ActiveOn[0]] is { Shutdown: true, Unclean: false } node)
        {
            rsc.LockedTo = node.Name;
            rsc.LockTime = ShutdownTime(ctx, node);
        }
        if (rsc.LockedTo is not { } lockNode) return;
        ctx.Notes.Add($"{rsc.Id} locked to {lockNode} by its shutdown at {rsc.LockTime}");
        foreach (var other in ctx.NodeList)
            if (other.Name != lockNode) rsc.BannedOn.TryAdd(other.Name, Reason);
    }

    /// <summary>The node's shutdown attribute (the time it was asked to shut down), "now" when it is not a time.</summary>
    private static long ShutdownTime(PlanContext ctx, NodeView node) =>
        long.TryParse(ctx.State.StatusOf(node.Name)?.Attributes.Get("shutdown"), out var t) && t != 0 ? t : ctx.Now;
}

using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Feasibility;

/// <summary>Feasibility: one reason a node cannot take a resource. Returns the reason, or null when it can.</summary>
internal interface INodeCheck
{
    string Name { get; }
    string? Reject(PlanContext ctx, ResourceView rsc, NodeView node);
    /// <summary>False when <see cref="Reject"/> is null on every node for this resource (asked once per resource, to skip the rest).</summary>
    bool AppliesTo(PlanContext ctx, ResourceView rsc) => true;
}

/// <summary>
/// The checks in the order they are asked; the first rejection is the one reported. The node-wide ones (which
/// look at the node only) come first, so a node's node-wide verdict can be worked out once for every resource.
/// </summary>
internal static class NodeChecks
{
    /// <summary>Checks that depend on the node alone (the resource is not looked at).</summary>
    public static readonly INodeCheck[] NodeWide =
    [
        new NodeOnlineCheck(), new NodeCleanCheck(), new NodePendingCheck(), new NodeShutdownCheck(),
        new NodeStandbyCheck(), new NodeMaintenanceCheck(),
    ];

    /// <summary>Checks that depend on the resource too; asked after the node-wide ones.</summary>
    public static readonly INodeCheck[] PerResource = [new ResourceBanCheck()];

    public static readonly IReadOnlyList<INodeCheck> All = [.. NodeWide, .. PerResource];

    public static string? FirstRejection(PlanContext ctx, ResourceView rsc, NodeView node) =>
        (NodeWideRejection(ctx, rsc, node) ?? ResourceRejection(ctx, rsc, node))?.Reason;

    /// <summary>The first node-wide rejection; the same for every resource (<paramref name="rsc"/> is only passed along).</summary>
    public static (string Check, string Reason)? NodeWideRejection(PlanContext ctx, ResourceView rsc, NodeView node)
    {
        foreach (var check in NodeWide)
            if (check.Reject(ctx, rsc, node) is { } reason) return (check.Name, reason);
        return null;
    }

    /// <summary>Some per-resource check may reject a node for this resource (when not, only node-wide rejections remain).</summary>
    public static bool AnyResourceCheckApplies(PlanContext ctx, ResourceView rsc)
    {
        foreach (var check in PerResource)
            if (check.AppliesTo(ctx, rsc)) return true;
        return false;
    }

    public static (string Check, string Reason)? ResourceRejection(PlanContext ctx, ResourceView rsc, NodeView node)
    {
        foreach (var check in PerResource)
            if (check.Reject(ctx, rsc, node) is { } reason) return (check.Name, reason);
        return null;
    }
}

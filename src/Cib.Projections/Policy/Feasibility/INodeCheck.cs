using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Feasibility;

/// <summary>Feasibility: one reason a node cannot take a resource. Returns the reason, or null when it can.</summary>
internal interface INodeCheck
{
    string Name { get; }
    string? Reject(PlanContext ctx, ResourceView rsc, NodeView node);
}

/// <summary>The checks in the order they are asked; the first rejection is the one reported.</summary>
internal static class NodeChecks
{
    public static readonly IReadOnlyList<INodeCheck> All =
    [
        new NodeOnlineCheck(), new NodeCleanCheck(), new NodePendingCheck(), new NodeShutdownCheck(),
        new NodeStandbyCheck(), new NodeMaintenanceCheck(), new ResourceBanCheck(),
    ];

    public static string? FirstRejection(PlanContext ctx, ResourceView rsc, NodeView node)
    {
        foreach (var check in All)
            if (check.Reject(ctx, rsc, node) is { } reason) return reason;
        return null;
    }
}

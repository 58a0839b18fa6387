using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Feasibility;

internal sealed class NodeMaintenanceCheck : INodeCheck
{
    public const string Maintenance = "node is in maintenance";
    public string Name => "node-maintenance";
    public string? Reject(PlanContext ctx, ResourceView rsc, NodeView node) => node.Maintenance ? Maintenance : null;
}

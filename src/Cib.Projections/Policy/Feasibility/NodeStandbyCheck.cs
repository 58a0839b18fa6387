using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Feasibility;

internal sealed class NodeStandbyCheck : INodeCheck
{
    public const string Standby = "node is in standby";
    public string Name => "node-standby";
    public string? Reject(PlanContext ctx, ResourceView rsc, NodeView node) => node.Standby ? Standby : null;
}

using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Feasibility;

internal sealed class NodePendingCheck : INodeCheck
{
    public const string Pending = "node is still joining (pending)";
    public string Name => "node-pending";
    public string? Reject(PlanContext ctx, ResourceView rsc, NodeView node) => node.Pending ? Pending : null;
}

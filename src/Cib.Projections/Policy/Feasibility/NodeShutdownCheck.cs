using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Feasibility;

internal sealed class NodeShutdownCheck : INodeCheck
{
    public const string ShuttingDown = "node is shutting down";
    public string Name => "node-shutdown";
    public string? Reject(PlanContext ctx, ResourceView rsc, NodeView node) => node.Shutdown ? ShuttingDown : null;
}

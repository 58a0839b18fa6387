using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Feasibility;

internal sealed class NodeCleanCheck : INodeCheck
{
    public const string Unclean = "node is unclean and not yet fenced";
    public string Name => "node-clean";
    public string? Reject(PlanContext ctx, ResourceView rsc, NodeView node) => node.Unclean ? Unclean : null;
}

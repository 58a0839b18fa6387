using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Feasibility;

internal sealed class NodeOnlineCheck : INodeCheck
{
    public const string Offline = "node is offline";
    public string Name => "node-online";
    public string? Reject(PlanContext ctx, ResourceView rsc, NodeView node) => !node.Online ? Offline : null;
}

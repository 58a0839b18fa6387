using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Ranking;

/// <summary>
/// A resource the cluster does not manage (is-managed=false, or blocked by a failure or multiple-active=block) is
/// held where it is active with INFINITY (Pacemaker's "not_managed_default" location): it weighs there in its group's
/// choice and on the resources colocated with it, as crm_simulate's group scores show.
/// </summary>
internal sealed class UnmanagedPlaceScorer : IScorer
{
    public string Name => "not-managed";

    public bool AppliesTo(PlanContext ctx, ResourceView rsc) => (!rsc.Managed || rsc.Blocked) && rsc.IsActive;

    /// <remarks>
    /// Pacemaker sets that location while reading the history, on each node where the resource is found once it is
    /// unmanaged: unmanaged only because a node is in maintenance, it is held on that node and on those read after it
    /// (status order), not on an ordinary node read before (crm_simulate).
    /// </remarks>
    public Cib.Domain.Primitives.Score? Score(PlanContext ctx, ResourceView rsc, NodeView node)
    {
        if ((rsc.Managed && !rsc.Blocked) || !rsc.ActiveOn.Contains(node.Name)) return null;
        if (rsc.UnmanagedByConfiguration || rsc.Blocked) return Cib.Domain.Primitives.Score.Infinity;
        var from = rsc.ActiveOn.FindIndex(n => ctx.Nodes[n].Maintenance);
        return from >= 0 && rsc.ActiveOn.IndexOf(node.Name) >= from ? Cib.Domain.Primitives.Score.Infinity : null;
    }
}

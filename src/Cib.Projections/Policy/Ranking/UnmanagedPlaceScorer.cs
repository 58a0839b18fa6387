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

    public Cib.Domain.Primitives.Score? Score(PlanContext ctx, ResourceView rsc, NodeView node) =>
        (!rsc.Managed || rsc.Blocked) && rsc.ActiveOn.Contains(node.Name) ? Cib.Domain.Primitives.Score.Infinity : null;
}

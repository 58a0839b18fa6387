using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Ranking;

/// <summary>symmetric-cluster=false: a node is allowed only when a location constraint names it.</summary>
internal sealed class SymmetryScorer : IScorer
{
    public const string NotOptedIn = "asymmetric cluster and no location constraint allows this node";
    public string Name => "symmetric-cluster";

    public bool AppliesTo(PlanContext ctx, ResourceView rsc) => !ctx.IsSymmetric;

    public Score? Score(PlanContext ctx, ResourceView rsc, NodeView node)
    {
        if (ctx.IsSymmetric) return null;
        var named = ctx.LocationsFor(rsc.Id).Concat(rsc.Group is null ? [] : ctx.LocationsFor(rsc.Group.Id)).Any(l => l.Node == node.Name);
        return named ? null : Domain.Primitives.Score.MinusInfinity;
    }
}

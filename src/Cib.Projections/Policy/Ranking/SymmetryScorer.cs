using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Ranking;

/// <summary>symmetric-cluster=false: a node is allowed only when a location constraint names it.</summary>
internal sealed class SymmetryScorer : IScorer
{
    public const string NotOptedIn = "asymmetric cluster and no location constraint allows this node";
    public string Name => "symmetric-cluster";

    public Score? Score(PlanContext ctx, ResourceView rsc, NodeView node)
    {
        if (ctx.Options.IsSymmetric) return null;
        var named = ctx.Configuration.Constraints.Values.OfType<LocationConstraint>()
            .Any(l => l.Node == node.Name && (l.Resource == rsc.Id || l.Resource == rsc.Group?.Id));
        return named ? null : Domain.Primitives.Score.MinusInfinity;
    }
}

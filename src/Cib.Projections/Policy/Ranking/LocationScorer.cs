using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Ranking;

/// <summary>rsc_location: the constraint's score on its node, for the primitive and for its group.</summary>
internal sealed class LocationScorer : IScorer
{
    public string Name => "location";

    public bool AppliesTo(PlanContext ctx, ResourceView rsc) => ctx.HasLocations(rsc);

    public Score? Score(PlanContext ctx, ResourceView rsc, NodeView node)
    {
        if (!ctx.HasLocations(rsc)) return null;
        Score? total = null;
        var own = ctx.LocationsFor(rsc.Id);
        var group = rsc.Group is null ? [] : ctx.LocationsFor(rsc.Group.Id);
        foreach (var l in own.Concat(group))
            if (l.Node == node.Name)
                total = (total ?? Domain.Primitives.Score.Zero) + l.Score;
        return total;
    }
}

using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Ranking;

/// <summary>
/// rsc_location: the constraint's score on its node, for the primitive and for its group. A group's constraint
/// counts once, on its first member (the others are colocated with it); later members only take its ±INFINITY
/// (crm_simulate --show-scores: grp -100 on a node gives the first member -100 and the second 0).
/// </summary>
internal sealed class LocationScorer : IScorer
{
    public string Name => "location";

    public bool AppliesTo(PlanContext ctx, ResourceView rsc) => ctx.HasLocations(rsc);

    public Score? Score(PlanContext ctx, ResourceView rsc, NodeView node)
    {
        if (!ctx.HasLocations(rsc)) return null;
        Score? total = null;
        foreach (var l in ctx.LocationsFor(rsc.Id))
            if (l.Node == node.Name)
                total = (total ?? Domain.Primitives.Score.Zero) + l.Score;
        if (rsc.Group is not null)
        {
            var first = rsc.Group.Members.Count > 0 && rsc.Group.Members[0] == rsc.Id;
            foreach (var l in ctx.LocationsFor(rsc.Group.Id))
                if (l.Node == node.Name)
                    total = (total ?? Domain.Primitives.Score.Zero)
                        + (first || l.Score.IsInfinite || l.Score.IsMinusInfinite ? l.Score : Domain.Primitives.Score.Zero);
        }
        return total;
    }
}

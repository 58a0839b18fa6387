using Cib.Domain.Primitives;
using Cib.Projections.Policy.Feasibility;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Ranking;

/// <summary>
/// A resource banned from a node (hard error, migration-threshold) scores −INFINITY there. Node-wide
/// unavailability (offline, standby...) does not change a resource's own scores, as in Pacemaker: it filters the choice instead.
/// </summary>
internal sealed class FeasibilityScorer : IScorer
{
    public string Name => "feasibility";

    public bool AppliesTo(PlanContext ctx, ResourceView rsc) => rsc.BannedEverywhere || rsc.HasBans;

    public Score? Score(PlanContext ctx, ResourceView rsc, NodeView node) =>
        Ban.Reject(ctx, rsc, node) is null ? null : Domain.Primitives.Score.MinusInfinity;

    private static readonly ResourceBanCheck Ban = new();
}

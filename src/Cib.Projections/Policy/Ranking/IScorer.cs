using Cib.Domain.Primitives;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Ranking;

/// <summary>Ranking: one contribution to a primitive's own score on a node (before group and colocation merging).</summary>
internal interface IScorer
{
    string Name { get; }
    /// <summary>False when <see cref="Score"/> is null on every node for this resource (asked once per resource, to skip the rest).</summary>
    bool AppliesTo(PlanContext ctx, ResourceView rsc);
    /// <summary>
    /// True when <see cref="Score"/> can be non-null on one node at most for this resource: that node (null: none).
    /// Lets the ranking ask one node instead of all.
    /// </summary>
    bool OnlyOn(PlanContext ctx, ResourceView rsc, out NodeView? node)
    {
        node = null;
        return false;
    }
    /// <summary>The contribution, or null when this scorer has nothing to say.</summary>
    Score? Score(PlanContext ctx, ResourceView rsc, NodeView node);
}

internal static class Scorers
{
    public static readonly IReadOnlyList<IScorer> All =
        [new SymmetryScorer(), new LocationScorer(), new StickinessScorer(), new FeasibilityScorer(), new TargetRoleScorer(), new ForceStoppedScorer(), new UnmanagedPlaceScorer()];
}

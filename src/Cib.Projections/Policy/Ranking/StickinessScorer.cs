using System.Runtime.CompilerServices;
using Cib.Domain.Primitives;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Ranking;

/// <summary>resource-stickiness (meta, group meta or rsc_defaults; 0 when unset) on the node it runs on.</summary>
internal sealed class StickinessScorer : IScorer
{
    public string Name => "stickiness";

    public bool AppliesTo(PlanContext ctx, ResourceView rsc) => rsc.Managed && rsc.ActiveOn.Count == 1 && rsc.Stickiness.Value != 0;

    /// <summary>Only the node it runs on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool OnlyOn(PlanContext ctx, ResourceView rsc, out NodeView? node)
    {
        node = rsc.Current is { } current && ctx.Nodes.TryGetValue(current, out var n) ? n : null;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Score? Score(PlanContext ctx, ResourceView rsc, NodeView node) =>
        rsc.Managed && rsc.ActiveOn.Count == 1 && rsc.Current == node.Name && rsc.Stickiness.Value != 0
            ? rsc.Stickiness : null;
}

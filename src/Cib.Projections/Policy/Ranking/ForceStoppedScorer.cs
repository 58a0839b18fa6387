using Cib.Domain.Primitives;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Ranking;

/// <summary>
/// on-fail=stop after a failure, or multiple-active=stop_only when active on several nodes: Pacemaker bans the
/// resource from every node (−INFINITY), so it weighs there like any ban: in its group's scores, and on the
/// resources colocated with it.
/// </summary>
internal sealed class ForceStoppedScorer : IScorer
{
    public string Name => "on-fail=stop";

    public bool AppliesTo(PlanContext ctx, ResourceView rsc) => rsc.ForceStopped;

    public Score? Score(PlanContext ctx, ResourceView rsc, NodeView node) =>
        rsc.ForceStopped ? Domain.Primitives.Score.MinusInfinity : null;
}

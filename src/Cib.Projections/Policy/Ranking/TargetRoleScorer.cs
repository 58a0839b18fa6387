using Cib.Domain.Primitives;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Ranking;

/// <summary>target-role=Stopped: −INFINITY everywhere (the resource is disabled).</summary>
internal sealed class TargetRoleScorer : IScorer
{
    public const string Disabled = "target-role is Stopped";
    public string Name => "target-role";

    public bool AppliesTo(PlanContext ctx, ResourceView rsc) => rsc.TargetStopped;

    public Score? Score(PlanContext ctx, ResourceView rsc, NodeView node) =>
        rsc.TargetStopped ? Domain.Primitives.Score.MinusInfinity : null;
}

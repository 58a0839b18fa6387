using Cib.Domain.Primitives;
using Cib.Projections.Policy.Feasibility;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Ranking;

/// <summary>A node that fails a feasibility check scores −INFINITY; the check's reason goes to the trace.</summary>
internal sealed class FeasibilityScorer : IScorer
{
    public string Name => "feasibility";

    public Score? Score(PlanContext ctx, ResourceView rsc, NodeView node) =>
        NodeChecks.FirstRejection(ctx, rsc, node) is null ? null : Domain.Primitives.Score.MinusInfinity;
}

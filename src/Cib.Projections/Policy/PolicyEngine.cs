using Cib.Domain.Primitives;
using Cib.Projections.Policy.Actions;
using Cib.Projections.Policy.Fencing;
using Cib.Projections.Policy.Ordering;
using Cib.Projections.Policy.Ranking;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy;

/// <summary>
/// The policy engine: a pure function from cluster state to transition. The pipeline (see README.md):
/// reconcile → feasibility → ranking → ordering → fencing → actions.
/// </summary>
public static class PolicyEngine
{
    public static Transition Plan(ClusterState state)
    {
        var ctx = new PlanContext(state);
        ReconcileStep.Run(ctx);
        Feasibility.FeasibilityStep.Run(ctx);
        RankingStep.Run(ctx);
        OrderingStep.Run(ctx);
        var fences = FencingStep.Run(ctx);
        var (actions, orderings, changes) = ActionsStep.Run(ctx, fences);
        return new Transition(
            ValueList<PlannedAction>.Of(actions),
            ValueList<ActionOrdering>.Of(orderings),
            ValueList<ResourceChange>.Of(changes),
            new PlanTrace(ValueList<ScoreEntry>.Of(ctx.Scores), ValueList<string>.Of(ctx.Notes),
                ValueList<Placement>.Of(ActionsStep.Outcome(ctx, actions, changes))));
    }
}

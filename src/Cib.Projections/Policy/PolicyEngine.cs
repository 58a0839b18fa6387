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
    public const string NoFenceDevice = "resource start-up disabled since no fence device is defined and stonith-enabled is true";

    public static Transition Plan(ClusterState state)
    {
        var ctx = new PlanContext(state);
        if (state.Configuration.Options.IsStonithEnabled && !state.Configuration.FenceDevices.Any())
        {
            // Pacemaker refuses to manage anything when fencing is required but nothing can fence.
            ctx.Notes.Add(NoFenceDevice);
            return new Transition(ValueList<GraphAction>.Empty, ValueList<ActionOrdering>.Empty, ValueList<ResourceChange>.Empty,
                new PlanTrace(ValueList<ScoreEntry>.Empty, ValueList<string>.Of(ctx.Notes), ValueList<Placement>.Empty));
        }
        ReconcileStep.Run(ctx);
        Feasibility.FeasibilityStep.Run(ctx);
        RankingStep.Run(ctx);
        ActionsStep.FreezeStarts(ctx);
        OrderingStep.Run(ctx);
        var fences = FencingStep.Run(ctx);
        var (actions, orderings, changes) = ActionsStep.Run(ctx, fences);
        var graph = ValueList<GraphAction>.Of(actions);
        var edges = ValueList<ActionOrdering>.Of(orderings);
        return new Transition(
            graph,
            () => ExecutionOrder.With(graph, edges),
            ValueList<ResourceChange>.Of(changes),
            new PlanTrace(ctx.Scores.ToEntries, ValueList<string>.Of(ctx.Notes),
                ValueList<Placement>.Of(ActionsStep.Outcome(ctx, actions, changes))) { Rejections = ValueList<Rejection>.Of(ctx.Rejections) });
    }
}

namespace Cib.Projections.Policy.Feasibility;

/// <summary>Step 2, feasibility: records, for every resource, every node it cannot use and why.</summary>
internal static class FeasibilityStep
{
    public const string Name = "feasibility";

    public static void Run(PlanContext ctx)
    {
        foreach (var rsc in ctx.Resources)
            foreach (var node in ctx.Nodes.Values)
                if (NodeChecks.FirstRejection(ctx, rsc, node) is { } reason)
                    ctx.Notes.Add($"{rsc.Id} cannot run on {node.Name}: {reason}");
    }
}

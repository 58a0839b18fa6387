using Cib.Projections.Policy.Reconcile;
using System.Runtime.CompilerServices;
namespace Cib.Projections.Policy.Feasibility;

/// <summary>Step 2, feasibility: records, for every resource, every node it cannot use, the check that ruled it out and why.</summary>
internal static class FeasibilityStep
{
    public const string Name = "feasibility";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(PlanContext ctx)
    {
        if (ctx.Resources.Count == 0) return;
        // Node-wide verdicts do not depend on the resource: asked once per node.
        var nodes = ctx.NodeList;
        var nodeWide = nodes.Select(n => NodeChecks.NodeWideRejection(ctx, ctx.Resources[0], n)).ToArray();
        var rejecting = Enumerable.Range(0, nodes.Count).Where(i => nodeWide[i] is not null).ToArray();
        foreach (var rsc in ctx.Resources)
        {
            if (!NodeChecks.AnyResourceCheckApplies(ctx, rsc))
            {
                // Only the node-wide rejections (in node order).
                foreach (var i in rejecting) Reject(ctx, rsc, nodes[i], nodeWide[i]!.Value);
                continue;
            }
            for (var i = 0; i < nodes.Count; i++)
                if ((nodeWide[i] ?? NodeChecks.ResourceRejection(ctx, rsc, nodes[i])) is { } rejection)
                    Reject(ctx, rsc, nodes[i], rejection);
        }
    }

    private static void Reject(PlanContext ctx, ResourceView rsc, NodeView node, (string Check, string Reason) rejection)
    {
        ctx.Rejections.Add(new Rejection(rsc.Id, node.Name, rejection.Check, rejection.Reason));
        ctx.Notes.Add($"{rsc.Id} cannot run on {node.Name}: {rejection.Reason}");
    }
}

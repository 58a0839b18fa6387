namespace Cib.Projections.Policy.Fencing;

/// <summary>
/// Step 5, fencing: every unclean node is fenced when fencing is possible (enabled, and quorate or told to ignore
/// quorum). A failed stop also makes its node unclean. What ran on a node being fenced is recovered only after it.
/// </summary>
internal static class FencingStep
{
    public const string Name = "fencing";
    public const string StopFailed = "failed there";

    public static List<(string Node, string Reason)> Run(PlanContext ctx)
    {
        var fenced = new List<(string, string)>();
        foreach (var rsc in ctx.Resources)
            foreach (var n in rsc.StopFailedNodes)
                if (ctx.Options.IsStonithEnabled) ctx.Nodes[n].Fence($"{rsc.Id} {StopFailed}");
        foreach (var node in ctx.Nodes.Values)
            if (node.Unclean && node.FenceReason is not null && ctx.CanFenceNode(node))
                fenced.Add((node.Name, node.FenceReason));
        return fenced;
    }
}

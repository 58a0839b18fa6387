using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
namespace Cib.Projections.Policy.Fencing;

/// <summary>
/// Step 5, fencing: every unclean node is fenced when fencing is possible (enabled, and quorate or told to ignore
/// quorum). A failed stop also makes its node unclean. What ran on a node being fenced is recovered only after it.
/// </summary>
internal static class FencingStep
{
    public const string Name = "fencing";
    public const string StopFailed = "failed there";
    public const string NothingManaged = "no fencing while no resource is managed";

    /// <summary>
    /// Some top-level resource is managed: a primitive outside groups that is neither unmanaged nor blocked, or a group
    /// (a group's own flag is its own meta, whatever its members' state).
    /// </summary>
    private static bool AnyManaged(PlanContext ctx)
    {
        foreach (var top in ctx.TopLevel)
        {
            if (top is Group g)
            {
                var managed = g.Meta.Get(MetaAttributes.IsManaged) ?? ctx.Configuration.ResourceDefaults.Get(MetaAttributes.IsManaged);
                var maintenance = g.Meta.Get(MetaAttributes.Maintenance) ?? ctx.Configuration.ResourceDefaults.Get(MetaAttributes.Maintenance);
                if (!ctx.Options.IsMaintenanceMode && !(managed is not null && Flags.TryParse(managed, out var on) && !on) && !Flags.IsTrue(maintenance))
                    return true;
            }
            else if (ctx.ById.TryGetValue(top.Id, out var rsc) && rsc.Managed && !rsc.Blocked) return true;
        }
        return false;
    }

    public static List<(string Node, string Reason)> Run(PlanContext ctx)
    {
        var fenced = new List<(string, string)>();
        // Pacemaker fences nothing while it manages nothing: every resource unmanaged (is-managed=false, maintenance,
        // blocked) leaves unclean nodes unclean ("No fencing will be done until there are resources to manage").
        if (!AnyManaged(ctx))
        {
            ctx.Notes.Add(NothingManaged);
            return fenced;
        }
        foreach (var rsc in ctx.Resources)
            foreach (var n in rsc.StopFailedNodes)
                if (ctx.Options.IsStonithEnabled) ctx.Nodes[n].Fence($"{rsc.Id} {StopFailed}");
        foreach (var node in ctx.Nodes.Values)
            if (node.Unclean && node.FenceReason is not null && ctx.CanFenceNode(node))
                fenced.Add((node.Name, node.FenceReason));
        return fenced;
    }
}

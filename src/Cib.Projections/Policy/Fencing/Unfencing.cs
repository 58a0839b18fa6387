using Cib.Domain.Nodes;
using Cib.Domain.Transitions;

namespace Cib.Projections.Policy.Fencing;

/// <summary>
/// Unfencing: when a fence device has meta provides=unfencing (fence_scsi and kin), a node must be unfenced
/// ("Fence (on)") before anything runs or is probed there, unless it already was (#node-unfenced).
/// </summary>
internal static class Unfencing
{
    public const string Name = "unfencing";
    public const string UnfencedAttribute = "#node-unfenced";

    public static bool Required(PlanContext ctx) =>
        ctx.Options.IsStonithEnabled
        && ctx.Resources.Any(r => r.Primitive.IsFenceDevice && r.Primitive.Meta.Get("provides") == "unfencing");

    /// <summary>Unfence actions for the nodes that need one, ordered before the node's first action.</summary>
    public static void Add(PlanContext ctx, List<GraphAction> actions, List<ActionOrdering> orderings, List<ResourceChange> changes)
    {
        if (!Required(ctx)) return;
        foreach (var node in ctx.Nodes.Values.Where(n => n.Online && !n.Unclean))
        {
            var status = ctx.State.StatusOf(node.Name);
            if (Flags.IsTrue(status?.Attributes.Get(UnfencedAttribute)) || status?.Attributes.Get(UnfencedAttribute) is { Length: > 1 }) continue;
            var onNode = actions.Where(a => a.Node == node.Name && a.Kind is ActionKind.Probe or ActionKind.Start).ToList();
            if (onNode.Count == 0) continue;
            var first = onNode[0];
            var why = $"required by {first.Resource} {(first.Kind == ActionKind.Probe ? "monitor" : "start")}";
            var key = $"unfence:{node.Name}";
            actions.Add(new GraphAction(key, ActionKind.Fence, null, node.Name, true, why));
            changes.Insert(0, new ResourceChange(ChangeKind.Fence, node.Name, null, null, why, false) { FenceAction = "on" });
            foreach (var a in onNode) orderings.Add(new ActionOrdering(key, a.Key, "unfence before anything runs there"));
        }
    }
}

using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Feasibility;

/// <summary>The resource itself may not run there: a hard error, or its fail count reached migration-threshold.</summary>
internal sealed class ResourceBanCheck : INodeCheck
{
    public const string BannedEverywhere = "resource cannot run anywhere";
    public string Name => "resource-ban";

    public bool AppliesTo(PlanContext ctx, ResourceView rsc) => rsc.BannedEverywhere || rsc.HasBans;

    public string? Reject(PlanContext ctx, ResourceView rsc, NodeView node) =>
        rsc.BannedEverywhere ? rsc.BannedEverywhereReason ?? BannedEverywhere
        : rsc.BanReason(node.Name);
}

namespace Cib.Projections.Policy.Reconcile;

/// <summary>A node as the planner sees it after reading its status entry.</summary>
internal sealed class NodeView(string name)
{
    public string Name { get; } = name;
    /// <summary>Position among the nodes in ordinal name order (<see cref="PlanContext.NodeList"/>).</summary>
    public int Index { get; set; }
    public bool Online { get; set; }
    public bool Unclean { get; set; }
    public bool Standby { get; set; }
    public bool Pending { get; set; }
    public bool Shutdown { get; set; }
    public bool Maintenance { get; set; }
    public bool Seen { get; set; }
    /// <summary>In the cluster membership (in_ccm), whatever else is wrong with it: such a node can be fenced without quorum.</summary>
    public bool InMembership { get; set; }
    public string? FenceReason { get; set; }
    /// <summary>Resources assigned so far; Pacemaker balances by this count on equal scores.</summary>
    public int AssignedCount { get; set; }

    public void Fence(string reason)
    {
        Unclean = true;
        FenceReason ??= reason;
    }

    /// <summary>Can run resources at all (Pacemaker's can_run_resources).</summary>
    public bool CanRunResources => Online && !Unclean && !Standby && !Pending && !Shutdown && !Maintenance;
}

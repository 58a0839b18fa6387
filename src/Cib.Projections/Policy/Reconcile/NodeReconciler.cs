using Cib.Domain.Configuration;
using Cib.Domain.Nodes;

namespace Cib.Projections.Policy.Reconcile;

/// <summary>
/// Reconcile, nodes: decides from each node's status entry whether it is online, pending, shutting down
/// or unclean (and why), following Pacemaker's reading of in_ccm / crmd / join / expected.
/// </summary>
internal static class NodeReconciler
{
    public const string NotSeen = "peer has not been seen by the cluster";
    public const string MembershipNack = "peer failed Pacemaker membership criteria";
    public const string NoLongerMember = "peer is no longer part of the cluster";
    public const string ProcessGone = "peer process is no longer available";
    public const string TerminationRequested = "termination was requested";
    public const string UnknownState = "peer was in an unknown state";
    public const string NeverSeen = "node is unclean";
    public const string UnexpectedlyDown = "peer is unexpectedly down";

    public static NodeView Read(NodeDefinition definition, NodeStatus? status, ClusterOptions options)
    {
        var node = new NodeView(definition.Name)
        {
            Standby = definition.IsStandby || IsTrue(status, NodeDefinition.StandbyAttribute),
            Maintenance = definition.IsMaintenance || IsTrue(status, NodeDefinition.MaintenanceAttribute),
        };
        if (status is null)
        {
            // Never seen: with startup-fencing (the default) it is unclean until fenced, as nothing is known of it.
            if (options.IsStonithEnabled && !(Flags.TryParse(options.Properties.Get("startup-fencing"), out var sf) && !sf))
                node.Fence(NeverSeen);
            return node;
        }
        node.Seen = true;
        var shutdown = status.Attributes.Get("shutdown") is { } s && s != "0" && s.Length > 0;
        node.Shutdown = shutdown;
        var terminate = status.Attributes.Get("terminate") is { } t && (Flags.IsTrue(t) || (t.Length > 0 && t[0] is >= '1' and <= '9'));
        if (status.Membership is { } membership) return FromMembership(node, membership, shutdown, terminate, options);
        var inCluster = status.InCluster;
        var inCcm = Flags.IsTrue(inCluster) || (inCluster is { Length: > 0 } && inCluster[0] is >= '1' and <= '9');
        var crmdOnline = string.Equals(status.Crmd, NodeStatus.Online, StringComparison.OrdinalIgnoreCase)
            || (status.Crmd is { Length: > 0 } c && c[0] is >= '1' and <= '9');
        var join = status.Join;
        node.InMembership = inCcm;
        var expected = status.Expected ?? "down";

        if (!options.IsStonithEnabled)
        {
            if (!inCcm) node.Online = false;
            else if (crmdOnline) node.Online = Is(join, "member");
            else if (!Is(expected, "member")) node.Online = false;
            else node.Fence(UnexpectedlyDown);
            node.Online &= !node.Unclean;
            return node;
        }

        if (shutdown) node.Online = crmdOnline;
        else if (inCluster is null) node.Fence(NotSeen);
        else if (Is(join, "nack") || Is(join, "banned")) node.Fence(MembershipNack);
        else if (!terminate && Is(expected, "down"))
        {
            if (inCcm || crmdOnline) { node.Pending = true; node.Standby = true; node.Online = inCcm; }
        }
        else if (terminate && Is(join, "down") && !inCcm && !crmdOnline) node.Online = false;
        else if (!inCcm) node.Fence(NoLongerMember);
        else if (!crmdOnline) node.Fence(ProcessGone);
        else if (terminate) node.Fence(TerminationRequested);
        else if (Is(join, "member")) node.Online = true;
        else if (Is(join, "pending") || Is(join, "down")) { node.Online = inCcm; node.Pending = true; node.Standby = true; }
        else node.Fence(UnknownState);
        if (!node.Unclean && !shutdown && !node.Pending) node.Online = inCcm && crmdOnline && Is(join, "member");
        if (node.Unclean) node.Online = false;
        return node;
    }

    /// <summary>
    /// The log's typed membership, read as Pacemaker reads the node_state entry each stands for: online is a full
    /// member (fenced if termination was requested while not shutting down), unclean was lost while a member
    /// (fenced, with fencing enabled, unless it was shutting down), fenced or left is cleanly down.
    /// </summary>
    private static NodeView FromMembership(NodeView node, NodeMembership membership, bool shutdown, bool terminate, ClusterOptions options)
    {
        switch (membership)
        {
            case NodeMembership.Online:
                node.InMembership = true;
                if (options.IsStonithEnabled && terminate && !shutdown) node.Fence(TerminationRequested);
                else node.Online = true;
                break;
            case NodeMembership.Unclean:
                if (options.IsStonithEnabled && !shutdown) node.Fence(NoLongerMember);
                break;
        }
        return node;
    }

    private static bool Is(string? value, string expected) => string.Equals(value, expected, StringComparison.OrdinalIgnoreCase);

    private static bool IsTrue(NodeStatus? status, string attribute) => Flags.IsTrue(status?.Attributes.Get(attribute));
}

using System.Collections.Immutable;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;

namespace Cib.Projections.Policy;

/// <summary>
/// Everything the policy engine decides from: the configuration, what each node reported (membership and
/// operation history, as Pacemaker's status section), "now" and quorum. Pure data; no clock is read.
/// </summary>
public sealed record ClusterState(
    ClusterConfiguration Configuration,
    ImmutableSortedDictionary<string, NodeStatus> Nodes,
    long NowEpochSeconds,
    bool HasQuorum)
{
    public static ClusterState Of(ClusterConfiguration configuration, IEnumerable<NodeStatus> nodes, long now, bool hasQuorum = true) =>
        new(configuration, nodes.ToImmutableSortedDictionary(n => n.Name, n => n, StringComparer.Ordinal), now, hasQuorum);

    /// <summary>Top-level resources in configuration (document) order; Pacemaker breaks some ties by it. Empty: by id.</summary>
    public ValueList<string> ResourceOrder { get; init; } = ValueList<string>.Empty;

    /// <summary>The cib's no-quorum-panic flag: quorum was lost (not merely never reached); no-quorum-policy=suicide acts on it.</summary>
    public bool NoQuorumPanic { get; init; }

    /// <summary>Nodes in the order their status entries were recorded; Pacemaker lists where a resource runs in it. Empty: by name.</summary>
    public ValueList<string> StatusOrder { get; init; } = ValueList<string>.Empty;

    public NodeStatus? StatusOf(string node) => Nodes.TryGetValue(node, out var s) ? s : null;
}

/// <summary>
/// One node's status entry (Pacemaker's node_state): membership flags as reported, transient attributes
/// (fail counts, last failures, shutdown...) and the operation history of every resource it touched. An entry
/// made from the log (<see cref="Of"/>) carries the typed <see cref="Membership"/> instead of the node_state flags.
/// </summary>
public sealed record NodeStatus(
    string Name,
    string? InCluster,
    string? Crmd,
    string? Join,
    string? Expected,
    ValueMap Attributes,
    ValueList<ResourceHistory> Resources)
{
    public const string Online = "online";
    public const string Member = "member";

    /// <summary>The membership as the log knows it; when set, the engine reads it and the node_state flags are null.</summary>
    public NodeMembership? Membership { get; init; }

    /// <summary>A node's entry from the log: its typed membership, transient attributes and operation history.</summary>
    public static NodeStatus Of(string name, NodeMembership membership, ValueMap attributes, ValueList<ResourceHistory> resources) =>
        new(name, null, null, null, null, attributes, resources) { Membership = membership };

    /// <summary>A node that is up and a full member, as a healthy node reports itself.</summary>
    public static NodeStatus Up(string name, params ResourceHistory[] resources) =>
        new(name, "true", Online, Member, Member, ValueMap.Empty, ValueList<ResourceHistory>.Of(resources));

    /// <summary>A node that left the membership without being fenced (unclean when fencing is enabled).</summary>
    public static NodeStatus Lost(string name, params ResourceHistory[] resources) =>
        new(name, "false", "offline", Member, Member, ValueMap.Empty, ValueList<ResourceHistory>.Of(resources));

    /// <summary>A node that shut down cleanly.</summary>
    public static NodeStatus Down(string name) =>
        new(name, "false", "offline", "down", "down", ValueMap.Empty, ValueList<ResourceHistory>.Empty);
}

/// <summary>The operation history of one resource on one node (lrm_resource).</summary>
public sealed record ResourceHistory(string ResourceId, string? Agent, ValueList<OperationRecord> Operations)
{
    /// <summary>
    /// The lrm_resource's shutdown-lock: when (epoch seconds) it was stopped there by the node's clean shutdown and locked
    /// to the node (cluster property shutdown-lock); null when it is not locked.
    /// </summary>
    public long? ShutdownLock { get; init; }
}

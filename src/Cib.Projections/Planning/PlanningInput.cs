using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Projections.Policy;
using Cib.Projections.ReadModels.ClusterStatus;

namespace Cib.Projections.Planning;

/// <summary>
/// Turns what the log says (configuration + status read model) into the policy engine's input: per node its typed
/// membership, fail-count attributes and the status read model's operation records. Pure: "now" is an argument.
/// </summary>
public static class PlanningInput
{
    public static ClusterState From(ClusterConfiguration configuration, ClusterStatus status, DateTimeOffset now)
    {
        var nodes = new List<NodeStatus>();
        foreach (var node in configuration.Nodes.Keys)
        {
            var membership = status.Membership.Of(node);
            var history = configuration.Resources.Keys
                .Select(r => History(r, node, configuration, status))
                .Where(h => h is not null)
                .Select(h => h!)
                .ToArray();
            var attributes = FailureAttributes(node, status, configuration.Options.IsStartFailureFatal);
            // An operator's fence request is Pacemaker's terminate attribute: the engine fences the node for it.
            if (status.TerminationRequested.Contains(node)) attributes = attributes.Set("terminate", "true");
            NodeStatus? entry = membership switch
            {
                NodeMembership.Online or NodeMembership.Unclean => NodeStatus.Of(node, membership, attributes, ValueList<ResourceHistory>.Of(history)),
                // Cleanly down: nothing runs there.
                NodeMembership.Fenced or NodeMembership.Offline { Since: not null } => NodeStatus.Of(node, membership, attributes, ValueList<ResourceHistory>.Empty),
                // Never seen by this cluster: no status entry, so startup fencing applies as in Pacemaker.
                _ => null,
            };
            if (entry is not null) nodes.Add(entry);
        }
        var quorum = MembershipDecider.HasQuorum(configuration.Nodes.Keys.ToList(), status.Membership.OnlineNodes);
        return ClusterState.Of(configuration, nodes, now.ToUnixTimeSeconds(), quorum);
    }

    private static ResourceHistory? History(string resource, string node, ClusterConfiguration configuration, ClusterStatus status)
    {
        var ops = status.OperationsOf(resource, node);
        if (ops.Count == 0) return null;
        var agent = configuration.Resources.GetValueOrDefault(resource) is Cib.Domain.Resources.Primitive p ? p.Agent.ToString() : null;
        // The policy engine reads the status read model's own records, in the order they happened.
        return new ResourceHistory(resource, agent, ValueList<OperationRecord>.Of(ops.Values.OrderBy(o => o.Sequence)));
    }

    /// <summary>
    /// Pacemaker's fail-count and last-failure attributes. A failed start counts as INFINITY while
    /// start-failure-is-fatal (the default): the node is banned for the resource until a cleanup.
    /// </summary>
    private static ValueMap FailureAttributes(string node, ClusterStatus status, bool startFailureIsFatal)
    {
        var pairs = new List<(string, string)>();
        foreach (var ((resource, n), failure) in status.Failures)
        {
            if (n != node) continue;
            pairs.Add(($"fail-count-{resource}", failure.StartFailed && startFailureIsFatal
                ? Score.Infinity.ToString()
                : failure.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            pairs.Add(($"last-failure-{resource}", failure.LastFailure.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        return ValueMap.Of(pairs.ToArray());
    }
}

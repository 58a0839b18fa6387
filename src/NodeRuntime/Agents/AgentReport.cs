using Cib.Domain.Resources;
using Cib.Projections.Store;

namespace NodeRuntime.Agents;

/// <summary>
/// Tells the cluster which agents this node has (decision 0017): at start, the node replaces its rows of
/// <c>cib.ha_node_agents</c> with what <see cref="AgentMetadataCatalog.ListInstalled"/> finds, then reads the meta-data
/// of each agent that no node has described for the same stamp, one at a time, and stores it (or why it could not be
/// read). An agent another node has read meanwhile is taken from its row instead of being run again; each node starts
/// at its own place in the list, so nodes starting together share the work rather than repeat it.
/// </summary>
public static class AgentReport
{
    /// <summary>What one report did: the agents found here, and how many of them this node ran for their meta-data.</summary>
    public sealed record Result(int Installed, int Read, int Failed);

    public static async Task<Result> RunAsync(NodeAgents store, string node, AgentMetadataCatalog catalog, CancellationToken ct = default)
    {
        var installed = catalog.ListInstalled();
        await store.ReplaceAsync(node, installed, ct);
        var pending = await store.UndescribedAsync(node, ct);
        var read = 0;
        var failed = 0;
        var first = pending.Count == 0 ? 0 : (int)(AgentMetadataCatalog.Fnv1a(node) % (ulong)pending.Count);
        foreach (var agent in pending.Skip(first).Concat(pending.Take(first)))
        {
            ct.ThrowIfCancellationRequested();
            if (await store.AdoptAsync(node, agent, ct)) continue;
            string? xml = null;
            string? error = null;
            if (!ResourceAgent.TryParse(agent.Agent, out var parsed))
                error = $"'{agent.Agent}' is not an agent name (class:[provider:]type)";
            else
                try
                {
                    xml = await catalog.ReadXmlAsync(parsed, ct);
                }
                catch (AgentMetadataException e)
                {
                    error = e.Message;
                }
            await store.DescribeAsync(node, agent, xml, error, ct);
            read++;
            if (error is not null) failed++;
        }
        return new Result(installed.Count, read, failed);
    }
}

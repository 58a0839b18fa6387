using System.Collections.Concurrent;
using Cib.Domain.Resources;
using NodeRuntime.Fencing;

namespace NodeRuntime.Agents;

/// <summary>
/// Reads and caches agents' meta-data (one run of <c>meta-data</c> per agent per process), and
/// validates primitives against it. The API and the web form use this to describe agents.
/// OCF agents run <c>AGENT meta-data</c>; fence agents <c>fence_X -o metadata</c>; the built-in
/// <c>stonith:external/libvirt</c> device describes itself.
/// </summary>
public sealed class AgentMetadataCatalog(string ocfRoot = OcfEnvironment.DefaultRoot, string fenceAgentDirectory = FenceAgentDevice.DefaultDirectory)
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<string, Lazy<Task<AgentMetadata>>> _cache = new(StringComparer.Ordinal);

    /// <summary>The agent's meta-data; throws <see cref="AgentMetadataException"/> with a clear message when it cannot be had.</summary>
    public Task<AgentMetadata> GetAsync(ResourceAgent agent, CancellationToken ct = default)
    {
        var key = agent.ToString();
        var entry = _cache.GetOrAdd(key, _ => new Lazy<Task<AgentMetadata>>(() => LoadAsync(agent, ct)));
        var task = entry.Value;
        // A failed read is not cached: the agent may be installed a moment later.
        if (task.IsFaulted || task.IsCanceled) _cache.TryRemove(new KeyValuePair<string, Lazy<Task<AgentMetadata>>>(key, entry));
        return task;
    }

    public async Task<IReadOnlyList<ParameterProblem>> ValidateAsync(Primitive primitive, CancellationToken ct = default)
    {
        AgentMetadata metadata;
        try
        {
            metadata = await GetAsync(primitive.Agent, ct);
        }
        catch (AgentMetadataException e)
        {
            return [new ParameterProblem(primitive.Id, "", e.Message)];
        }
        return ParameterValidator.Validate(primitive, metadata);
    }

    /// <summary>OCF providers and types installed here ("ocf:heartbeat:Dummy", ...), sorted.</summary>
    public IReadOnlyList<string> ListOcfAgents()
    {
        var root = Path.Combine(ocfRoot, "resource.d");
        if (!Directory.Exists(root)) return [];
        return Directory.EnumerateDirectories(root)
            .SelectMany(dir => Directory.EnumerateFiles(dir).Where(f => !Path.GetFileName(f).StartsWith('.')).Select(f => $"ocf:{Path.GetFileName(dir)}:{Path.GetFileName(f)}"))
            .Order(StringComparer.Ordinal).ToList();
    }

    private async Task<AgentMetadata> LoadAsync(ResourceAgent agent, CancellationToken ct)
    {
        var name = agent.ToString();
        switch (agent.Class)
        {
            case ResourceAgent.Ocf:
            {
                var path = OcfEnvironment.AgentPath(agent, ocfRoot) ?? throw new AgentMetadataException($"'{name}' is not a valid OCF agent name (ocf:provider:type)");
                if (!File.Exists(path)) throw new AgentMetadataException($"agent {name} is not installed ({path} not found)");
                var env = new Dictionary<string, string> { ["OCF_ROOT"] = ocfRoot, ["OCF_RESOURCE_INSTANCE"] = "meta-data" };
                return Parse(name, await AgentProcess.RunAsync(path, ["meta-data"], env, MetadataTimeout, ct, keepFullStdout: true));
            }
            case ResourceAgent.Stonith when agent.Type == LibvirtSshFenceDevice.AgentType:
                return AgentMetadata.Parse(name, LibvirtSshFenceDevice.MetadataXml);
            case ResourceAgent.Stonith:
            {
                var path = FenceAgentDevice.AgentPath(agent.Type, fenceAgentDirectory) ?? throw new AgentMetadataException($"'{name}' is not a fence agent this node can run (stonith:fence_* or stonith:{LibvirtSshFenceDevice.AgentType})");
                if (!File.Exists(path)) throw new AgentMetadataException($"fence agent {name} is not installed ({path} not found)");
                return Parse(name, await AgentProcess.RunAsync(path, ["-o", "metadata"], new Dictionary<string, string>(), MetadataTimeout, ct, keepFullStdout: true));
            }
            default:
                throw new AgentMetadataException($"{name}: only ocf and stonith agents describe their parameters (LSB scripts take none)");
        }
    }

    private static AgentMetadata Parse(string name, AgentProcessResult run)
    {
        if (run.CouldNotStart) throw new AgentMetadataException($"{name}: could not run meta-data: {run.StartError}");
        if (run.TimedOut) throw new AgentMetadataException($"{name}: meta-data timed out");
        if (run.ExitCode != 0) throw new AgentMetadataException($"{name}: meta-data exited {run.ExitCode}: {run.StderrTail}");
        return AgentMetadata.Parse(name, run.StdoutTail);
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using Cib.Projections.Store;
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

    /// <summary>
    /// Every agent installed here, with the stamp of its file: OCF agents (<c>ocf:provider:type</c>), fence agents
    /// (<c>stonith:fence_X</c>) and the built-in <c>stonith:external/libvirt</c>, sorted. The stamp is the file's size and
    /// modification time (dpkg gives an installed file the time it has in its package, so one package version has one
    /// stamp on every node); the built-in device's is a checksum of its meta-data.
    /// </summary>
    public IReadOnlyList<InstalledAgent> ListInstalled()
    {
        var found = new List<InstalledAgent>();
        var root = Path.Combine(ocfRoot, "resource.d");
        if (Directory.Exists(root))
            foreach (var provider in Directory.EnumerateDirectories(root).Where(d => OcfEnvironment.SafeName(Path.GetFileName(d))))
                foreach (var file in Directory.EnumerateFiles(provider).Where(f => OcfEnvironment.SafeName(Path.GetFileName(f)) && !Path.GetFileName(f).StartsWith('.')))
                    found.Add(new InstalledAgent($"ocf:{Path.GetFileName(provider)}:{Path.GetFileName(file)}", Stamp(file)));
        if (Directory.Exists(fenceAgentDirectory))
            foreach (var file in Directory.EnumerateFiles(fenceAgentDirectory, "fence_*").Where(f => FenceAgentDevice.AgentPath(Path.GetFileName(f), fenceAgentDirectory) is not null))
                found.Add(new InstalledAgent($"stonith:{Path.GetFileName(file)}", Stamp(file)));
        found.Add(new InstalledAgent($"{ResourceAgent.Stonith}:{LibvirtSshFenceDevice.AgentType}", $"built-in:{Fnv1a(LibvirtSshFenceDevice.MetadataXml):x16}"));
        return found.OrderBy(a => a.Agent, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The agent's meta-data XML as it prints it, read afresh and not kept (the node's report reads every agent once):
    /// only checked to be an agent's meta-data, not parsed, so that the report loads no XML library into the node.
    /// </summary>
    public async Task<string> ReadXmlAsync(ResourceAgent agent, CancellationToken ct = default)
    {
        var xml = await LoadXmlAsync(agent, ct);
        return xml.Contains("<resource-agent", StringComparison.Ordinal) ? xml
            : throw new AgentMetadataException($"{agent}: meta-data printed no <resource-agent> element");
    }

    private static string Stamp(string file)
    {
        // A symbolic link is stamped by what it points to.
        var info = new FileInfo(file);
        var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
        return target.Exists
            ? string.Create(CultureInfo.InvariantCulture, $"{target.Length}:{target.LastWriteTimeUtc.Ticks}")
            : "missing";
    }

    /// <summary>FNV-1a, 64 bits, over the text's UTF-16 code units: a stable checksum needing no cryptographic library.</summary>
    internal static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return hash;
    }

    private async Task<AgentMetadata> LoadAsync(ResourceAgent agent, CancellationToken ct) =>
        AgentMetadata.Parse(agent.ToString(), await LoadXmlAsync(agent, ct));

    private async Task<string> LoadXmlAsync(ResourceAgent agent, CancellationToken ct)
    {
        var name = agent.ToString();
        switch (agent.Class)
        {
            case ResourceAgent.Ocf:
            {
                var path = OcfEnvironment.AgentPath(agent, ocfRoot) ?? throw new AgentMetadataException($"'{name}' is not a valid OCF agent name (ocf:provider:type)");
                if (!File.Exists(path)) throw new AgentMetadataException($"agent {name} is not installed ({path} not found)");
                var env = new Dictionary<string, string> { ["OCF_ROOT"] = ocfRoot, ["OCF_RESOURCE_INSTANCE"] = "meta-data" };
                return Output(name, await AgentProcess.RunAsync(path, ["meta-data"], env, MetadataTimeout, ct, keepFullStdout: true));
            }
            case ResourceAgent.Stonith when agent.Type == LibvirtSshFenceDevice.AgentType:
                return LibvirtSshFenceDevice.MetadataXml;
            case ResourceAgent.Stonith:
            {
                var path = FenceAgentDevice.AgentPath(agent.Type, fenceAgentDirectory) ?? throw new AgentMetadataException($"'{name}' is not a fence agent this node can run (stonith:fence_* or stonith:{LibvirtSshFenceDevice.AgentType})");
                if (!File.Exists(path)) throw new AgentMetadataException($"fence agent {name} is not installed ({path} not found)");
                return Output(name, await AgentProcess.RunAsync(path, ["-o", "metadata"], new Dictionary<string, string>(), MetadataTimeout, ct, keepFullStdout: true));
            }
            default:
                throw new AgentMetadataException($"{name}: only ocf and stonith agents describe their parameters (LSB scripts take none)");
        }
    }

    private static string Output(string name, AgentProcessResult run)
    {
        if (run.CouldNotStart) throw new AgentMetadataException($"{name}: could not run meta-data: {run.StartError}");
        if (run.TimedOut) throw new AgentMetadataException($"{name}: meta-data timed out");
        if (run.ExitCode != 0) throw new AgentMetadataException($"{name}: meta-data exited {run.ExitCode}: {run.StderrTail}");
        return run.StdoutTail;
    }
}

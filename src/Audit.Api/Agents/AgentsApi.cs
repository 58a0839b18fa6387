using System.Collections.Concurrent;
using System.Diagnostics;

namespace Audit.Api.Agents;

/// <summary>
/// The resource agents installed on this API's host (the API runs on every node, as Hawk does): <c>crm ra list</c> and
/// <c>crm ra info</c>. OCF agents from <c>Api:OcfRoot</c>/resource.d (default /usr/lib/ocf), fence agents
/// (<c>stonith:fence_*</c>) from <c>Api:FenceAgentDirectory</c> (default /usr/sbin). The meta-data is the XML the agent
/// prints (<c>AGENT meta-data</c>, <c>fence_X -o metadata</c>), as the node runtime reads it; the console builds its form from it.
/// Only an agent of the listing is ever run: a name cannot point anywhere else.
/// </summary>
public static class AgentsApi
{
    public sealed record AgentList(IReadOnlyList<string> Agents);

    public static void MapAgentsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/agents", (AgentCatalog agents) => Results.Ok(new AgentList(agents.List())))
            .WithName("ListAgents").WithSummary("crm ra list: the agents installed on this host (ocf:PROVIDER:TYPE, stonith:fence_X), sorted")
            .Produces<AgentList>();
        api.MapGet("/agents/{id}", async (string id, AgentCatalog agents, CancellationToken ct) =>
            {
                if (!agents.List().Contains(id, StringComparer.Ordinal))
                    return Problems.Result(StatusCodes.Status404NotFound, "unknown-agent", $"no agent '{id}' is installed on this host (GET /api/v1/agents lists them)");
                var (xml, error) = await agents.MetadataAsync(id, ct);
                return xml is not null ? Results.Text(xml, "application/xml; charset=utf-8")
                    : Problems.Result(StatusCodes.Status502BadGateway, "agent-metadata-failed", error!);
            })
            .WithName("AgentMetadata").WithSummary("crm ra info: the agent's meta-data XML as the agent prints it (parameters with description, type, default, required; actions with their advised timeouts)")
            .Produces<string>(StatusCodes.Status200OK, "application/xml").ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway);
    }
}

/// <summary>Lists the installed agents and runs their meta-data action (once per agent per process; a failure is not kept).</summary>
public sealed class AgentCatalog(IConfiguration settings)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly string _ocfRoot = settings["Api:OcfRoot"] ?? "/usr/lib/ocf";
    private readonly string _fenceDirectory = settings["Api:FenceAgentDirectory"] ?? "/usr/sbin";
    private readonly ConcurrentDictionary<string, string> _metadata = new(StringComparer.Ordinal);

    public IReadOnlyList<string> List()
    {
        var found = new List<string>();
        var ocf = Path.Combine(_ocfRoot, "resource.d");
        if (Directory.Exists(ocf))
            found.AddRange(Directory.EnumerateDirectories(ocf).SelectMany(provider => Directory.EnumerateFiles(provider)
                .Where(f => !Path.GetFileName(f).StartsWith('.')).Select(f => $"ocf:{Path.GetFileName(provider)}:{Path.GetFileName(f)}")));
        if (Directory.Exists(_fenceDirectory))
            found.AddRange(Directory.EnumerateFiles(_fenceDirectory, "fence_*").Select(f => $"stonith:{Path.GetFileName(f)}"));
        return found.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The agent's meta-data XML, or why there is none. <paramref name="agent"/> is a name from <see cref="List"/>.</summary>
    public async Task<(string? Xml, string? Error)> MetadataAsync(string agent, CancellationToken ct)
    {
        if (_metadata.TryGetValue(agent, out var known)) return (known, null);
        var parts = agent.Split(':');
        var start = parts[0] == "ocf"
            ? new ProcessStartInfo(Path.Combine(_ocfRoot, "resource.d", parts[1], parts[2]), ["meta-data"])
            : new ProcessStartInfo(Path.Combine(_fenceDirectory, parts[1]), ["-o", "metadata"]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["OCF_ROOT"] = _ocfRoot;
        start.Environment["OCF_RESOURCE_INSTANCE"] = "meta-data";
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, $"{agent}: could not run meta-data: {e.Message}");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            var xml = await output;
            if (process.ExitCode != 0 || !xml.Contains("<resource-agent", StringComparison.Ordinal))
                return (null, $"{agent}: meta-data exited {process.ExitCode}: {(await error).Trim()}");
            return (_metadata.GetOrAdd(agent, xml), null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return (null, $"{agent}: meta-data did not answer within {Timeout.TotalSeconds:0} s");
        }
    }
}

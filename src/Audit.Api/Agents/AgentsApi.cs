using System.Collections.Concurrent;
using System.Diagnostics;
using Cib.Projections.Store;
using Npgsql;

namespace Audit.Api.Agents;

/// <summary>
/// The resource agents installed on the nodes, as the console's primitive form offers them (<c>crm ra list</c>,
/// <c>crm ra info</c>): what each node runtime reported when it started (<c>cib.ha_node_agents</c>, decision 0017), its
/// OCF agents, its fence agents and its built-in <c>stonith:external/libvirt</c>, with the meta-data the node read from
/// the agent. Until a node has reported, the agents of this API's own host (<c>Api:OcfRoot</c>, default /usr/lib/ocf;
/// <c>Api:FenceAgentDirectory</c>, default /usr/sbin), and the answer says so (<c>source</c> "api-host", the header
/// <c>X-Agent-Source</c>). Only an agent of a listing is ever run here: a name cannot point anywhere else.
/// </summary>
public static class AgentsApi
{
    /// <summary>Where a listing comes from: the nodes' reports, or this API's host when no node has reported.</summary>
    public const string FromNodes = "nodes";
    public const string FromApiHost = "api-host";

    /// <summary>The route value of an agent's name (<c>class:[provider:]type</c>), checked by the API's id filter.</summary>
    public const string AgentRouteValue = "agent";

    /// <summary>
    /// The agents the form can build (meta-data known), sorted; where they come from and what that means; the nodes that
    /// reported; per agent the nodes that have it; the agents reported without meta-data, with why.
    /// </summary>
    public sealed record AgentList(IReadOnlyList<string> Agents, string Source, string Note, IReadOnlyList<string> Nodes,
        IReadOnlyDictionary<string, IReadOnlyList<string>> InstalledOn, IReadOnlyDictionary<string, string> Undescribed);

    public static void MapAgentsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/agents", async (AgentCatalog agents, HttpResponse response, CancellationToken ct) =>
            {
                var list = await agents.ListAsync(ct);
                response.Headers["X-Agent-Source"] = list.Source;
                return Results.Ok(list);
            })
            .WithName("ListAgents").WithSummary("crm ra list: the agents installed on the nodes as they reported them (ocf:PROVIDER:TYPE, stonith:fence_X, stonith:external/libvirt), sorted; this API's host's own until a node has reported (source api-host)")
            .Produces<AgentList>();
        // {**agent}: a type may hold a slash (stonith:external/libvirt), sent as typed or encoded (%2F, which routing leaves as it is).
        api.MapGet("/agents/{**" + AgentRouteValue + "}", async (string agent, AgentCatalog agents, HttpResponse response, CancellationToken ct) =>
            {
                var id = Uri.UnescapeDataString(agent);
                var reported = await agents.Nodes.ListAsync(ct);
                if (reported.Count > 0)
                {
                    response.Headers["X-Agent-Source"] = FromNodes;
                    if (reported.FirstOrDefault(a => a.Agent == id) is not { } found)
                        return Problems.Result(StatusCodes.Status404NotFound, "unknown-agent", $"no node reported an agent '{id}' (GET /api/v1/agents lists them)");
                    if (await agents.Nodes.MetadataAsync(id, ct) is { } metadata) return Results.Text(metadata, "application/xml; charset=utf-8");
                    return found.Error is { } error
                        ? Problems.Result(StatusCodes.Status502BadGateway, "agent-metadata-failed", $"{string.Join(", ", found.Nodes)} could not read the meta-data of {id}: {error}")
                        : Problems.Result(StatusCodes.Status503ServiceUnavailable, "agent-metadata-pending", $"{string.Join(", ", found.Nodes)} has not read the meta-data of {id} yet: try again in a moment");
                }
                response.Headers["X-Agent-Source"] = FromApiHost;
                if (!agents.ListLocal().Contains(id, StringComparer.Ordinal))
                    return Problems.Result(StatusCodes.Status404NotFound, "unknown-agent", $"no agent '{id}' is installed on this host, and no node has reported its agents (GET /api/v1/agents lists them)");
                var (xml, failure) = await agents.MetadataAsync(id, ct);
                return xml is not null ? Results.Text(xml, "application/xml; charset=utf-8")
                    : Problems.Result(StatusCodes.Status502BadGateway, "agent-metadata-failed", failure!);
            })
            .WithName("AgentMetadata").WithSummary("crm ra info: the agent's meta-data XML as the agent prints it (parameters with description, type, default, required; actions with their advised timeouts), as a node read it; header X-Agent-Source says whether it comes from the nodes or this API's host")
            .Produces<string>(StatusCodes.Status200OK, "application/xml").ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>
/// The nodes' agents (<see cref="NodeAgents"/>), else this host's: lists them and, for this host's, runs their meta-data
/// action (once per agent per process; a failure is not kept).
/// </summary>
public sealed class AgentCatalog(IConfiguration settings, NpgsqlDataSource db)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly string _ocfRoot = settings["Api:OcfRoot"] ?? "/usr/lib/ocf";
    private readonly string _fenceDirectory = settings["Api:FenceAgentDirectory"] ?? "/usr/sbin";
    private readonly ConcurrentDictionary<string, string> _metadata = new(StringComparer.Ordinal);

    public NodeAgents Nodes { get; } = new(db);

    /// <summary>The agents as the form offers them: the nodes' reports, else this host's own.</summary>
    public async Task<AgentsApi.AgentList> ListAsync(CancellationToken ct)
    {
        var reported = await Nodes.ListAsync(ct);
        if (reported.Count == 0)
            return new AgentsApi.AgentList(ListLocal(), AgentsApi.FromApiHost,
                "no node has reported its agents yet: these are the agents installed on this API's host", [],
                new Dictionary<string, IReadOnlyList<string>>(), new Dictionary<string, string>());
        var nodes = reported.SelectMany(a => a.Nodes).Distinct().Order(StringComparer.Ordinal).ToList();
        return new AgentsApi.AgentList(
            reported.Where(a => a.Described).Select(a => a.Agent).ToList(), AgentsApi.FromNodes,
            $"the agents installed on the nodes, as they reported them ({string.Join(", ", nodes)})", nodes,
            reported.ToDictionary(a => a.Agent, a => a.Nodes, StringComparer.Ordinal),
            reported.Where(a => !a.Described).ToDictionary(a => a.Agent, a => a.Error ?? "its meta-data is not read yet", StringComparer.Ordinal));
    }

    /// <summary>The agents installed on this API's host, sorted.</summary>
    public IReadOnlyList<string> ListLocal()
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

    /// <summary>The agent's meta-data XML, or why there is none. <paramref name="agent"/> is a name from <see cref="ListLocal"/>.</summary>
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

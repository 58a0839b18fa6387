using System.Collections.Concurrent;
using Cib.Domain.Operations;
using NodeRuntime.Agents;

namespace NodeRuntime.Execution;

/// <summary>
/// The node's executor (Pacemaker's pacemaker-execd): picks the runner for the agent's class and
/// serialises actions per resource (a start and a monitor of one resource never overlap), while
/// actions on different resources run in parallel.
/// </summary>
public sealed class ResourceExecutor(AgentHost host, IReadOnlyList<IAgentRunner> runners) : IResourceExecutor
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _perResource = new(StringComparer.Ordinal);

    public string NodeName => host.NodeName;

    /// <summary>OCF agents under /usr/lib/ocf and LSB scripts under /etc/init.d.</summary>
    public static ResourceExecutor Create(AgentHost host, string ocfRoot = OcfEnvironment.DefaultRoot, string initDirectory = LsbAgentRunner.DefaultDirectory) =>
        new(host, [new OcfAgentRunner(host, ocfRoot), new LsbAgentRunner(host, initDirectory)]);

    public async Task<OperationOutcome> ExecuteAsync(ActionRequest request, CancellationToken ct = default)
    {
        var runner = runners.FirstOrDefault(r => r.Handles(request.Resource.Agent));
        if (runner is null)
            return new OperationOutcome(request.Resource.Id, host.NodeName, request.Operation, request.IntervalMs, OcfRc.NotInstalled,
                OperationStatus.NotSupported, false, request.Origin, 0, null,
                $"agent class '{request.Resource.Agent.Class}' is not supported by this node runtime", host.Time.GetUtcNow());

        var gate = _perResource.GetOrAdd(request.Resource.Id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var outcome = await runner.RunAsync(request, ct);
            return outcome with { ParameterDigest = Cib.Projections.Policy.Reconcile.ParameterDigest.Of(request.Resource.Params) };
        }
        finally
        {
            gate.Release();
        }
    }
}

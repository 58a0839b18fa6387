using Cib.Domain.Operations;
using Cib.Domain.Resources;
using NodeRuntime.Execution;

namespace NodeRuntime.Agents;

/// <summary>Runs OCF resource agents from <c>OCF_ROOT/resource.d/provider/type</c>.</summary>
public sealed class OcfAgentRunner(AgentHost host, string ocfRoot = OcfEnvironment.DefaultRoot) : IAgentRunner
{
    public string OcfRoot => ocfRoot;

    public bool Handles(ResourceAgent agent) => agent.Class == ResourceAgent.Ocf;

    public async Task<OperationOutcome> RunAsync(ActionRequest request, CancellationToken ct)
    {
        var path = OcfEnvironment.AgentPath(request.Resource.Agent, ocfRoot);
        if (path is null)
            return Outcome(request, OcfRc.NotConfigured, OperationStatus.Invalid, false, 0, null,
                $"'{request.Resource.Agent}' is not a valid OCF agent name (ocf:provider:type)");
        if (!File.Exists(path))
            return Outcome(request, OcfRc.NotInstalled, OperationStatus.NotInstalled, false, 0, null,
                $"agent {request.Resource.Agent} is not installed ({path} not found)");

        var env = OcfEnvironment.For(request, host.NodeName, ocfRoot);
        var (program, args) = host.Command(path, request.Operation);
        var run = await AgentProcess.RunAsync(program, args, env, request.Timeout, ct);
        return FromProcess(request, run);
    }

    private OperationOutcome FromProcess(ActionRequest request, AgentProcessResult run)
    {
        if (run.CouldNotStart)
            return Outcome(request, OcfRc.GenericError, OperationStatus.Error, false, run.DurationMs, null, $"could not run the agent: {run.StartError}");
        if (run.TimedOut)
            return Outcome(request, OcfRc.GenericError, OperationStatus.Timeout, false, run.DurationMs, run.OutputTail,
                $"{request.Operation} timed out after {(long)request.Timeout.TotalMilliseconds} ms; the agent's process group was killed");
        var (rc, ok) = OcfResultMapping.Map(request.Operation, request.IntervalMs, run.ExitCode);
        var reason = ok ? null : OcfResultMapping.ExitReason(run.StderrTail) ?? $"{request.Operation} returned {run.ExitCode} ({OcfRc.Describe(rc)})";
        return Outcome(request, rc, OperationStatus.Done, ok, run.DurationMs, run.OutputTail, reason);
    }

    private OperationOutcome Outcome(ActionRequest r, int rc, OperationStatus status, bool ok, long ms, string? tail, string? reason) =>
        new(r.Resource.Id, host.NodeName, r.Operation, r.IntervalMs, rc, status, ok, r.Origin, ms, tail, reason, host.Time.GetUtcNow());
}

using Cib.Domain.Operations;
using Cib.Domain.Resources;
using NodeRuntime.Execution;

namespace NodeRuntime.Agents;

/// <summary>
/// Runs LSB init scripts (<c>lsb:name</c> → <c>/etc/init.d/name</c>). Monitor runs <c>status</c>; its
/// codes are LSB's own and map as in Pacemaker (<see cref="LsbStatusMapping"/>). Other actions share
/// OCF's codes 0-7. Scripts get no parameters: LSB has none.
/// </summary>
public sealed class LsbAgentRunner(AgentHost host, string initDirectory = LsbAgentRunner.DefaultDirectory) : IAgentRunner
{
    public const string DefaultDirectory = "/etc/init.d";

    public bool Handles(ResourceAgent agent) => agent.Class == ResourceAgent.Lsb;

    public async Task<OperationOutcome> RunAsync(ActionRequest request, CancellationToken ct)
    {
        var type = request.Resource.Agent.Type;
        if (!OcfEnvironment.SafeName(type))
            return Outcome(request, OcfRc.NotConfigured, OperationStatus.Invalid, false, 0, null, $"'{type}' is not a valid init script name");
        var path = Path.Combine(initDirectory, type);
        if (!File.Exists(path))
            return Outcome(request, OcfRc.NotInstalled, OperationStatus.NotInstalled, false, 0, null, $"init script {path} not found");

        var action = request.Operation == Operations.Monitor ? "status" : request.Operation;
        if (action is not ("start" or "stop" or "status" or "restart" or "force-reload"))
            return Outcome(request, OcfRc.Unimplemented, OperationStatus.NotSupported, false, 0, null, $"LSB scripts have no '{request.Operation}' action");

        var (program, args) = host.Command(path, action);
        var run = await AgentProcess.RunAsync(program, args, new Dictionary<string, string>(), request.Timeout, ct);
        if (run.CouldNotStart)
            return Outcome(request, OcfRc.GenericError, OperationStatus.Error, false, run.DurationMs, null, $"could not run {path}: {run.StartError}");
        if (run.TimedOut)
            return Outcome(request, OcfRc.GenericError, OperationStatus.Timeout, false, run.DurationMs, run.OutputTail,
                $"{action} timed out after {(long)request.Timeout.TotalMilliseconds} ms; the script's process group was killed");

        var ocf = action == "status" ? LsbStatusMapping.StatusToOcf(run.ExitCode) : LsbStatusMapping.ActionToOcf(run.ExitCode);
        var (rc, ok) = OcfResultMapping.Map(request.Operation, request.IntervalMs, ocf);
        return Outcome(request, rc, OperationStatus.Done, ok, run.DurationMs, run.OutputTail,
            ok ? null : $"{path} {action} exited {run.ExitCode} ({OcfRc.Describe(rc)})");
    }

    private OperationOutcome Outcome(ActionRequest r, int rc, OperationStatus status, bool ok, long ms, string? tail, string? reason) =>
        new(r.Resource.Id, host.NodeName, r.Operation, r.IntervalMs, rc, status, ok, r.Origin, ms, tail, reason, host.Time.GetUtcNow());
}

/// <summary>LSB exit codes to OCF, as Pacemaker's <c>services__lsb2ocf</c> does.</summary>
public static class LsbStatusMapping
{
    /// <summary>status: 0 running; 1 (dead, pid file left), 2 (dead, lock file left), 3 (not running) → not running;
    /// 150 and 151 (Pacemaker's "not installed" and "insufficient privileges") → 5 and 4; anything else → generic error.</summary>
    public static int StatusToOcf(int exitCode) => exitCode switch
    {
        0 => OcfRc.Success,
        1 or 2 or 3 => OcfRc.NotRunning,
        150 => OcfRc.NotInstalled,
        151 => OcfRc.InsufficientPrivileges,
        _ => OcfRc.GenericError,
    };

    /// <summary>start/stop/...: LSB and OCF share codes 0-7; anything else is a generic error.</summary>
    public static int ActionToOcf(int exitCode) => exitCode is >= 0 and <= 7 ? exitCode : OcfRc.GenericError;
}

using System.Text;
using Cib.Domain.Fencing;
using Cib.Domain.Resources;
using NodeRuntime.Agents;

namespace NodeRuntime.Fencing;

/// <summary>
/// A Debian fence-agents device (<c>stonith:fence_virsh</c>, <c>fence_ipmilan</c>, any
/// <c>/usr/sbin/fence_*</c>), run as Pacemaker's fencer runs it: no arguments, and the device's
/// parameters as <c>key=value</c> lines on stdin plus <c>action=</c> and <c>plug=</c> (the target's
/// name on the device, from pcmk_host_map). Pacemaker's own <c>pcmk_*</c> parameters are not passed.
/// Exit 0 is success; for status, 0 means on and 2 off. The agent runs in its own process group,
/// killed whole on timeout.
/// </summary>
public sealed class FenceAgentDevice : IFenceDevice
{
    public const string DefaultDirectory = "/usr/sbin";

    private readonly FenceDevice _device;
    private readonly Primitive _primitive;
    private readonly string _path;

    public string Id => _device.Id;
    public string Agent => _primitive.Agent.ToString();

    private FenceAgentDevice(Primitive primitive, string path)
    {
        _primitive = primitive;
        _device = FenceDevice.From(primitive);
        _path = path;
    }

    public static FenceAgentDevice Create(Primitive primitive, string directory = DefaultDirectory)
    {
        var path = AgentPath(primitive.Agent.Type, directory)
                   ?? throw new FenceDeviceConfigurationException(primitive.Id, $"'{primitive.Agent}' is not a fence agent (stonith:fence_*)");
        // The configuration refuses these (ConfigurationValidator); a device stored before that rule is refused here,
        // never run with a parameter dropped or with a line the value added.
        if (primitive.Params.FirstOrDefault(p => Passed(p.Key) && p.Value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0) is { Key: { } bad })
            throw new FenceDeviceConfigurationException(primitive.Id, $"parameter {bad} holds a line break or NUL: the agent reads one name=value a line on stdin");
        if (!File.Exists(path))
            throw new FenceDeviceConfigurationException(primitive.Id, $"fence agent {path} is not installed");
        return new FenceAgentDevice(primitive, path);
    }

    /// <summary>Path of <c>fence_X</c> in the directory; null for names that are not fence agents or could escape it.</summary>
    public static string? AgentPath(string type, string directory = DefaultDirectory) =>
        type.StartsWith("fence_", StringComparison.Ordinal) && OcfEnvironment.SafeName(type) ? Path.Combine(directory, type) : null;

    /// <summary>Pacemaker lets a device fence any node when no host list is given; fence-agents then need the plug.</summary>
    public bool CanFence(string node) => _device.Targets.Count == 0 || _device.CanFence(node);

    public async Task<FenceResult> ExecuteAsync(string target, string action, TimeSpan timeout, CancellationToken ct = default)
    {
        if (!CanFence(target)) return FenceResult.Failed(0, $"device {Id} cannot fence {target} (not in its host list)");
        var plug = _device.Targets.TryGetValue(target, out var name) ? name : target;
        var normalized = FenceActions.Normalize(action);
        var run = await AgentProcess.RunAsync(_path, [], new Dictionary<string, string>(), timeout, ct, Stdin(normalized, plug, timeout));
        if (run.CouldNotStart) return FenceResult.Failed(run.DurationMs, $"could not run {_path}: {run.StartError}");
        if (run.TimedOut) return FenceResult.Failed(run.DurationMs, $"{_primitive.Agent.Type} {normalized} {plug} timed out after {(long)timeout.TotalMilliseconds} ms", run.OutputTail);
        if (normalized == FenceActions.Status)
            return run.ExitCode switch
            {
                0 => FenceResult.Ok(run.DurationMs, "on", run.OutputTail),
                2 => FenceResult.Ok(run.DurationMs, "off", run.OutputTail),
                var rc => FenceResult.Failed(run.DurationMs, $"{_primitive.Agent.Type} status {plug} exited {rc}: {LastLine(run)}", run.OutputTail),
            };
        return run.ExitCode == 0
            ? FenceResult.Ok(run.DurationMs, normalized == FenceActions.Off ? "off" : "on", run.OutputTail)
            : FenceResult.Failed(run.DurationMs, $"{_primitive.Agent.Type} {normalized} {plug} exited {run.ExitCode}: {LastLine(run)}", run.OutputTail);
    }

    public async Task<FenceResult> MonitorAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var run = await AgentProcess.RunAsync(_path, [], new Dictionary<string, string>(), timeout, ct, Stdin(FenceActions.Monitor, null, timeout));
        if (run.CouldNotStart) return FenceResult.Failed(run.DurationMs, $"could not run {_path}: {run.StartError}");
        if (run.TimedOut) return FenceResult.Failed(run.DurationMs, $"monitor of {Id} timed out after {(long)timeout.TotalMilliseconds} ms", run.OutputTail);
        return run.ExitCode == 0
            ? FenceResult.Ok(run.DurationMs, output: run.OutputTail)
            : FenceResult.Failed(run.DurationMs, $"monitor of {Id} exited {run.ExitCode}: {LastLine(run)}", run.OutputTail);
    }

    /// <summary>The stdin Pacemaker's fencer writes: the device's parameters, then action, plug and timeouts.</summary>
    internal string Stdin(string action, string? plug, TimeSpan timeout)
    {
        var lines = new StringBuilder();
        foreach (var (key, value) in _primitive.Params)
            if (Passed(key)) lines.Append(key).Append('=').Append(value).Append('\n');
        lines.Append("action=").Append(action).Append('\n');
        if (plug is not null)
        {
            lines.Append("plug=").Append(plug).Append('\n');
            lines.Append("nodename=").Append(plug).Append('\n');
        }
        return lines.ToString();
    }

    /// <summary>Whether a parameter goes to the agent: Pacemaker's own pcmk_* do not, nor what the fencer sets itself.</summary>
    private static bool Passed(string key) =>
        !key.StartsWith("pcmk_", StringComparison.Ordinal) && key is not ("action" or "plug" or "port" or "nodename");

    private static string LastLine(AgentProcessResult run)
    {
        var text = run.StderrTail.Length > 0 ? run.StderrTail : run.StdoutTail;
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? "(no output)";
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

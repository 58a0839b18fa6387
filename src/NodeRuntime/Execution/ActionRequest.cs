using Cib.Domain.Operations;
using Cib.Domain.Resources;

namespace NodeRuntime.Execution;

/// <summary>
/// One action for the executor: run <see cref="Operation"/> of <see cref="Resource"/> with the given
/// interval (0 = one-off or probe) and timeout. <see cref="Origin"/> names the transition and action
/// that asked for it, so results can be matched and stale ones refused upstream.
/// </summary>
public sealed record ActionRequest(Primitive Resource, string Operation, long IntervalMs, TimeSpan Timeout, OperationOrigin Origin)
{
    /// <summary>The timeout when the primitive's <c>op</c> names none: Pacemaker's 20 s (<see cref="Cib.Domain.Configuration.OperationTimeouts.Default"/>).</summary>
    public static readonly TimeSpan DefaultTimeout = Cib.Domain.Configuration.OperationTimeouts.Default;

    public bool IsProbe => Operation == Operations.Monitor && IntervalMs == 0;

    /// <summary>An action with timeout and interval from the primitive's <c>op</c> definition, else the defaults (20 s).</summary>
    public static ActionRequest For(Primitive resource, string operation, long intervalMs = 0, OperationOrigin? origin = null, TimeSpan? timeout = null)
    {
        var op = resource.Operations.FirstOrDefault(o => o.Name == operation && o.Interval.Milliseconds == intervalMs)
                 ?? resource.Operations.FirstOrDefault(o => o.Name == operation);
        return new ActionRequest(resource, operation, intervalMs,
            timeout ?? op?.Timeout?.ToTimeSpan() ?? DefaultTimeout, origin ?? new OperationOrigin(null, null));
    }

    /// <summary>The probe Pacemaker runs at join: monitor with interval 0.</summary>
    public static ActionRequest Probe(Primitive resource, OperationOrigin? origin = null) => For(resource, Operations.Monitor, 0, origin);
}

/// <summary>Operation names the executors understand.</summary>
public static class Operations
{
    public const string Start = "start";
    public const string Stop = "stop";
    public const string Monitor = "monitor";
    public const string MetaData = "meta-data";
    public const string ValidateAll = "validate-all";
    public const string Promote = "promote";
    public const string Demote = "demote";
    public const string Notify = "notify";
    public const string Reload = "reload";
}

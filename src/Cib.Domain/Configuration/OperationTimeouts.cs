using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Domain.Configuration;

/// <summary>
/// How long an operation may run before it counts as timed out, by Pacemaker's rule: the primitive's own
/// <c>op NAME interval=I timeout=T</c> (same name and interval), else
/// <c>op_defaults timeout</c>, else 20 s. The controller gives an action this timeout, and a node runtime that
/// lost its lease stops with it, so the controller can bound how long such a stop may take.
/// </summary>
public static class OperationTimeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(20);

    public static TimeSpan Of(Primitive? primitive, string operation, long intervalMs, ValueMap operationDefaults)
    {
        var op = primitive?.Operations.FirstOrDefault(o => o.Name == operation && o.Interval.Milliseconds == intervalMs);
        if (op?.Timeout is { } own) return own.ToTimeSpan();
        return Duration.TryParse(operationDefaults.Get("timeout"), out var d) && d.Milliseconds > 0 ? d.ToTimeSpan() : Default;
    }

    public static TimeSpan Of(ClusterConfiguration configuration, string? resource, string operation, long intervalMs) =>
        Of(resource is null ? null : configuration.Resources.GetValueOrDefault(resource) as Primitive, operation, intervalMs, configuration.OperationDefaults);
}

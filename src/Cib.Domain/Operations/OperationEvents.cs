using Cib.Domain.Primitives;

namespace Cib.Domain.Operations;

/// <summary>Where an operation result came from: the transition and action that asked for it (none for a recurring monitor's own report).</summary>
public sealed record OperationOrigin(string? TransitionId, int? ActionId);

/// <summary>An agent action finished as expected (for a probe or monitor: the observed state, e.g. rc 7 = not running).</summary>
public sealed record ResourceOperationSucceeded(
    string Resource, string Node, string Operation, long IntervalMs, int Rc,
    OperationOrigin Origin, long DurationMs, string? OutputTail, string? ParameterDigest, DateTimeOffset At) : IStatusEvent;

/// <summary>An agent action failed, timed out or could not run; <see cref="Status"/> says which.</summary>
public sealed record ResourceOperationFailed(
    string Resource, string Node, string Operation, long IntervalMs, int Rc, OperationStatus Status,
    OperationOrigin Origin, long DurationMs, string? OutputTail, string? ExitReason, DateTimeOffset At) : IStatusEvent;

/// <summary>An admin (or failure-timeout expiry) cleared failures: the resource may run on the node(s) again.</summary>
public sealed record FailCountCleared(string Resource, string? Node, Actor ClearedBy, string Reason, DateTimeOffset At) : IStatusEvent;

/// <summary>
/// An admin had the resource's operation history on a node (or on every node) forgotten, its failures with it
/// (Pacemaker's <c>crm_resource --cleanup</c> where it failed, <c>--refresh</c> everywhere): with no history there the
/// controller probes it again, so the cluster rediscovers what really runs.
/// </summary>
public sealed record ResourceHistoryCleared(string Resource, string? Node, Actor ClearedBy, string Reason, DateTimeOffset At) : IStatusEvent;

/// <summary>Pacemaker's op-status: how the action ended, independent of the agent's rc (numeric codes: <see cref="OperationStatuses"/>).
/// Stored by name; <see cref="ErrorHard"/> and <see cref="ErrorFatal"/> come only from a Pacemaker CIB (op-status 5 and 6).</summary>
public enum OperationStatus { Done, Pending, Cancelled, Timeout, NotSupported, Error, NotInstalled, NotConnected, Invalid, ErrorHard, ErrorFatal }

/// <summary>
/// OCF exit codes: the one table of them (the policy engine, the node runtime's agents and the status read model
/// all use it). LSB and fence agents' codes are mapped onto these.
/// </summary>
public static class OcfRc
{
    /// <summary>The action succeeded; for a probe or monitor: the resource is running.</summary>
    public const int Success = 0;
    /// <summary>A generic, soft error: a restart on the same node may help.</summary>
    public const int GenericError = 1;
    /// <summary>The resource's parameters are invalid (a hard error on this node).</summary>
    public const int InvalidArgument = 2;
    /// <summary>The agent does not implement the action.</summary>
    public const int Unimplemented = 3;
    /// <summary>The agent lacks the privileges to act.</summary>
    public const int InsufficientPrivileges = 4;
    /// <summary>The software the resource needs is not installed on this node (a hard error on this node).</summary>
    public const int NotInstalled = 5;
    /// <summary>The resource is misconfigured (a fatal error: it may run nowhere).</summary>
    public const int NotConfigured = 6;
    /// <summary>The resource is cleanly stopped (a probe's expected answer where it does not run).</summary>
    public const int NotRunning = 7;
    /// <summary>The resource runs in the promoted role.</summary>
    public const int RunningPromoted = 8;
    /// <summary>The resource failed in the promoted role.</summary>
    public const int FailedPromoted = 9;
    /// <summary>The resource runs but degraded (read as <see cref="Success"/>).</summary>
    public const int Degraded = 190;
    /// <summary>The resource runs promoted but degraded (read as <see cref="RunningPromoted"/>).</summary>
    public const int DegradedPromoted = 191;

    public static string Describe(int rc) => rc switch
    {
        Success => "ok",
        GenericError => "error",
        InvalidArgument => "invalid parameter",
        Unimplemented => "unimplemented feature",
        InsufficientPrivileges => "insufficient privileges",
        NotInstalled => "not installed",
        NotConfigured => "not configured",
        NotRunning => "not running",
        RunningPromoted => "promoted",
        FailedPromoted => "promoted (failed)",
        Degraded => "degraded",
        DegradedPromoted => "promoted (degraded)",
        _ => $"unknown ({rc})",
    };
}

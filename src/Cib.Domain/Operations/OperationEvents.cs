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

/// <summary>Pacemaker's op-status: how the action ended, independent of the agent's rc.</summary>
public enum OperationStatus { Done, Pending, Cancelled, Timeout, NotSupported, Error, NotInstalled, NotConnected, Invalid }

/// <summary>OCF exit codes.</summary>
public static class OcfRc
{
    public const int Success = 0;
    public const int GenericError = 1;
    public const int InvalidArgument = 2;
    public const int Unimplemented = 3;
    public const int InsufficientPrivileges = 4;
    public const int NotInstalled = 5;
    public const int NotConfigured = 6;
    public const int NotRunning = 7;
    public const int RunningPromoted = 8;
    public const int FailedPromoted = 9;

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
        _ => $"unknown ({rc})",
    };
}

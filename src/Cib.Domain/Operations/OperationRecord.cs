namespace Cib.Domain.Operations;

/// <summary>
/// The last result of one operation (name + interval) of a resource on a node, as Pacemaker's lrm_rsc_op: the one
/// operation record. The status read model keeps one per operation, folded from the log; the policy engine reads
/// the same records (and a CIB import makes them from lrm_rsc_op elements, with the Pacemaker-only fields below).
/// <see cref="Failed"/> says whether the node runtime judged it a failure (rc 7 is success for a probe, failure for a
/// monitor); the policy engine judges results itself, from <see cref="Rc"/>, <see cref="Status"/> and <see cref="TargetRc"/>.
/// <see cref="Sequence"/> orders the records of a resource on a node (Pacemaker's call-id; -1: pending) and
/// <see cref="At"/> is when the result last changed (last-rc-change).
/// </summary>
public sealed record OperationRecord(
    string Operation, long IntervalMs, int Rc, OperationStatus Status, bool Failed, long Sequence, DateTimeOffset At,
    string? ParameterDigest, string? TransitionId, string? ExitReason)
{
    public bool Succeeded => !Failed;

    /// <summary>A probe: a one-off monitor (interval 0) that finds out whether the resource runs.</summary>
    public bool IsProbe => Operation == "monitor" && IntervalMs == 0;

    /// <summary>The lrm_rsc_op id a Pacemaker CIB gave it; none for a record folded from the log.</summary>
    public string? Id { get; init; }

    /// <summary>The rc the transition that ran it expected (from Pacemaker's transition-key); none: the usual one (7 for a probe, else 0).</summary>
    public int? TargetRc { get; init; }

    /// <summary>Digest of the parameters without secrets and pcmk_* options (op-secure-digest), when recorded.</summary>
    public string? SecureDigest { get; init; }

    /// <summary>
    /// A record as Pacemaker's status section has it (lrm_rsc_op): call-id becomes <see cref="Sequence"/>, last-rc-change
    /// (epoch seconds) <see cref="At"/>, op-status <see cref="Status"/>; <see cref="Failed"/> is the usual reading of
    /// rc against the expected one.
    /// </summary>
    public static OperationRecord FromPacemaker(
        string id, string operation, long intervalMs, int rc, int opStatus, int callId, long lastRcChange, string? opDigest, int? targetRc)
    {
        var status = OperationStatuses.FromPacemaker(opStatus);
        var probe = operation == "monitor" && intervalMs == 0;
        var expected = targetRc ?? (probe ? OcfRc.NotRunning : OcfRc.Success);
        var failed = status != OperationStatus.Done || (rc != expected && !(probe && rc is OcfRc.Success or OcfRc.NotRunning or OcfRc.RunningPromoted));
        return new OperationRecord(operation, intervalMs, rc, status, failed, callId, DateTimeOffset.FromUnixTimeSeconds(lastRcChange), opDigest, null, null)
        {
            Id = id,
            TargetRc = targetRc,
        };
    }
}

/// <summary>Pacemaker's numeric op-status codes for <see cref="OperationStatus"/>.</summary>
public static class OperationStatuses
{
    /// <summary>The op-status Pacemaker records for <paramref name="status"/> (PCMK_EXEC_*).</summary>
    public static int ToPacemaker(this OperationStatus status) => status switch
    {
        OperationStatus.Pending => -1,
        OperationStatus.Done => 0,
        OperationStatus.Cancelled => 1,
        OperationStatus.Timeout => 2,
        OperationStatus.NotSupported => 3,
        OperationStatus.Error => 4,
        OperationStatus.ErrorHard => 5,
        OperationStatus.ErrorFatal => 6,
        OperationStatus.NotInstalled => 7,
        OperationStatus.NotConnected => 8,
        OperationStatus.Invalid => 9,
        _ => 4,
    };

    /// <summary>The status for a recorded op-status; an unknown code reads as an error.</summary>
    public static OperationStatus FromPacemaker(int opStatus) => opStatus switch
    {
        -1 => OperationStatus.Pending,
        0 => OperationStatus.Done,
        1 => OperationStatus.Cancelled,
        2 => OperationStatus.Timeout,
        3 => OperationStatus.NotSupported,
        5 => OperationStatus.ErrorHard,
        6 => OperationStatus.ErrorFatal,
        7 => OperationStatus.NotInstalled,
        8 => OperationStatus.NotConnected,
        9 => OperationStatus.Invalid,
        _ => OperationStatus.Error,
    };
}

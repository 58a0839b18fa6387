using Cib.Domain;
using Cib.Domain.Operations;

namespace NodeRuntime.Execution;

/// <summary>
/// The result of one action on one node: the agent's rc mapped to OCF, how the action ended
/// (<see cref="Status"/>: done, timeout, not installed, ...), and whether that counts as success for
/// this action. <see cref="ToEvent"/> turns it into the stored event.
/// </summary>
public sealed record OperationOutcome(
    string Resource, string Node, string Operation, long IntervalMs, int Rc, OperationStatus Status, bool Succeeded,
    OperationOrigin Origin, long DurationMs, string? OutputTail, string? ExitReason, DateTimeOffset At, string? ParameterDigest = null)
{
    public ICibEvent ToEvent() => Succeeded
        ? new ResourceOperationSucceeded(Resource, Node, Operation, IntervalMs, Rc, Origin, DurationMs, OutputTail, ParameterDigest, At)
        : new ResourceOperationFailed(Resource, Node, Operation, IntervalMs, Rc, Status, Origin, DurationMs, OutputTail, ExitReason, At);

    /// <summary>For recurring monitors: two results are "the same" when rc and status agree.</summary>
    public bool SameResultAs(OperationOutcome? other) => other is not null && other.Rc == Rc && other.Status == Status && other.Succeeded == Succeeded;

    public override string ToString() =>
        $"{Resource} {Operation}{(IntervalMs > 0 ? $"/{IntervalMs}ms" : "")} on {Node}: rc={Rc} ({OcfRc.Describe(Rc)}) {Status}{(Succeeded ? "" : " FAILED")} in {DurationMs} ms"
        + (ExitReason is null ? "" : $": {ExitReason}");
}

using System.Text.Json;

namespace Cib.Projections.ReadModels.History;

/// <summary>
/// One stored event with what the history needs of its envelope: its place, stream, stored name, time, correlation,
/// the appender (Marten's user name) and the headers (values as JSON).
/// </summary>
public sealed record HistoryEvent(
    long Sequence, string StreamId, long Version, object Data, string Type, DateTimeOffset Timestamp,
    string? CorrelationId, string? CausationId, string? UserName, IReadOnlyDictionary<string, JsonElement> Headers)
{
    public string? Header(string name) =>
        Headers.TryGetValue(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.GetRawText(),
        } : null;

    public IReadOnlyList<string> HeaderList(string name)
    {
        if (!Headers.TryGetValue(name, out var v)) return [];
        return v.ValueKind switch
        {
            JsonValueKind.Array => [.. v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() ?? "" : x.GetRawText())],
            JsonValueKind.String => [v.GetString()!],
            JsonValueKind.Null => [],
            _ => [v.GetRawText()],
        };
    }

    /// <summary>Who appended it: the <c>actor</c> header, else Marten's user name.</summary>
    public string? Actor => Header(Store.CommandMetadata.ActorHeader) ?? UserName;

    /// <summary>The event's id (what a later event's causation id names); empty when not known.</summary>
    public Guid Id { get; init; }
}

/// <summary>
/// A fence, as <c>stonith_admin --history</c> lists it: one per fence request (the controller's <c>FencingRequested</c>
/// and what came of it), or an operator's request to fence a node (<c>NodeTerminationRequested</c>, its id
/// <c>terminate/SEQ</c>, result <c>requested</c> until the node is fenced, then <c>fenced</c>).
/// <see cref="Result"/>: <c>pending</c>, <c>succeeded</c>, <c>failed</c>, <c>gave-up</c>, <c>power-on-failed</c>,
/// <c>requested</c>, <c>fenced</c>. <see cref="Origin"/>: who asked (an operator's request carries over to the fences
/// that carry it out), else the appender (the controller). <see cref="Seq"/> is the first event's log position.
/// </summary>
public sealed record FencingHistoryRow(
    string RequestId, long Seq, long LastSeq, DateTimeOffset RequestedAt, DateTimeOffset? CompletedAt, string Target, string? Action,
    string? Device, string? Executor, string Origin, string Result, string? Reason, string? Error, int Attempt, long? DurationMs,
    string? TransitionId, string? CorrelationId);

/// <summary>
/// One entry of a resource's operation history on a node: a result (<see cref="Kind"/> <c>succeeded</c> or <c>failed</c>:
/// operation, interval, rc, status, exit reason, duration) or a clean-up (<c>fail-count-cleared</c>,
/// <c>history-cleared</c>; <see cref="Node"/> null: on every node), with the fail count on that node after it and who
/// appended it (the node; for a clean-up, who asked).
/// </summary>
public sealed record OperationHistoryRow(
    long Seq, DateTimeOffset At, string Resource, string? Node, string Kind, string? Operation, long? IntervalMs, int? Rc, string? RcText,
    string? Status, string? ExitReason, long? DurationMs, int FailCount, string? Actor, string? TransitionId, string? CorrelationId);

/// <summary>A configuration change (the events of one append): versions, who, when, why, the commands and the readable diff.</summary>
public sealed record ConfigurationChangeRow(
    string ChangeId, long Seq, long LastSeq, long FromVersion, long ToVersion, string Actor, DateTimeOffset At, string? Reason,
    string? CorrelationId, IReadOnlyList<string> Commands, IReadOnlyList<string> Diff)
{
    /// <summary>Value equality on the lists too (tests compare the stored rows with a fold from 0).</summary>
    public bool Equals(ConfigurationChangeRow? other) =>
        other is not null && (ChangeId, Seq, LastSeq, FromVersion, ToVersion, Actor, At, Reason, CorrelationId)
            == (other.ChangeId, other.Seq, other.LastSeq, other.FromVersion, other.ToVersion, other.Actor, other.At, other.Reason, other.CorrelationId)
        && Commands.SequenceEqual(other.Commands) && Diff.SequenceEqual(other.Diff);

    public override int GetHashCode() => HashCode.Combine(ChangeId, Seq, LastSeq);
}

/// <summary>
/// One recovery action of an incident: a start, promote or migrate_from of an affected resource in one of the incident's transitions,
/// its node, result (<c>succeeded</c>, <c>failed</c>), duration and the result's log position.
/// </summary>
public sealed record RecoveryAction(long Seq, string Resource, string Operation, string Node, string Result, long DurationMs, DateTimeOffset At,
    string? TransitionId);

/// <summary>
/// A failover incident (decision 0012): opened by its trigger (<see cref="Trigger"/>: <c>node-lost</c>,
/// <c>monitor-failure</c>, <c>fence</c>, <c>admin-move</c>; <see cref="Subject"/> the node or resource it names),
/// followed along the causation chain (the transitions that carry it on, their fence and recovery actions), closed
/// when every affected resource is started again (<see cref="Status"/> <c>recovered</c>), given up (<c>gave-up</c>: a
/// start failed and the cluster did not start it again, or the fence was given up), left stopped by its last transition
/// (<c>stopped</c>), or when the controller did nothing for it (<c>no-action</c>: an admin move that displaces nothing);
/// <c>open</c> until then. <see cref="Resources"/>: the trigger's and whatever its transitions stopped. <see cref="DetectionMs"/>: for a lost node, the trigger's time minus when it was last seen.
/// <see cref="TimeToRecoveryMs"/>: from the trigger's time to the closing event's.
/// </summary>
public sealed record IncidentRow(
    string IncidentId, long Seq, long LastSeq, string Trigger, string Subject, string? Node, string Actor, string? Reason, DateTimeOffset DetectedAt,
    long? DetectionMs, IReadOnlyList<string> Resources, IReadOnlyList<string> Transitions, string? FenceRequestId, string? FenceTarget,
    string? FenceDevice, string? FenceExecutor, string? FenceResult, long? FenceDurationMs, IReadOnlyList<RecoveryAction> Recovery, string Status,
    DateTimeOffset? ClosedAt, long? TimeToRecoveryMs)
{
    public const string StatusOpen = "open", StatusRecovered = "recovered", StatusGaveUp = "gave-up", StatusStopped = "stopped", StatusNoAction = "no-action";

    /// <summary>Value equality on the lists too (tests compare the stored rows with a fold from 0).</summary>
    public bool Equals(IncidentRow? other) =>
        other is not null
        && (IncidentId, Seq, LastSeq, Trigger, Subject, Node, Actor, Reason, DetectedAt, DetectionMs, FenceRequestId, FenceTarget, FenceDevice)
        == (other.IncidentId, other.Seq, other.LastSeq, other.Trigger, other.Subject, other.Node, other.Actor, other.Reason, other.DetectedAt,
            other.DetectionMs, other.FenceRequestId, other.FenceTarget, other.FenceDevice)
        && (FenceExecutor, FenceResult, FenceDurationMs, Status, ClosedAt, TimeToRecoveryMs)
        == (other.FenceExecutor, other.FenceResult, other.FenceDurationMs, other.Status, other.ClosedAt, other.TimeToRecoveryMs)
        && Resources.SequenceEqual(other.Resources) && Transitions.SequenceEqual(other.Transitions) && Recovery.SequenceEqual(other.Recovery);

    public override int GetHashCode() => HashCode.Combine(IncidentId, Seq, LastSeq);
}

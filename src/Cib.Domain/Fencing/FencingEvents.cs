namespace Cib.Domain.Fencing;

/// <summary>The controller asks for a node to be fenced; <see cref="Device"/> is chosen among capable devices.</summary>
public sealed record FencingRequested(
    string RequestId, string Target, string Action, string Reason, string? Device, string? TransitionId, int Attempt, DateTimeOffset At) : IStatusEvent;

/// <summary>A fence device confirmed the node is off (or rebooted): its resources may now be recovered elsewhere.</summary>
public sealed record NodeFenced(
    string RequestId, string Target, string Device, string Action, string ExecutedBy, long DurationMs, DateTimeOffset At) : IStatusEvent;

/// <summary>A fence attempt failed. It never counts as success: the node stays unclean.</summary>
public sealed record FencingFailed(
    string RequestId, string Target, string? Device, string Reason, int Attempt, bool GaveUp, DateTimeOffset At) : IStatusEvent;

/// <summary>
/// After a reboot fence the node was confirmed off (<see cref="NodeFenced"/>) but the device could not power it on
/// again. The fence stands (the node is off and stays out); an admin has to boot it.
/// </summary>
public sealed record FencedNodePowerOnFailed(
    string RequestId, string Target, string Device, string Reason, string ExecutedBy, DateTimeOffset At) : IStatusEvent;

using Cib.Domain.Primitives;

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

/// <summary>
/// An operator asked the cluster to fence a node (<c>hactl stonith fence</c>): Pacemaker's <c>terminate</c> node
/// attribute. The planner fences it as it fences any node that must go, through the configured devices and an
/// executor it picks, so the fencing is recorded like every other; the request stands until the node is fenced.
/// </summary>
public sealed record NodeTerminationRequested(string Target, Actor RequestedBy, string Reason, DateTimeOffset At) : IStatusEvent;

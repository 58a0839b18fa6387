using Cib.Domain.Primitives;

namespace Cib.Domain.Nodes;

// Configuration events (stream: the configuration).
public sealed record NodeDefined(string Name, ValueMap Attributes, DateTimeOffset At) : IConfigurationEvent;
public sealed record NodeRemoved(string Name, DateTimeOffset At) : IConfigurationEvent;
public sealed record NodeAttributeSet(string Node, string Name, string Value, DateTimeOffset At) : IConfigurationEvent;
public sealed record NodeAttributeRemoved(string Node, string Name, DateTimeOffset At) : IConfigurationEvent;
public sealed record NodeStandbyChanged(string Node, bool Standby, DateTimeOffset At) : IConfigurationEvent;
public sealed record NodeMaintenanceChanged(string Node, bool Maintenance, DateTimeOffset At) : IConfigurationEvent;

// Membership events (stream: one per node). Produced by the controller.
/// <summary>A node's runtime appeared (first time or back after being lost, left or fenced); <see cref="Incarnation"/> identifies that runtime process.</summary>
public sealed record NodeJoined(string Node, string Incarnation, string Reason, DateTimeOffset At) : IStatusEvent;
/// <summary>A node shut down cleanly: nothing needs fencing.</summary>
public sealed record NodeLeft(string Node, string Reason, DateTimeOffset At) : IStatusEvent;
/// <summary>A node stopped renewing its lease: it is unclean until fenced.</summary>
public sealed record NodeLost(string Node, string Reason, DateTimeOffset LastSeen, DateTimeOffset At) : IStatusEvent;

/// <summary>A node runtime became the active controller (Pacemaker's DC) for <see cref="Term"/>; terms only grow.</summary>
public sealed record ControllerElected(string Node, long Term, string Reason, DateTimeOffset At) : IStatusEvent;

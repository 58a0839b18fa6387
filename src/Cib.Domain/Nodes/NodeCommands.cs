using Cib.Domain.Configuration;
using Cib.Domain.Primitives;

namespace Cib.Domain.Nodes;

public sealed record DefineNode(string Name, ValueMap? Attributes = null) : IConfigurationCommand;
public sealed record RemoveNode(string Name) : IConfigurationCommand;
public sealed record SetNodeAttribute(string Node, string Name, string Value) : IConfigurationCommand;
public sealed record RemoveNodeAttribute(string Node, string Name) : IConfigurationCommand;
/// <summary>Put a node in standby (nothing may run there) or bring it back online.</summary>
public sealed record SetNodeStandby(string Node, bool Standby) : IConfigurationCommand;
/// <summary>Maintenance: the cluster neither starts, stops nor monitors anything on the node.</summary>
public sealed record SetNodeMaintenance(string Node, bool Maintenance) : IConfigurationCommand;

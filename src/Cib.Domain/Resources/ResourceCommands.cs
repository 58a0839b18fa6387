using Cib.Domain.Configuration;

namespace Cib.Domain.Resources;

public sealed record DefinePrimitive(Primitive Primitive) : IConfigurationCommand;
public sealed record UpdatePrimitive(Primitive Primitive) : IConfigurationCommand;
public sealed record DefineGroup(Group Group) : IConfigurationCommand;
public sealed record UpdateGroup(Group Group) : IConfigurationCommand;
/// <summary>Delete a resource; constraints that name it go with it, and it leaves its group.</summary>
public sealed record DeleteResource(string Id) : IConfigurationCommand;
public sealed record SetResourceMeta(string Resource, string Name, string Value) : IConfigurationCommand;
public sealed record RemoveResourceMeta(string Resource, string Name) : IConfigurationCommand;

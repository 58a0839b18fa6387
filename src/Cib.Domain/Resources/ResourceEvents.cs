namespace Cib.Domain.Resources;

public sealed record PrimitiveDefined(Primitive Primitive, DateTimeOffset At) : IConfigurationEvent;
public sealed record PrimitiveUpdated(Primitive Primitive, DateTimeOffset At) : IConfigurationEvent;
public sealed record GroupDefined(Group Group, DateTimeOffset At) : IConfigurationEvent;
public sealed record GroupUpdated(Group Group, DateTimeOffset At) : IConfigurationEvent;
public sealed record ResourceDeleted(string Id, DateTimeOffset At) : IConfigurationEvent;
public sealed record ResourceMetaAttributeSet(string Resource, string Name, string Value, DateTimeOffset At) : IConfigurationEvent;
public sealed record ResourceMetaAttributeRemoved(string Resource, string Name, DateTimeOffset At) : IConfigurationEvent;

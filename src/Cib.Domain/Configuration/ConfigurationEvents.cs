namespace Cib.Domain.Configuration;

public sealed record ClusterPropertySet(string Name, string Value, DateTimeOffset At) : IConfigurationEvent;
public sealed record ClusterPropertyRemoved(string Name, DateTimeOffset At) : IConfigurationEvent;
public sealed record ResourceDefaultSet(string Name, string Value, DateTimeOffset At) : IConfigurationEvent;
public sealed record ResourceDefaultRemoved(string Name, DateTimeOffset At) : IConfigurationEvent;
public sealed record OperationDefaultSet(string Name, string Value, DateTimeOffset At) : IConfigurationEvent;
public sealed record OperationDefaultRemoved(string Name, DateTimeOffset At) : IConfigurationEvent;

using Cib.Domain.Primitives;

namespace Cib.Domain.Configuration;

/// <summary>One edit of the configuration; several travel together in a <see cref="ChangeConfiguration"/>.</summary>
public interface IConfigurationCommand;

/// <summary>
/// Apply edits as one atomic change based on <paramref name="ExpectedVersion"/> (the epoch the editor saw).
/// All or nothing: one refused edit refuses the change.
/// </summary>
public sealed record ChangeConfiguration(
    long ExpectedVersion,
    IReadOnlyList<IConfigurationCommand> Commands,
    DateTimeOffset Now,
    Actor RequestedBy,
    string? Reason = null);

public sealed record SetClusterProperty(string Name, string Value) : IConfigurationCommand;
public sealed record RemoveClusterProperty(string Name) : IConfigurationCommand;
public sealed record SetResourceDefault(string Name, string Value) : IConfigurationCommand;
public sealed record RemoveResourceDefault(string Name) : IConfigurationCommand;
public sealed record SetOperationDefault(string Name, string Value) : IConfigurationCommand;
public sealed record RemoveOperationDefault(string Name) : IConfigurationCommand;

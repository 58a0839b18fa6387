using Audit.Api.Commands;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Users;
using Cib.Interop.Crm;
using Cib.Projections.Store;
using Marten;
using Mediator;

namespace Audit.Api.Configuration;

// The admins' edits of parts of the configuration (crm configure property / rsc_defaults / op_defaults, one object
// created, replaced or deleted). Each is one configuration change through the one write path; with If-Match it is
// based on that version (412 when another change came first), without it on the version it reads.

/// <summary>The three name=value sections crm configure edits one value at a time.</summary>
public enum ConfigurationSection { Property, ResourceDefaults, OperationDefaults }

/// <summary><c>crm configure property NAME=VALUE</c> (and rsc_defaults, op_defaults); a null value removes it.</summary>
public sealed record SetConfigurationValue(ConfigurationSection Section, string Name, string? Value) : IClusterCommand { public UserRole Needs => UserRole.Admin; }

/// <summary>Create or replace one object (a node, primitive, group or constraint) from its crm text, which must define that object only.</summary>
public sealed record PutObject(string Id, string Text) : IClusterCommand { public UserRole Needs => UserRole.Admin; }

/// <summary><c>crm configure delete ID</c>: a resource, a constraint or a node.</summary>
public sealed record DeleteObject(string Id) : IClusterCommand { public UserRole Needs => UserRole.Admin; }

/// <summary>Crm text that does not parse, or does not say what the request says it does: 400 with each error's line and column.</summary>
public sealed class ConfigurationTextException(string code, IReadOnlyList<ConfigurationError> errors, string message) : Exception(message)
{
    public string Code { get; } = code;
    public IReadOnlyList<ConfigurationError> Errors { get; } = errors;
}

public sealed class ConfigurationCommandHandlers(CommandWrites writes) :
    ICommandHandler<SetConfigurationValue, CommandResult>, ICommandHandler<PutObject, CommandResult>, ICommandHandler<DeleteObject, CommandResult>
{
    public ValueTask<CommandResult> Handle(SetConfigurationValue c, CancellationToken ct)
    {
        var section = c.Section switch
        {
            ConfigurationSection.Property => "property",
            ConfigurationSection.ResourceDefaults => "rsc_defaults",
            _ => "op_defaults",
        };
        IConfigurationCommand command = (c.Section, c.Value) switch
        {
            (ConfigurationSection.Property, { } v) => new SetClusterProperty(c.Name, v),
            (ConfigurationSection.Property, null) => new RemoveClusterProperty(c.Name),
            (ConfigurationSection.ResourceDefaults, { } v) => new SetResourceDefault(c.Name, v),
            (ConfigurationSection.ResourceDefaults, null) => new RemoveResourceDefault(c.Name),
            (_, { } v) => new SetOperationDefault(c.Name, v),
            (_, null) => new RemoveOperationDefault(c.Name),
        };
        return ChangeAsync(c.Value is null ? $"{section} delete {c.Name}" : $"{section} {c.Name}={c.Value}", _ => [command], ct);
    }

    public ValueTask<CommandResult> Handle(PutObject c, CancellationToken ct) =>
        ChangeAsync($"configure object {c.Id}", current =>
        {
            var parsed = CrmParser.Parse(c.Text, current);
            if (!parsed.IsSuccess)
                throw new ConfigurationTextException("configuration-invalid", parsed.Errors, string.Join("; ", parsed.Errors.Select(e => e.Format("object"))));
            var proposed = parsed.Parsed!.Configuration;
            // The text may define this object only: anything else it adds or changes would be an edit the URL does not name.
            var others = Touched(current, proposed).Where(id => id != c.Id).ToList();
            if (others.Count > 0 || !Defines(proposed, c.Id))
                throw new ConfigurationTextException("object-mismatch", [], others.Count > 0
                    ? $"the text changes {string.Join(", ", others)}; PUT /configuration/objects/{c.Id} defines {c.Id} only"
                    : $"the text does not define {c.Id}");
            return ConfigurationDiff.Between(current, proposed);
        }, ct);

    public ValueTask<CommandResult> Handle(DeleteObject c, CancellationToken ct) =>
        ChangeAsync($"configure delete {c.Id}", current =>
            current.Resources.ContainsKey(c.Id) ? [new DeleteResource(c.Id)]
            : current.Constraints.ContainsKey(c.Id) ? [new DeleteConstraint(c.Id)]
            : current.Nodes.ContainsKey(c.Id) ? [new RemoveNode(c.Id)]
            : throw new DomainException([new DomainError("unknown-object", $"no resource, constraint or node '{c.Id}'", c.Id)]), ct);

    private static bool Defines(ClusterConfiguration c, string id) =>
        c.Resources.ContainsKey(id) || c.Constraints.ContainsKey(id) || c.Nodes.ContainsKey(id);

    /// <summary>The ids whose definition differs between the two configurations (and whether the sections changed).</summary>
    private static IEnumerable<string> Touched(ClusterConfiguration before, ClusterConfiguration after)
    {
        static IEnumerable<string> Diff<T>(IReadOnlyDictionary<string, T> a, IReadOnlyDictionary<string, T> b) =>
            a.Keys.Union(b.Keys).Where(k => !(a.TryGetValue(k, out var x) && b.TryGetValue(k, out var y) && Equals(x, y)));
        var touched = Diff(before.Resources, after.Resources).Concat(Diff(before.Constraints, after.Constraints)).Concat(Diff(before.Nodes, after.Nodes));
        if (!Equals(before.Properties, after.Properties)) touched = touched.Append("property");
        if (!Equals(before.ResourceDefaults, after.ResourceDefaults)) touched = touched.Append("rsc_defaults");
        if (!Equals(before.OperationDefaults, after.OperationDefaults)) touched = touched.Append("op_defaults");
        return touched.Distinct();
    }

    private ValueTask<CommandResult> ChangeAsync(string reason, Func<ClusterConfiguration, IReadOnlyList<IConfigurationCommand>> commands, CancellationToken ct) =>
        writes.ChangeConfigurationAsync(reason, commands, ct);
}

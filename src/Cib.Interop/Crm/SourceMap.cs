using Cib.Domain.Configuration;
using Cib.Domain.Primitives;

namespace Cib.Interop.Crm;

/// <summary>What a piece of configuration text defines.</summary>
public enum SourceKind { Node, Resource, Constraint, Property, ResourceDefault, OperationDefault }

/// <summary>One object (or one name=value of property, rsc_defaults, op_defaults) and where the text defines it.</summary>
public sealed record SourceItem(SourceKind Kind, string Key, SourcePosition Position, IConfigurationCommand Command);

/// <summary>
/// Where each object of a parsed text came from, so that a domain error (whose Subject is the object id)
/// can be reported at the line that defined the object.
/// </summary>
public sealed class SourceMap(IReadOnlyList<SourceItem> items)
{
    public static readonly SourceMap Empty = new([]);

    public IReadOnlyList<SourceItem> Items { get; } = items;

    public SourcePosition? Find(SourceKind kind, string key) =>
        Items.LastOrDefault(i => i.Kind == kind && i.Key == key)?.Position;

    /// <summary>
    /// The text position of a domain error: the object its Subject names. When several objects share the
    /// name (a node and a resource, say), the one whose own definition alone reproduces the error wins;
    /// otherwise the last of the definitions that share one id space (a duplicate id is reported where it is defined again).
    /// </summary>
    public ConfigurationError Locate(DomainError error)
    {
        var message = $"{error.Message} [{error.Code}]";
        var candidates = Items.Where(i => i.Key == error.Subject || SubjectNamesKind(error.Subject, i.Kind)).ToList();
        if (candidates.Count == 0)
            return new ConfigurationError(default, error.Subject ?? "", message, error.Code);
        var chosen = candidates.Count == 1 ? candidates[0]
            : candidates.LastOrDefault(c => Reproduces(c, error))
              ?? candidates.LastOrDefault(c => candidates.Count(o => Namespace(o.Kind) == Namespace(c.Kind)) > 1)
              ?? candidates[^1];
        return new ConfigurationError(chosen.Position, chosen.Key, message, error.Code);
    }

    /// <summary>Resources and constraints share one id space (as XML ids do); every other kind has its own.</summary>
    private static SourceKind Namespace(SourceKind kind) => kind == SourceKind.Constraint ? SourceKind.Resource : kind;

    private static bool SubjectNamesKind(string? subject, SourceKind kind) =>
        (subject, kind) is ("rsc_defaults", SourceKind.ResourceDefault) or ("op_defaults", SourceKind.OperationDefault);

    private static bool Reproduces(SourceItem item, DomainError error)
    {
        var alone = ConfigurationDecider.Decide(
            new ChangeConfiguration(0, [item.Command], DateTimeOffset.UnixEpoch, CrmParser.Parser), ClusterConfiguration.Empty);
        return alone.Errors.Any(e => e.Code == error.Code && e.Message == error.Message);
    }
}

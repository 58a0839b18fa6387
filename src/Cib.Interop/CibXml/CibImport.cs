using Cib.Domain.Configuration;
using Cib.Projections.Policy;

namespace Cib.Interop.CibXml;

/// <summary>
/// The result of importing a Pacemaker CIB: the configuration and the initial cluster state, plus every
/// element the importer did not take over (out-of-scope features are reported, never silently dropped).
/// When <see cref="Error"/> is set the text could not be read at all and nothing else is meaningful.
/// </summary>
public sealed record CibImport(
    ClusterConfiguration Configuration,
    ClusterState State,
    IReadOnlyList<ImportIssue> Unsupported,
    ImportError? Error)
{
    public bool IsOk => Error is null;
}

/// <summary>An element the importer skipped: which element, its id, and why.</summary>
public sealed record ImportIssue(string Element, string? Id, int Line, string Message)
{
    public override string ToString() => $"line {Line}: <{Element}{(Id is null ? "" : $" id=\"{Id}\"")}> unsupported: {Message}";
}

/// <summary>The text is not a CIB: where and why.</summary>
public sealed record ImportError(int Line, int Column, string Message)
{
    public override string ToString() => $"line {Line}, column {Column}: {Message}";
}

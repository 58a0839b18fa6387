using Cib.Domain.Configuration;

namespace Cib.Interop.Crm;

/// <summary>A configuration read from crm text, with where each object came from.</summary>
public sealed record ParsedConfiguration(ClusterConfiguration Configuration, SourceMap Source);

/// <summary>Either the parsed configuration or the errors (never both): nothing is usable when any line is bad.</summary>
public sealed record CrmParseResult(ParsedConfiguration? Parsed, IReadOnlyList<ConfigurationError> Errors)
{
    public bool IsSuccess => Parsed is not null;

    public static CrmParseResult Success(ParsedConfiguration parsed) => new(parsed, []);

    public static CrmParseResult Failure(IEnumerable<ConfigurationError> errors) =>
        new(null, errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
}

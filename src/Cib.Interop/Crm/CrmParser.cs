using Cib.Domain.Configuration;
using Cib.Domain.Primitives;

namespace Cib.Interop.Crm;

/// <summary>
/// Reads crm shell <c>configure</c> text (node, primitive, group, location, colocation, order, property,
/// rsc_defaults, op_defaults) into a <see cref="ClusterConfiguration"/>. Pure: text in, configuration or errors out.
/// Syntax is checked here; every semantic rule (references, ids, values) is the domain's own
/// (<see cref="ConfigurationDecider"/>), its errors mapped back to the line of the object.
/// </summary>
public static partial class CrmParser
{
    /// <summary>The actor of the internal decision that assembles the configuration; nothing is stored.</summary>
    public static readonly Actor Parser = Actor.System("crm-parser");

    public static readonly IReadOnlyList<string> Statements =
        ["node", "primitive", "group", "location", "colocation", "order", "property", "rsc_defaults", "op_defaults"];

    /// <summary>crm statements this product does not model yet: named precisely instead of "unknown".</summary>
    private static readonly IReadOnlyList<string> Unsupported =
        ["clone", "ms", "master", "bundle", "rsc_template", "rsc_ticket", "tag", "fencing_topology", "role", "user",
         "acl_target", "acl_group", "alert", "template", "monitor", "rsc_test", "erase", "load", "show", "commit"];

    /// <summary>Parses a whole configuration (what <c>load replace</c> and <c>parse</c> read).</summary>
    public static CrmParseResult Parse(string text) => Parse(text, ClusterConfiguration.Empty);

    /// <summary>
    /// Parses text on top of <paramref name="basis"/> (what <c>load update</c> reads): each object the text
    /// defines replaces the basis object of that id, properties and defaults it sets are set, the rest of the
    /// basis stays. References may point at objects of the basis. The result is the merged configuration.
    /// </summary>
    public static CrmParseResult Parse(string text, ClusterConfiguration basis)
    {
        var syntax = ParseSyntax(text);
        if (syntax.Errors.Count > 0) return CrmParseResult.Failure(syntax.Errors);
        return Assemble(syntax.Items, basis);
    }

    /// <summary>Syntax only: the objects the text defines, in text order, or the syntax errors.</summary>
    public static (IReadOnlyList<SourceItem> Items, IReadOnlyList<ConfigurationError> Errors) ParseSyntax(string text)
    {
        var (statements, lexErrors) = CrmLexer.Split(text);
        var errors = lexErrors.ToList();
        var items = new List<SourceItem>();
        foreach (var statement in statements)
        {
            try
            {
                items.AddRange(ParseStatement(new Cursor(statement)));
            }
            catch (CrmSyntaxException e)
            {
                errors.Add(e.Error);
            }
        }
        return (items, errors);
    }

    /// <summary>
    /// Builds the configuration through the domain decider, as one change of define commands on the basis
    /// without the objects the text names: the decider checks ids, values and references, nothing here does.
    /// </summary>
    public static CrmParseResult Assemble(IReadOnlyList<SourceItem> items, ClusterConfiguration basis)
    {
        var map = new SourceMap(items);
        var start = WithoutNamed(basis, items);
        var decision = ConfigurationDecider.Decide(
            new ChangeConfiguration(0, items.Select(i => i.Command).ToList(), DateTimeOffset.UnixEpoch, Parser), start);
        if (!decision.IsAccepted) return CrmParseResult.Failure(decision.Errors.Select(map.Locate));
        return CrmParseResult.Success(new ParsedConfiguration(ConfigurationDecider.Fold(decision.Events, start), map));
    }

    /// <summary>The basis minus every node, resource and constraint the text defines (resources and constraints share ids).</summary>
    private static ClusterConfiguration WithoutNamed(ClusterConfiguration basis, IReadOnlyList<SourceItem> items)
    {
        if (basis.Nodes.IsEmpty && basis.Resources.IsEmpty && basis.Constraints.IsEmpty) return basis;
        var result = basis;
        foreach (var item in items)
        {
            result = item.Kind switch
            {
                SourceKind.Node => result with { Nodes = result.Nodes.Remove(item.Key) },
                SourceKind.Resource or SourceKind.Constraint => result with
                {
                    Resources = result.Resources.Remove(item.Key),
                    Constraints = result.Constraints.Remove(item.Key),
                },
                _ => result,
            };
        }
        return result;
    }

    private static IEnumerable<SourceItem> ParseStatement(Cursor c)
    {
        var keyword = c.Next("a statement");
        if (keyword.Quoted) throw c.Fail(keyword, $"unexpected quoted '{keyword.Text}': expected a statement ({string.Join(", ", Statements)})");
        return keyword.Text switch
        {
            "node" => [ParseNode(c)],
            "primitive" => [ParsePrimitive(c)],
            "group" => [ParseGroup(c)],
            "location" => [ParseLocation(c)],
            "colocation" or "collocation" => [ParseColocation(c)],
            "order" => [ParseOrder(c)],
            "property" => ParseNameValues(c, SourceKind.Property, "cib-bootstrap-options", (k, v) => new SetClusterProperty(k, v)),
            "rsc_defaults" => ParseNameValues(c, SourceKind.ResourceDefault, "rsc-options", (k, v) => new SetResourceDefault(k, v)),
            "op_defaults" => ParseNameValues(c, SourceKind.OperationDefault, "op-options", (k, v) => new SetOperationDefault(k, v)),
            var other when Unsupported.Contains(other) =>
                throw c.Fail(keyword, $"'{other}' is not supported yet: expected one of {string.Join(", ", Statements)}"),
            var other => throw c.Fail(keyword, $"unknown statement '{other}': expected one of {string.Join(", ", Statements)}"),
        };
    }

    /// <summary>property / rsc_defaults / op_defaults: an optional set name ("cib-bootstrap-options:") then name=value pairs.</summary>
    private static IEnumerable<SourceItem> ParseNameValues(Cursor c, SourceKind kind, string setName, Func<string, string, IConfigurationCommand> command)
    {
        var what = c.Keyword.Text;
        if (c.Peek is { } first && !first.Quoted && !first.IsPair && first.Text.EndsWith(':'))
        {
            c.Next("");
            if (first.Text[..^1] != setName)
                throw c.Fail(first, $"unknown {what} set '{first.Text[..^1]}': only '{setName}:' is supported");
        }
        else if (c.Peek is { IsPair: true, Key: "$id" } id)
        {
            c.Next("");
            if (id.Value != setName) throw c.Fail(id, $"unknown {what} set '{id.Value}': only '{setName}' is supported");
        }
        var items = new List<SourceItem>();
        while (!c.AtEnd)
        {
            var pair = c.Next("name=value");
            if (!pair.IsPair) throw c.Fail(pair, $"unexpected '{pair.Text}': expected name=value in {what}");
            items.Add(new SourceItem(kind, pair.Key, pair.Position, command(pair.Key, pair.Value)));
        }
        if (items.Count == 0) throw c.FailAtEnd($"{what} sets nothing: expected name=value after '{what}'");
        return items;
    }

    /// <summary>name=value pairs up to the next clause keyword; a name given twice is an error.</summary>
    private static ValueMap ReadPairs(Cursor c, CrmToken clause, IReadOnlyCollection<string> stopWords, string expected, bool atLeastOne = true)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        var seen = new Dictionary<string, CrmToken>(StringComparer.Ordinal);
        while (c.Peek is { } t && !(stopWords.Any(t.Is)))
        {
            if (!t.IsPair) throw c.Fail(t, $"unexpected '{t.Text}': expected {expected}");
            c.Next("");
            if (seen.TryGetValue(t.Key, out var earlier))
                throw c.Fail(t, $"'{t.Key}' is given twice in {clause.Text} (first at column {earlier.Position.Column}): expected each name once");
            seen[t.Key] = t;
            pairs.Add(new(t.Key, t.Value));
        }
        if (atLeastOne && pairs.Count == 0)
            throw c.Peek is { } next
                ? c.Fail(next, $"unexpected '{next.Text}': expected name=value after '{clause.Text}'")
                : c.FailAtEnd($"'{clause.Text}' is empty: expected name=value after it");
        return ValueMap.Of(pairs);
    }

    /// <summary>An object id: a plain word, not a name=value pair.</summary>
    private static CrmToken ReadId(Cursor c, string what)
    {
        var t = c.Next(what);
        if (t.IsPair || t.Text.Length == 0)
            throw c.Fail(t, $"unexpected '{t.Text}': expected {what}");
        return t;
    }

    private static void ExpectEnd(Cursor c, string what)
    {
        if (c.Peek is { } extra) throw c.Fail(extra, $"unexpected '{extra.Text}': expected the end of the {what} statement");
    }

    /// <summary>Walks the words of one statement and builds errors that name the offending word.</summary>
    private sealed class Cursor(CrmStatement statement)
    {
        private int _next;

        public CrmToken Keyword => statement.Tokens[0];
        public bool AtEnd => _next >= statement.Tokens.Count;
        public CrmToken? Peek => AtEnd ? null : statement.Tokens[_next];

        public CrmToken Next(string expected) =>
            AtEnd ? throw FailAtEnd($"'{Keyword.Text}' statement ends early: expected {expected}") : statement.Tokens[_next++];

        public CrmSyntaxException Fail(CrmToken at, string message) => new(new ConfigurationError(at.Position, at.Text, message));

        public CrmSyntaxException FailAtEnd(string message)
        {
            var last = statement.Tokens[^1];
            var end = new SourcePosition(last.Position.Line, last.Position.Column + Math.Max(1, last.Text.Length));
            return new(new ConfigurationError(end, "", message));
        }
    }

    private sealed class CrmSyntaxException(ConfigurationError error) : Exception(error.Message)
    {
        public ConfigurationError Error { get; } = error;
    }
}

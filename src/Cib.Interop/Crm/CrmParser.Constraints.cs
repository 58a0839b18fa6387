using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Interop.CibXml;

namespace Cib.Interop.Crm;

public static partial class CrmParser
{
    /// <summary>
    /// <c>location ID RSC SCORE: NODE</c>, or the one rule shape <c>crm resource move|ban ... LIFETIME</c> writes:
    /// <c>location ID RSC rule SCORE: #uname eq NODE and date lt "END"</c> (the constraint applies until END). Other
    /// rules, roles and resource sets are refused by name.
    /// </summary>
    private static SourceItem ParseLocation(Cursor c)
    {
        var id = ReadId(c, "a location id");
        var resource = ReadResource(c, "the resource of the location");
        var next = c.Next("SCORE: NODE (e.g. 100: node1)");
        if (next.Is("rule")) return ParseLocationRule(c, id, resource);
        if (next.IsPair)
            throw c.Fail(next, $"location option '{next.Key}=' is not supported yet: expected SCORE: NODE (e.g. 100: node1)");
        var score = ReadScore(c, next, "SCORE: NODE (e.g. 100: node1, inf: node1)");
        var node = ReadId(c, "the node name after the score");
        if (node.Is("rule"))
            throw c.Fail(node, "rules are not supported yet: expected a node name");
        ExpectEnd(c, "location");
        var constraint = new LocationConstraint(id.Text, resource.Text, node.Text, score);
        return new SourceItem(SourceKind.Constraint, id.Text, id.Position, new DefineConstraint(constraint));
    }

    /// <summary>What a location rule may be: the shape crm_resource writes for a move or ban (with a lifetime).</summary>
    private const string RuleShape = "rule SCORE: #uname eq NODE [and date lt \"END\"]";

    /// <summary>After <c>rule</c>: <c>SCORE: #uname eq NODE</c>, then <c>and date lt "END"</c> or the end.</summary>
    private static SourceItem ParseLocationRule(Cursor c, CrmToken id, CrmToken resource)
    {
        var first = c.Next($"SCORE: after rule ({RuleShape})");
        if (first.IsPair)
            throw c.Fail(first, $"rule option '{first.Key}=' is not supported yet: expected SCORE: ({RuleShape})");
        var score = ReadScore(c, first, $"SCORE: after rule ({RuleShape})");
        var attribute = c.Next($"#uname ({RuleShape})");
        if (!attribute.Is("#uname"))
            throw c.Fail(attribute, $"only rules on #uname are supported: expected #uname ({RuleShape})");
        var op = c.Next($"eq after #uname ({RuleShape})");
        if (!op.Is("eq"))
            throw c.Fail(op, $"only 'eq' is supported in a location rule: expected eq ({RuleShape})");
        var node = ReadId(c, $"the node name after eq ({RuleShape})");
        DateTimeOffset? until = null;
        if (c.Peek is { } and)
        {
            c.Next("");
            if (!and.Is("and"))
                throw c.Fail(and, and.Is("or")
                    ? $"'or' is not supported in a location rule: expected and date lt \"END\" or the end of the location statement"
                    : $"unexpected '{and.Text}': expected and date lt \"END\" or the end of the location statement");
            var date = c.Next("date after and (and date lt \"END\")");
            if (!date.Is("date"))
                throw c.Fail(date, $"only a date expression may follow 'and': expected date lt \"END\" ({RuleShape})");
            var lt = c.Next("lt after date (date lt \"END\")");
            if (!lt.Is("lt"))
                throw c.Fail(lt, $"only 'date lt' (until an end) is supported: expected lt ({RuleShape})");
            var end = c.Next("the end date after lt (e.g. \"2026-12-01T12:00:00Z\")");
            if (end.IsPair || !PacemakerDate.TryParse(end.Text, out var parsed))
                throw c.Fail(end, $"'{end.Text}' is not a date: expected an ISO 8601 date and time to the second, such as \"2026-12-01T12:00:00Z\"");
            until = parsed;
            ExpectEnd(c, "location");
        }
        var constraint = new LocationConstraint(id.Text, resource.Text, node.Text, score) { Until = until };
        return new SourceItem(SourceKind.Constraint, id.Text, id.Position, new DefineConstraint(constraint));
    }

    /// <summary><c>colocation ID SCORE: DEPENDENT WITH</c>: the dependent is placed relative to the other resource.</summary>
    private static SourceItem ParseColocation(Cursor c)
    {
        var id = ReadId(c, "a colocation id");
        var score = ReadScore(c, c.Next("SCORE: (e.g. inf:)"), "SCORE: DEPENDENT WITH (e.g. inf: apache-ip apache-fs)");
        var dependent = ReadResource(c, "the dependent resource");
        var with = ReadResource(c, "the resource to colocate with");
        foreach (var r in new[] { dependent, with })
            if (r.LastColonAt > 0)
                throw c.Fail(r, $"roles in colocations ('{r.Text}') are not supported yet: expected a resource id");
        if (c.Peek is { IsPair: true } option)
            throw c.Fail(option, $"colocation option '{option.Key}=' is not supported yet: expected the end of the colocation statement");
        if (c.Peek is { } third)
            throw c.Fail(third, $"resource sets are not supported yet ('{third.Text}' is a third resource): expected exactly two resources");
        var constraint = new ColocationConstraint(id.Text, dependent.Text, with.Text, score);
        return new SourceItem(SourceKind.Constraint, id.Text, id.Position, new DefineConstraint(constraint));
    }

    /// <summary>
    /// <c>order ID KIND: FIRST[:action] THEN[:action] [symmetrical=false]</c> with KIND Mandatory, Optional or
    /// Serialize, or a score (0 means Optional, any other Mandatory, as Pacemaker reads it). The then-action
    /// defaults to the first-action, as in Pacemaker.
    /// </summary>
    private static SourceItem ParseOrder(Cursor c)
    {
        var id = ReadId(c, "an order id");
        var kindToken = c.Next("KIND: (Mandatory:, Optional:, Serialize: or a score such as inf:)");
        var kind = ReadOrderKind(c, kindToken);
        var (first, firstAction) = ReadOrderedResource(c, "the first resource", "start");
        var (then, thenAction) = ReadOrderedResource(c, "the then resource", firstAction);
        var symmetrical = true;
        while (c.Peek is { } t)
        {
            c.Next("");
            if (t.IsPair && t.Key == "symmetrical")
            {
                if (!Flags.TryParse(t.Value, out symmetrical))
                    throw c.Fail(t, $"symmetrical={t.Value}: expected true or false");
            }
            else if (t.IsPair)
                throw c.Fail(t, $"order option '{t.Key}=' is not supported yet: expected symmetrical=true|false");
            else
                throw c.Fail(t, $"resource sets are not supported yet ('{t.Text}' is a third resource): expected symmetrical=false or the end of the order statement");
        }
        var constraint = new OrderConstraint(id.Text, first, firstAction, then, thenAction, kind, symmetrical);
        return new SourceItem(SourceKind.Constraint, id.Text, id.Position, new DefineConstraint(constraint));
    }

    private static OrderKind ReadOrderKind(Cursor c, CrmToken t)
    {
        const string expected = "KIND: (Mandatory:, Optional:, Serialize: or a score such as inf:)";
        if (t.Quoted || t.IsPair || !t.Text.EndsWith(':') || t.Text.Length < 2)
            throw c.Fail(t, $"unexpected '{t.Text}': expected {expected}");
        var word = t.Text[..^1];
        foreach (var kind in Enum.GetValues<OrderKind>())
            if (string.Equals(word, kind.ToString(), StringComparison.OrdinalIgnoreCase)) return kind;
        if (Score.TryParse(word, out var score))
            return score == Score.Zero ? OrderKind.Optional : OrderKind.Mandatory;
        throw c.Fail(t, $"unknown order kind '{word}': expected {expected}");
    }

    private static (string Resource, string Action) ReadOrderedResource(Cursor c, string what, string defaultAction)
    {
        var t = ReadResource(c, what);
        if (t.LastColonAt < 0) return (t.Text, defaultAction);
        var resource = t.Text[..t.LastColonAt];
        var action = t.Text[(t.LastColonAt + 1)..];
        if (resource.Length == 0 || action.Length == 0)
            throw c.Fail(t, $"unexpected '{t.Text}': expected {what} as RESOURCE or RESOURCE:action");
        return (resource, action);
    }

    /// <summary>A resource reference: a plain word; '(' and '[' open resource sets, which are not supported.</summary>
    private static CrmToken ReadResource(Cursor c, string what)
    {
        var t = c.Next(what);
        if (!t.Quoted && (t.Text.StartsWith('(') || t.Text.StartsWith('[') || t.Text.StartsWith('{')))
            throw c.Fail(t, $"resource sets are not supported yet: expected {what}");
        if (t.IsPair || t.Text.Length == 0)
            throw c.Fail(t, $"unexpected '{t.Text}': expected {what}");
        return t;
    }

    /// <summary>"100:", "inf:", "-inf:", "INFINITY:" (crm writes the colon right after the score).</summary>
    private static Score ReadScore(Cursor c, CrmToken t, string expected)
    {
        if (t.Quoted || t.IsPair || !t.Text.EndsWith(':') || t.Text.Length < 2)
            throw c.Fail(t, $"unexpected '{t.Text}': expected {expected}");
        if (!Score.TryParse(t.Text[..^1], out var score))
            throw c.Fail(t, $"'{t.Text[..^1]}' is not a score: expected an integer, inf or -inf followed by ':' ({expected})");
        return score;
    }
}

using System.Text;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Interop.CibXml;

namespace Cib.Interop.Crm;

/// <summary>
/// The canonical crm text of a configuration (<c>show</c>), in crm's order: nodes, primitives, groups,
/// locations, colocations, orders, property, rsc_defaults, op_defaults; each kind by ordinal id, names
/// within a clause by ordinal name. A primitive puts each clause on its own continuation line, and any
/// line longer than <see cref="Width"/> continues with " \" and a tab, as crm shows them.
/// <see cref="CrmParser.Parse"/> reads the text back to an equal configuration.
/// </summary>
public static class CrmRenderer
{
    public const int Width = 80;

    /// <summary>Words the parser reads as keywords in a resource position: such ids are quoted.</summary>
    private static readonly HashSet<string> Reserved = ["params", "meta", "op", "attributes", "utilization", "rule", "op_params", "op_meta"];

    public static string Render(ClusterConfiguration c)
    {
        var text = new StringBuilder();
        foreach (var n in c.Nodes.Values) Append(text, Node(n));
        foreach (var p in c.Primitives) Append(text, Primitive(p));
        foreach (var g in c.Groups) Append(text, Group(g));
        foreach (var l in c.Constraints.Values.OfType<LocationConstraint>()) Append(text, [Location(l)]);
        foreach (var k in c.Constraints.Values.OfType<ColocationConstraint>()) Append(text, [[.. Words("colocation", k.Id, $"{ScoreText(k.Score)}:", Ref(k.Dependent), Ref(k.With))]]);
        foreach (var o in c.Constraints.Values.OfType<OrderConstraint>()) Append(text, [Order(o)]);
        if (!c.Properties.IsEmpty) Append(text, [["property", .. Pairs(c.Properties)]]);
        if (!c.ResourceDefaults.IsEmpty) Append(text, [["rsc_defaults", .. Pairs(c.ResourceDefaults)]]);
        if (!c.OperationDefaults.IsEmpty) Append(text, [["op_defaults", .. Pairs(c.OperationDefaults)]]);
        return text.ToString();
    }

    private static List<List<string>> Node(NodeDefinition n)
    {
        var clauses = new List<List<string>> { new() { "node", Ref(n.Name) } };
        if (!n.Attributes.IsEmpty) clauses.Add(["attributes", .. Pairs(n.Attributes)]);
        return clauses;
    }

    private static List<List<string>> Primitive(Primitive p)
    {
        var clauses = new List<List<string>> { new() { "primitive", Ref(p.Id), Quote(p.Agent.ToString()) } };
        if (!p.Params.IsEmpty) clauses.Add(["params", .. Pairs(p.Params)]);
        if (!p.Meta.IsEmpty) clauses.Add(["meta", .. Pairs(p.Meta)]);
        foreach (var op in p.Operations)
        {
            var words = new List<string> { "op", Ref(op.Name), $"interval={op.Interval}" };
            if (op.Timeout is { } t) words.Add($"timeout={t}");
            if (op.OnFail is { } f) words.Add(Pair("on-fail", f));
            words.AddRange(Pairs(op.Attributes));
            clauses.Add(words);
        }
        return clauses;
    }

    private static List<List<string>> Group(Group g)
    {
        List<string> head = ["group", Ref(g.Id), .. g.Members.Select(Ref)];
        var clauses = new List<List<string>> { head };
        if (!g.Meta.IsEmpty) clauses.Add(["meta", .. Pairs(g.Meta)]);
        return clauses;
    }

    /// <summary>
    /// <c>location ID RSC SCORE: NODE</c>; with an end, the rule crm shows for <c>crm resource move|ban ... LIFETIME</c>:
    /// <c>location ID RSC rule SCORE: #uname eq NODE and date lt "END"</c>.
    /// </summary>
    private static List<string> Location(LocationConstraint l) => l.Until is { } until
        ? ["location", l.Id, Ref(l.Resource), "rule", $"{ScoreText(l.Score)}:", "#uname", "eq", Ref(l.Node), "and", "date", "lt", $"\"{PacemakerDate.Format(until)}\""]
        : ["location", l.Id, Ref(l.Resource), $"{ScoreText(l.Score)}:", Ref(l.Node)];

    /// <summary>The first action is written when it is not start, the then action when it differs from the first (its default).</summary>
    private static List<string> Order(OrderConstraint o)
    {
        var words = new List<string>
        {
            "order", o.Id, $"{o.Kind}:",
            o.FirstAction == "start" ? Ref(o.First) : $"{Ref(o.First)}:{Quote(o.FirstAction)}",
            o.ThenAction == o.FirstAction ? Ref(o.Then) : $"{Ref(o.Then)}:{Quote(o.ThenAction)}",
        };
        if (!o.Symmetrical) words.Add("symmetrical=false");
        return words;
    }

    /// <summary>crm's spelling of scores: inf and -inf for the infinities.</summary>
    public static string ScoreText(Score s) => s.IsInfinite ? "inf" : s.IsMinusInfinite ? "-inf" : s.ToString();

    private static IEnumerable<string> Words(params string[] words) => words;

    private static IEnumerable<string> Pairs(ValueMap map) => map.Select(kv => Pair(kv.Key, kv.Value));

    private static string Pair(string key, string value) => $"{Quote(key)}={Quote(value)}";

    /// <summary>An id in a position where the parser also expects keywords, roles or actions: quoted when it could be misread.</summary>
    private static string Ref(string id) => Reserved.Contains(id) || id.Contains(':') ? $"\"{Escape(id)}\"" : Quote(id);

    /// <summary>Quotes a word that holds blanks, quotes, backslashes, '#', '=' or nothing.</summary>
    public static string Quote(string word) =>
        word.Length == 0 || word.Any(ch => char.IsWhiteSpace(ch) || ch is '"' or '\'' or '\\' or '#' or '=' || char.IsControl(ch))
            ? $"\"{Escape(word)}\""
            : word;

    private static string Escape(string word) => word.Replace("\\", "\\\\").Replace("\"", "\\\"");

    /// <summary>Writes one statement: clauses after the first start a continuation line; long clauses wrap between words.</summary>
    private static void Append(StringBuilder text, List<List<string>> clauses)
    {
        var line = new StringBuilder();
        var first = true;
        foreach (var clause in clauses)
        {
            if (!first)
            {
                text.Append(line).Append(" \\\n");
                line.Clear().Append('\t');
            }
            var lineHasWord = false;
            foreach (var word in clause)
            {
                if (lineHasWord && line.Length + 1 + word.Length > Width)
                {
                    // A clause that does not fit goes on with one more tab than its first line.
                    text.Append(line).Append(" \\\n");
                    line.Clear().Append(first ? "\t" : "\t\t");
                    lineHasWord = false;
                }
                if (lineHasWord) line.Append(' ');
                line.Append(word);
                lineHasWord = true;
            }
            first = false;
        }
        text.Append(line).Append('\n');
    }
}

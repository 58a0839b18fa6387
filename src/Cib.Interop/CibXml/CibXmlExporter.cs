using System.Xml.Linq;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Interop.CibXml;

/// <summary>
/// A configuration as a whole Pacemaker CIB document (<c>cibadmin --query</c> shape, empty status), valid
/// against the pacemaker-3.x schema that Pacemaker 2.1 ships. Ids of nested elements (nvpairs, attribute
/// sets, operations) are derived the way Pacemaker's tools name them and made unique across the document.
/// </summary>
public static class CibXmlExporter
{
    public const string ValidateWith = "pacemaker-3.9";
    public const string FeatureSet = "3.16.2";

    public static XDocument Export(ClusterConfiguration c, long epoch = 0)
    {
        var ids = new UniqueIds(c.Resources.Keys.Concat(c.Constraints.Keys));
        var configuration = new XElement("configuration",
            new XElement("crm_config", AttributeSet("cluster_property_set", "cib-bootstrap-options", c.Properties, ids, fixedId: true)),
            new XElement("nodes", c.Nodes.Values.Select((n, i) =>
                new XElement("node",
                    new XAttribute("id", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    new XAttribute("uname", n.Name),
                    AttributeSet("instance_attributes", $"nodes-{n.Name}", n.Attributes, ids)))),
            new XElement("resources",
                c.Primitives.Where(p => c.GroupOf(p.Id) is null).Select(p => Primitive(p, ids))
                    .Concat(c.Groups.Select(g => Group(g, c, ids)))),
            new XElement("constraints", c.Constraints.Values.Select(k => Constraint(k, ids))));
        if (!c.ResourceDefaults.IsEmpty)
            configuration.Add(new XElement("rsc_defaults", AttributeSet("meta_attributes", "rsc-options", c.ResourceDefaults, ids)));
        if (!c.OperationDefaults.IsEmpty)
            configuration.Add(new XElement("op_defaults", AttributeSet("meta_attributes", "op-options", c.OperationDefaults, ids)));

        var epochText = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new XDocument(new XElement("cib",
            new XAttribute("crm_feature_set", FeatureSet),
            new XAttribute("validate-with", ValidateWith),
            new XAttribute("epoch", epochText),
            new XAttribute("num_updates", "0"),
            new XAttribute("admin_epoch", "0"),
            configuration,
            new XElement("status")));
    }

    public static string ExportText(ClusterConfiguration c, long epoch = 0) =>
        Export(c, epoch).ToString() + "\n";

    private static XElement Primitive(Primitive p, UniqueIds ids)
    {
        var e = new XElement("primitive", new XAttribute("id", p.Id), new XAttribute("class", p.Agent.Class));
        if (p.Agent.Provider is { } provider) e.Add(new XAttribute("provider", provider));
        e.Add(new XAttribute("type", p.Agent.Type));
        e.Add(AttributeSet("instance_attributes", $"{p.Id}-instance_attributes", p.Params, ids));
        e.Add(AttributeSet("meta_attributes", $"{p.Id}-meta_attributes", p.Meta, ids));
        if (!p.Operations.IsEmpty)
            e.Add(new XElement("operations", p.Operations.Select(op => Operation(p.Id, op, ids))));
        return e;
    }

    private static XElement Operation(string resource, OperationDefinition op, UniqueIds ids)
    {
        var id = ids.Claim($"{resource}-{op.Name}-interval-{op.Interval}");
        var e = new XElement("op", new XAttribute("id", id), new XAttribute("name", op.Name), new XAttribute("interval", op.Interval.ToString()));
        if (op.Timeout is { } t) e.Add(new XAttribute("timeout", t.ToString()));
        if (op.OnFail is { } f) e.Add(new XAttribute("on-fail", f));
        // Other settings (role, start-delay, OCF_CHECK_LEVEL, ...) travel as the op's instance attributes.
        e.Add(AttributeSet("instance_attributes", $"{id}-instance_attributes", op.Attributes, ids));
        return e;
    }

    private static XElement Group(Group g, ClusterConfiguration c, UniqueIds ids) =>
        new("group", new XAttribute("id", g.Id),
            AttributeSet("meta_attributes", $"{g.Id}-meta_attributes", g.Meta, ids),
            g.Members.Select(m => c.Resources.GetValueOrDefault(m)).OfType<Primitive>().Select(p => Primitive(p, ids)));

    private static XElement Constraint(Constraint c, UniqueIds ids) => c switch
    {
        LocationConstraint { Until: { } until } l => new XElement("rsc_location",
            new XAttribute("id", l.Id), new XAttribute("rsc", l.Resource), LifetimeRule(l, until, ids)),
        LocationConstraint l => new XElement("rsc_location",
            new XAttribute("id", l.Id), new XAttribute("rsc", l.Resource), new XAttribute("score", l.Score.ToString()), new XAttribute("node", l.Node)),
        ColocationConstraint k => new XElement("rsc_colocation",
            new XAttribute("id", k.Id), new XAttribute("score", k.Score.ToString()), new XAttribute("rsc", k.Dependent), new XAttribute("with-rsc", k.With)),
        OrderConstraint o => new XElement("rsc_order",
            new XAttribute("id", o.Id), new XAttribute("kind", o.Kind.ToString()),
            new XAttribute("first", o.First), new XAttribute("first-action", o.FirstAction),
            new XAttribute("then", o.Then), new XAttribute("then-action", o.ThenAction),
            new XAttribute("symmetrical", o.Symmetrical ? "true" : "false")),
        _ => throw new ArgumentOutOfRangeException(nameof(c), c.GetType().Name, "unknown constraint kind"),
    };

    /// <summary>
    /// A location with an end, as crm_resource writes a move or ban with a lifetime: the score behind a rule that holds on
    /// the node until the end (<c>#uname eq NODE</c> and <c>date lt END</c>).
    /// </summary>
    private static XElement LifetimeRule(LocationConstraint l, DateTimeOffset until, UniqueIds ids) =>
        new("rule", new XAttribute("id", ids.Claim($"{l.Id}-rule")), new XAttribute("score", l.Score.ToString()), new XAttribute("boolean-op", "and"),
            new XElement("expression", new XAttribute("id", ids.Claim($"{l.Id}-expr")),
                new XAttribute("attribute", "#uname"), new XAttribute("operation", "eq"), new XAttribute("value", l.Node)),
            new XElement("date_expression", new XAttribute("id", ids.Claim($"{l.Id}-lifetime-end")),
                new XAttribute("operation", "lt"), new XAttribute("end", PacemakerDate.Format(until))));

    /// <summary>An attribute set with its nvpairs, or nothing when the map is empty (except the fixed cluster options set).</summary>
    private static XElement? AttributeSet(string element, string id, ValueMap values, UniqueIds ids, bool fixedId = false)
    {
        if (values.IsEmpty && !fixedId) return null;
        var setId = ids.Claim(id);
        return new XElement(element, new XAttribute("id", setId),
            values.Select(kv => new XElement("nvpair",
                new XAttribute("id", ids.Claim($"{setId}-{kv.Key}")), new XAttribute("name", kv.Key), new XAttribute("value", kv.Value))));
    }

    /// <summary>Document-wide unique XML ids: object ids are reserved first, derived ids get -1, -2, ... on a clash.</summary>
    private sealed class UniqueIds(IEnumerable<string> reserved)
    {
        private readonly HashSet<string> _used = new(reserved, StringComparer.Ordinal);

        public string Claim(string wanted)
        {
            var id = Sanitize(wanted);
            if (_used.Add(id)) return id;
            for (var i = 1; ; i++)
                if (_used.Add($"{id}-{i}")) return $"{id}-{i}";
        }

        /// <summary>XML ids are NCNames: characters outside letters, digits, '-', '_' and '.' become '_'.</summary>
        private static string Sanitize(string id)
        {
            var chars = id.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_').ToArray();
            if (chars.Length == 0 || !(char.IsAsciiLetter(chars[0]) || chars[0] == '_')) return "_" + new string(chars);
            return new string(chars);
        }
    }
}

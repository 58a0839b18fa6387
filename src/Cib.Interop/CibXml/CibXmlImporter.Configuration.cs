using System.Collections.Immutable;
using System.Xml.Linq;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Interop.CibXml;

public sealed partial class CibXmlImporter
{
    private ClusterConfiguration ReadConfiguration(XElement configuration)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        var rscDefaults = new Dictionary<string, string>(StringComparer.Ordinal);
        var opDefaults = new Dictionary<string, string>(StringComparer.Ordinal);
        var nodes = ImmutableSortedDictionary.CreateBuilder<string, NodeDefinition>(StringComparer.Ordinal);
        var resources = ImmutableSortedDictionary.CreateBuilder<string, Resource>(StringComparer.Ordinal);
        var constraints = ImmutableSortedDictionary.CreateBuilder<string, Constraint>(StringComparer.Ordinal);
        var resourceOrder = new List<string>();

        foreach (var section in configuration.Elements())
        {
            switch (section.Name.LocalName)
            {
                case "crm_config":
                    foreach (var set in section.Elements())
                        if (set.Name.LocalName == "cluster_property_set")
                            ReadNvpairs(set, properties);
                        else Unsupported(set, "only cluster_property_set is read in crm_config");
                    break;
                case "rsc_defaults":
                    ReadDefaults(section, rscDefaults);
                    break;
                case "op_defaults":
                    ReadDefaults(section, opDefaults);
                    break;
                case "nodes":
                    foreach (var n in section.Elements())
                        if (ReadNode(n) is { } node) nodes[node.Name] = node;
                    break;
                case "resources":
                    foreach (var r in section.Elements()) ReadResource(r, resources, resourceOrder);
                    break;
                case "constraints":
                    foreach (var c in section.Elements())
                        if (ReadConstraint(c) is { } constraint) constraints[constraint.Id] = constraint;
                    break;
                default:
                    Unsupported(section, $"the <{section.Name.LocalName}> section is not supported");
                    break;
            }
        }
        // Pacemaker processes resources in document order; the state keeps that order for ties.
        _resourceOrder.AddRange(resourceOrder);
        return new ClusterConfiguration(ValueMap.Of(properties), ValueMap.Of(rscDefaults), ValueMap.Of(opDefaults),
            nodes.ToImmutable(), resources.ToImmutable(), constraints.ToImmutable());
    }

    private void ReadDefaults(XElement section, Dictionary<string, string> into)
    {
        foreach (var set in section.Elements())
            if (set.Name.LocalName == "meta_attributes") ReadNvpairs(set, into);
            else Unsupported(set, $"only meta_attributes are read in <{section.Name.LocalName}>");
    }

    /// <summary>nvpairs of an attribute set; rules and references are reported, since they are not evaluated.</summary>
    private void ReadNvpairs(XElement set, IDictionary<string, string> into)
    {
        if (Attr(set, "id-ref") is not null)
        {
            Unsupported(set, "attribute set references (id-ref) are not supported");
            return;
        }
        foreach (var child in set.Elements())
        {
            switch (child.Name.LocalName)
            {
                case "nvpair" when Attr(child, "id-ref") is not null:
                    Unsupported(child, "nvpair references (id-ref) are not supported");
                    break;
                case "nvpair":
                    into[Required(child, "name")] = Attr(child, "value") ?? "";
                    break;
                case "rule":
                    Unsupported(child, "rules are not supported; the set is read as if the rule held");
                    break;
                default:
                    Unsupported(child, $"<{child.Name.LocalName}> in an attribute set");
                    break;
            }
        }
    }

    private NodeDefinition? ReadNode(XElement n)
    {
        if (n.Name.LocalName != "node")
        {
            Unsupported(n, "not a node");
            return null;
        }
        var id = Required(n, "id");
        var name = Attr(n, "uname") ?? id;
        if (Attr(n, "type") is { } type && type is not ("member" or "normal"))
        {
            Unsupported(n, $"node type '{type}' (remote and ping nodes are not supported)");
            return null;
        }
        _nodeNamesById[id] = name;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var child in n.Elements())
            if (child.Name.LocalName == "instance_attributes") ReadNvpairs(child, attributes);
            else Unsupported(child, $"<{child.Name.LocalName}> of a node (utilization is not supported)");
        return new NodeDefinition(name, ValueMap.Of(attributes));
    }

    private void ReadResource(XElement r, ImmutableSortedDictionary<string, Resource>.Builder resources, List<string> order)
    {
        switch (r.Name.LocalName)
        {
            case "primitive":
                if (ReadPrimitive(r) is { } p)
                {
                    resources[p.Id] = p;
                    order.Add(p.Id);
                }
                break;
            case "group":
                var members = new List<string>();
                var meta = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var child in r.Elements())
                {
                    switch (child.Name.LocalName)
                    {
                        case "primitive":
                            if (ReadPrimitive(child) is { } member)
                            {
                                resources[member.Id] = member;
                                members.Add(member.Id);
                            }
                            break;
                        case "meta_attributes":
                            ReadNvpairs(child, meta);
                            break;
                        case "instance_attributes":
                            Unsupported(child, "instance attributes of a group are not supported");
                            break;
                        default:
                            Unsupported(child, $"<{child.Name.LocalName}> in a group");
                            break;
                    }
                }
                var group = new Group(Required(r, "id"), ValueList<string>.Of(members), ValueMap.Of(meta));
                resources[group.Id] = group;
                order.Add(group.Id);
                break;
            default:
                Unsupported(r, r.Name.LocalName is "clone" or "master" or "bundle" or "template"
                    ? $"{r.Name.LocalName} resources are not supported"
                    : $"<{r.Name.LocalName}> is not a resource kind this importer reads");
                break;
        }
    }

    private Primitive? ReadPrimitive(XElement r)
    {
        var id = Required(r, "id");
        if (Attr(r, "template") is not null)
        {
            Unsupported(r, "resource templates are not supported");
            return null;
        }
        var cls = Required(r, "class");
        var agent = new ResourceAgent(cls, Attr(r, "provider"), Required(r, "type"));
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        var operations = new List<OperationDefinition>();
        foreach (var child in r.Elements())
        {
            switch (child.Name.LocalName)
            {
                case "instance_attributes":
                    ReadNvpairs(child, parameters);
                    break;
                case "meta_attributes":
                    ReadNvpairs(child, meta);
                    break;
                case "operations":
                    foreach (var op in child.Elements())
                        if (op.Name.LocalName == "op") operations.Add(ReadOperation(op));
                        else Unsupported(op, $"<{op.Name.LocalName}> in operations");
                    break;
                default:
                    Unsupported(child, $"<{child.Name.LocalName}> of a primitive (utilization is not supported)");
                    break;
            }
        }
        return new Primitive(id, agent, ValueMap.Of(parameters), ValueMap.Of(meta), ValueList<OperationDefinition>.Of(operations));
    }

    /// <summary>The attributes other than name/interval/timeout/on-fail (id, role, enabled, ...) stay in Attributes.</summary>
    private OperationDefinition ReadOperation(XElement op)
    {
        var name = Required(op, "name");
        var interval = ParseInterval(Attr(op, "interval")) ?? throw new CibFormatException(op, $"'{Attr(op, "interval")}' is not an interval");
        Duration? timeout = Duration.TryParse(Attr(op, "timeout"), out var t) ? t : null;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var a in op.Attributes())
            if (a.Name.LocalName is not ("name" or "interval" or "timeout" or "on-fail")) attributes[a.Name.LocalName] = a.Value;
        foreach (var child in op.Elements())
            if (child.Name.LocalName is "meta_attributes" or "instance_attributes") ReadNvpairs(child, attributes);
            else Unsupported(child, $"<{child.Name.LocalName}> in an op");
        return new OperationDefinition(name, interval, timeout, Attr(op, "on-fail"), ValueMap.Of(attributes));
    }

    /// <summary>Pacemaker also accepts ISO 8601 durations without the 'T' (P40S).</summary>
    internal static Duration? ParseInterval(string? text)
    {
        if (text is null) return Duration.Zero;
        if (Duration.TryParse(text, out var d)) return d;
        if (text.Length > 1 && text[0] is 'P' or 'p' && !text.Contains('T') && Duration.TryParse("PT" + text[1..], out var iso)) return iso;
        return null;
    }

    private Constraint? ReadConstraint(XElement c)
    {
        var id = Required(c, "id");
        if (c.Name.LocalName == "rsc_location" && c.Elements().Any(e => e.Name.LocalName == "rule")) return ReadLocationRule(c, id);
        if (c.Elements().FirstOrDefault() is { } inner)
        {
            Unsupported(c, inner.Name.LocalName == "rule" ? "rules are not supported" : $"<{inner.Name.LocalName}> (resource sets are not supported)");
            return null;
        }
        switch (c.Name.LocalName)
        {
            case "rsc_location":
                if (Attr(c, "rsc") is not { } rsc)
                {
                    Unsupported(c, "rsc-pattern is not supported");
                    return null;
                }
                if (Attr(c, "role") is { } role && role != "Started")
                {
                    Unsupported(c, $"role '{role}' is not supported");
                    return null;
                }
                if (Attr(c, "node") is not { } node || Attr(c, "score") is not { } score)
                {
                    Unsupported(c, "only the node and score form is supported");
                    return null;
                }
                return new LocationConstraint(id, rsc, node, ParseScore(c, score));
            case "rsc_colocation":
                foreach (var roleAttr in new[] { "rsc-role", "with-rsc-role" })
                    if (Attr(c, roleAttr) is { } r && r != "Started")
                    {
                        Unsupported(c, $"{roleAttr} '{r}' is not supported");
                        return null;
                    }
                return new ColocationConstraint(id, Required(c, "rsc"), Required(c, "with-rsc"), ParseScore(c, Attr(c, "score") ?? "0"))
                {
                    NodeAttribute = Attr(c, "node-attribute") is { } attribute && attribute != "#uname" ? attribute : null,
                };
            case "rsc_order":
                var kind = Attr(c, "kind") switch
                {
                    null => Attr(c, "score") is { } s && ParseScore(c, s).Value == 0 ? OrderKind.Optional : OrderKind.Mandatory,
                    var k when k.Equals("Optional", StringComparison.OrdinalIgnoreCase) => OrderKind.Optional,
                    var k when k.Equals("Serialize", StringComparison.OrdinalIgnoreCase) => OrderKind.Serialize,
                    _ => OrderKind.Mandatory,
                };
                var symmetrical = Attr(c, "symmetrical") is { } sym ? Flags.IsTrue(sym) : kind != OrderKind.Serialize;
                return new OrderConstraint(id, Required(c, "first"), Attr(c, "first-action") ?? "start",
                    Required(c, "then"), Attr(c, "then-action") ?? Attr(c, "first-action") ?? "start", kind, symmetrical);
            default:
                Unsupported(c, $"{c.Name.LocalName} constraints are not supported");
                return null;
        }
    }

    /// <summary>
    /// A location with a rule: only the shape crm_resource writes for a move or ban, with or without a lifetime, is read:
    /// one rule with a score, <c>#uname eq NODE</c> and at most one <c>date_expression operation="lt" end=...</c>, joined
    /// by "and". Any other rule is reported as unsupported.
    /// </summary>
    private LocationConstraint? ReadLocationRule(XElement c, string id)
    {
        const string shape = "only the rule crm_resource writes is supported (score, #uname eq NODE, and date lt END)";
        var children = c.Elements().ToList();
        if (children.Count != 1 || Attr(c, "node") is not null || Attr(c, "score") is not null)
        {
            Unsupported(c, $"a location with several rules or with a node and a rule: {shape}");
            return null;
        }
        if (Attr(c, "rsc") is not { } rsc)
        {
            Unsupported(c, "rsc-pattern is not supported");
            return null;
        }
        if (Attr(c, "role") is { } role && role != "Started")
        {
            Unsupported(c, $"role '{role}' is not supported");
            return null;
        }
        var rule = children[0];
        if (Attr(rule, "score") is not { } score || Attr(rule, "role") is not null || (Attr(rule, "boolean-op") ?? "and") != "and")
        {
            Unsupported(c, $"a rule without a score, with a role or joined by 'or': {shape}");
            return null;
        }
        var parts = rule.Elements().ToList();
        var node = parts.FirstOrDefault() is { } e && e.Name.LocalName == "expression" && Attr(e, "attribute") == "#uname"
            && Attr(e, "operation") == "eq" && (Attr(e, "type") ?? "string") == "string" && (Attr(e, "value-source") ?? "literal") == "literal"
            ? Attr(e, "value") : null;
        var date = parts.Count == 2 && parts[1].Name.LocalName == "date_expression" && Attr(parts[1], "operation") == "lt" ? parts[1] : null;
        if (node is null || parts.Count > 2 || (parts.Count == 2 && date is null))
        {
            Unsupported(c, $"an expression other than #uname eq NODE and date lt END: {shape}");
            return null;
        }
        DateTimeOffset? until = null;
        if (date is not null)
        {
            // Pacemaker reads more ISO 8601 forms (a date alone, week dates, fractions): reported, not a broken CIB.
            if (!PacemakerDate.TryParse(Attr(date, "end"), out var end))
            {
                Unsupported(c, $"the end '{Attr(date, "end")}' is not a date this product reads (ISO 8601 to the second, such as 2026-12-01T12:00:00Z)");
                return null;
            }
            until = end;
        }
        return new LocationConstraint(id, rsc, node, ParseScore(rule, score)) { Until = until };
    }

    private static Score ParseScore(XElement e, string text) =>
        Score.TryParse(text, out var s) ? s : throw new CibFormatException(e, $"'{text}' is not a score");
}

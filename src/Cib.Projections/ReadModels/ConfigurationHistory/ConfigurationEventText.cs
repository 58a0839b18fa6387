using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Projections.ReadModels.ConfigurationHistory;

/// <summary>A readable diff line for one configuration event, given the state before it: "+" added, "-" removed, "~" changed.</summary>
public static class ConfigurationEventText
{
    public static string Describe(ClusterConfiguration before, IConfigurationEvent e) => e switch
    {
        ClusterPropertySet x => Changed("property", x.Name, before.Properties.Get(x.Name), x.Value),
        ClusterPropertyRemoved x => $"- property {x.Name}={before.Properties.Get(x.Name)}",
        ResourceDefaultSet x => Changed("rsc_defaults", x.Name, before.ResourceDefaults.Get(x.Name), x.Value),
        ResourceDefaultRemoved x => $"- rsc_defaults {x.Name}={before.ResourceDefaults.Get(x.Name)}",
        OperationDefaultSet x => Changed("op_defaults", x.Name, before.OperationDefaults.Get(x.Name), x.Value),
        OperationDefaultRemoved x => $"- op_defaults {x.Name}={before.OperationDefaults.Get(x.Name)}",
        NodeDefined x => $"+ node {x.Name}{(x.Attributes.IsEmpty ? "" : " attributes " + x.Attributes)}",
        NodeRemoved x => $"- node {x.Name}",
        NodeAttributeSet x => Changed($"node {x.Node} attribute", x.Name, before.Nodes.GetValueOrDefault(x.Node)?.Attributes.Get(x.Name), x.Value),
        NodeAttributeRemoved x => $"- node {x.Node} attribute {x.Name}",
        NodeStandbyChanged x => $"~ node {x.Node}: {(x.Standby ? "online -> standby" : "standby -> online")}",
        NodeMaintenanceChanged x => $"~ node {x.Node}: maintenance {(x.Maintenance ? "off -> on" : "on -> off")}",
        PrimitiveDefined x => $"+ primitive {Show(x.Primitive.ToPrimitive())}",
        PrimitiveUpdated x => $"~ primitive {x.Primitive.Id}: {ShowPrimitiveChange(before.Resources.GetValueOrDefault(x.Primitive.Id) as Primitive, x.Primitive.ToPrimitive())}",
        GroupDefined x => $"+ group {x.Group.Id} {x.Group.Members}",
        GroupUpdated x => $"~ group {x.Group.Id}: {(before.Resources.GetValueOrDefault(x.Group.Id) as Group)?.Members} -> {x.Group.Members}",
        ResourceDeleted x => $"- {(before.Resources.GetValueOrDefault(x.Id) is Group ? "group" : "primitive")} {x.Id}",
        ResourceMetaAttributeSet x => Changed($"{x.Resource} meta", x.Name, before.Resources.GetValueOrDefault(x.Resource)?.Meta.Get(x.Name), x.Value),
        ResourceMetaAttributeRemoved x => $"- {x.Resource} meta {x.Name}",
        ConstraintDefined x => $"+ {Show(x.Constraint.ToConstraint())}",
        ConstraintUpdated x => $"~ {Show(before.Constraints.GetValueOrDefault(x.Constraint.Id))} -> {Show(x.Constraint.ToConstraint())}",
        ConstraintDeleted x => $"- {Show(before.Constraints.GetValueOrDefault(x.Id))}",
        _ => $"? {e.GetType().Name}",
    };

    private static string Changed(string what, string name, string? old, string value) =>
        old is null ? $"+ {what} {name}={value}" : $"~ {what} {name}: {old} -> {value}";

    public static string Show(Primitive p)
    {
        var parts = new List<string> { p.Id, p.Agent.ToString() };
        if (!p.Params.IsEmpty) parts.Add("params " + p.Params);
        if (!p.Meta.IsEmpty) parts.Add("meta " + p.Meta);
        parts.AddRange(p.Operations.Select(o => $"op {o.Name} interval={o.Interval}" + (o.Timeout is { } t ? $" timeout={t}" : "")));
        return string.Join(' ', parts);
    }

    private static string ShowPrimitiveChange(Primitive? old, Primitive now)
    {
        if (old is null) return Show(now);
        var changes = new List<string>();
        if (old.Agent != now.Agent) changes.Add($"agent {old.Agent} -> {now.Agent}");
        changes.AddRange(MapChanges("params", old.Params, now.Params));
        changes.AddRange(MapChanges("meta", old.Meta, now.Meta));
        if (old.Operations != now.Operations) changes.Add("operations changed");
        return changes.Count == 0 ? "no change" : string.Join(", ", changes);
    }

    private static IEnumerable<string> MapChanges(string what, ValueMap old, ValueMap now)
    {
        foreach (var k in old.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            var a = old.Get(k);
            var b = now.Get(k);
            if (a == b) continue;
            yield return a is null ? $"{what} +{k}={b}" : b is null ? $"{what} -{k}" : $"{what} {k}: {a} -> {b}";
        }
    }

    public static string Show(Constraint? c) => c switch
    {
        LocationConstraint l => $"location {l.Id} {l.Resource} {l.Score}: {l.Node}"
            + (l.Until is { } until ? $" until {until.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'}" : ""),
        ColocationConstraint col => $"colocation {col.Id} {col.Score}: {col.Dependent} {col.With}",
        OrderConstraint o => $"order {o.Id} {o.Kind}: {o.First}:{o.FirstAction} {o.Then}:{o.ThenAction}{(o.Symmetrical ? "" : " symmetrical=false")}",
        null => "(unknown constraint)",
        _ => c.Id,
    };
}

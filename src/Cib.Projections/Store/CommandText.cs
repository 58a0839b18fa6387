using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Resources;

namespace Cib.Projections.Store;

/// <summary>A one-line description of a configuration command, kept with the change for the history.</summary>
public static class CommandText
{
    public static string Describe(IConfigurationCommand command) => command switch
    {
        SetClusterProperty c => $"property {c.Name}={c.Value}",
        RemoveClusterProperty c => $"remove property {c.Name}",
        SetResourceDefault c => $"rsc_defaults {c.Name}={c.Value}",
        RemoveResourceDefault c => $"remove rsc_defaults {c.Name}",
        SetOperationDefault c => $"op_defaults {c.Name}={c.Value}",
        RemoveOperationDefault c => $"remove op_defaults {c.Name}",
        DefineNode c => $"define node {c.Name}",
        RemoveNode c => $"remove node {c.Name}",
        SetNodeAttribute c => $"node {c.Node} attribute {c.Name}={c.Value}",
        RemoveNodeAttribute c => $"node {c.Node} remove attribute {c.Name}",
        SetNodeStandby c => c.Standby ? $"standby {c.Node}" : $"online {c.Node}",
        SetNodeMaintenance c => c.Maintenance ? $"maintenance {c.Node} on" : $"maintenance {c.Node} off",
        DefinePrimitive c => $"define primitive {c.Primitive.Id} {c.Primitive.Agent}",
        UpdatePrimitive c => $"update primitive {c.Primitive.Id}",
        DefineGroup c => $"define group {c.Group.Id} {string.Join(' ', c.Group.Members)}",
        UpdateGroup c => $"update group {c.Group.Id} {string.Join(' ', c.Group.Members)}",
        DeleteResource c => $"delete {c.Id}",
        SetResourceMeta c => $"resource {c.Resource} meta {c.Name}={c.Value}",
        RemoveResourceMeta c => $"resource {c.Resource} remove meta {c.Name}",
        DefineConstraint c => $"define {KindOf(c.Constraint)} {c.Constraint.Id}",
        UpdateConstraint c => $"update {KindOf(c.Constraint)} {c.Constraint.Id}",
        DeleteConstraint c => $"delete constraint {c.Id}",
        _ => command.GetType().Name,
    };

    private static string KindOf(Constraint c) => c switch
    {
        LocationConstraint => "location",
        ColocationConstraint => "colocation",
        _ => "order",
    };
}

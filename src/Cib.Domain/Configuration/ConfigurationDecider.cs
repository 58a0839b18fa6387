using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Domain.Configuration;

/// <summary>
/// The configuration aggregate's decider. <see cref="Decide"/> turns a change (a batch of edits) into
/// events or refuses it with domain errors; <see cref="Evolve"/> folds an event into the state and is total.
/// </summary>
public static class ConfigurationDecider
{
    public static Decision<IConfigurationEvent> Decide(ChangeConfiguration change, ClusterConfiguration state)
    {
        if (change.Commands.Count == 0)
            return Decision<IConfigurationEvent>.Accept([]);

        var events = new List<IConfigurationEvent>();
        var errors = new List<DomainError>();
        var current = state;
        foreach (var command in change.Commands)
        {
            var decided = DecideOne(command, current, change.Now);
            if (!decided.IsAccepted)
            {
                errors.AddRange(decided.Errors);
                continue;
            }
            foreach (var e in decided.Events)
            {
                events.Add(e);
                current = Evolve(current, e);
            }
        }
        if (errors.Count > 0) return Decision<IConfigurationEvent>.Refuse(errors);

        // References are checked on the result, so edits within one change may come in any order.
        var invalid = ConfigurationValidator.ValidateReferences(current);
        return invalid.Count > 0 ? Decision<IConfigurationEvent>.Refuse(invalid) : Decision<IConfigurationEvent>.Accept(events);
    }

    private static Decision<IConfigurationEvent> DecideOne(IConfigurationCommand command, ClusterConfiguration s, DateTimeOffset now) => command switch
    {
        SetClusterProperty c => SetValue(s.Properties, c.Name, c.Value, ConfigurationValidator.ValidateProperty(c.Name, c.Value),
            () => new ClusterPropertySet(c.Name, c.Value, now)),
        RemoveClusterProperty c => RemoveValue(s.Properties, c.Name, "property", () => new ClusterPropertyRemoved(c.Name, now)),
        SetResourceDefault c => SetValue(s.ResourceDefaults, c.Name, c.Value, ConfigurationValidator.ValidateMeta("rsc_defaults", c.Name, c.Value),
            () => new ResourceDefaultSet(c.Name, c.Value, now)),
        RemoveResourceDefault c => RemoveValue(s.ResourceDefaults, c.Name, "resource default", () => new ResourceDefaultRemoved(c.Name, now)),
        SetOperationDefault c => SetValue(s.OperationDefaults, c.Name, c.Value, ConfigurationValidator.ValidateOperationDefault(c.Name, c.Value),
            () => new OperationDefaultSet(c.Name, c.Value, now)),
        RemoveOperationDefault c => RemoveValue(s.OperationDefaults, c.Name, "operation default", () => new OperationDefaultRemoved(c.Name, now)),

        DefineNode c => DecideDefineNode(c, s, now),
        RemoveNode c => WithNode(s, c.Name, _ => Accept(NodeRemovalEvents(c.Name, s, now))),
        SetNodeAttribute c => WithNode(s, c.Node, n =>
            !IsName(c.Name) ? Refuse("invalid-attribute", $"'{c.Name}' is not a valid attribute name", c.Node)
            : n.Attributes.Get(c.Name) == c.Value ? Accept() : Accept(new NodeAttributeSet(c.Node, c.Name, c.Value, now))),
        RemoveNodeAttribute c => WithNode(s, c.Node, n =>
            n.Attributes.ContainsKey(c.Name) ? Accept(new NodeAttributeRemoved(c.Node, c.Name, now))
            : Refuse("unknown-attribute", $"node '{c.Node}' has no attribute '{c.Name}'", c.Node)),
        SetNodeStandby c => WithNode(s, c.Node, n => n.IsStandby == c.Standby ? Accept() : Accept(new NodeStandbyChanged(c.Node, c.Standby, now))),
        SetNodeMaintenance c => WithNode(s, c.Node, n => n.IsMaintenance == c.Maintenance ? Accept() : Accept(new NodeMaintenanceChanged(c.Node, c.Maintenance, now))),

        DefinePrimitive c => DecideDefine(s, c.Primitive, ConfigurationValidator.ValidatePrimitive(c.Primitive), () => new PrimitiveDefined(PrimitiveData.From(c.Primitive), now)),
        UpdatePrimitive c => DecideUpdate(s, c.Primitive, ConfigurationValidator.ValidatePrimitive(c.Primitive), () => new PrimitiveUpdated(PrimitiveData.From(c.Primitive), now)),
        DefineGroup c => DecideDefine(s, c.Group, ConfigurationValidator.ValidateGroup(c.Group), () => new GroupDefined(GroupData.From(c.Group), now)),
        UpdateGroup c => DecideUpdate(s, c.Group, ConfigurationValidator.ValidateGroup(c.Group), () => new GroupUpdated(GroupData.From(c.Group), now)),
        DeleteResource c => s.Resources.ContainsKey(c.Id)
            ? Accept(ResourceDeletionEvents(c.Id, s, now))
            : Refuse("unknown-resource", $"cannot delete '{c.Id}': no such resource", c.Id),
        SetResourceMeta c => WithResource(s, c.Resource, r =>
        {
            var invalid = ConfigurationValidator.ValidateMeta(c.Resource, c.Name, c.Value);
            if (invalid.Count > 0) return Decision<IConfigurationEvent>.Refuse(invalid);
            return r.Meta.Get(c.Name) == c.Value ? Accept() : Accept(new ResourceMetaAttributeSet(c.Resource, c.Name, c.Value, now));
        }),
        RemoveResourceMeta c => WithResource(s, c.Resource, r => r.Meta.ContainsKey(c.Name)
            ? Accept(new ResourceMetaAttributeRemoved(c.Resource, c.Name, now))
            : Accept()),

        DefineConstraint c => DecideDefineConstraint(c.Constraint, s, now),
        UpdateConstraint c => !s.Constraints.TryGetValue(c.Constraint.Id, out var existing)
            ? Refuse("unknown-constraint", $"cannot update '{c.Constraint.Id}': no such constraint", c.Constraint.Id)
            : existing.GetType() != c.Constraint.GetType()
                ? Refuse("constraint-kind-changed", $"'{c.Constraint.Id}' is a {Kind(existing)} constraint, not a {Kind(c.Constraint)} one", c.Constraint.Id)
                : Equals(existing, c.Constraint) ? Accept()
                : Checked(ConfigurationValidator.ValidateConstraint(c.Constraint), () => new ConstraintUpdated(ConstraintData.From(c.Constraint), now)),
        DeleteConstraint c => s.Constraints.ContainsKey(c.Id)
            ? Accept(new ConstraintDeleted(c.Id, now))
            : Refuse("unknown-constraint", $"cannot delete '{c.Id}': no such constraint", c.Id),

        _ => Refuse("unknown-command", $"'{command.GetType().Name}' is not a configuration command"),
    };

    public static ClusterConfiguration Evolve(ClusterConfiguration s, IConfigurationEvent e) => e switch
    {
        ClusterPropertySet x => s with { Properties = s.Properties.Set(x.Name, x.Value) },
        ClusterPropertyRemoved x => s with { Properties = s.Properties.Remove(x.Name) },
        ResourceDefaultSet x => s with { ResourceDefaults = s.ResourceDefaults.Set(x.Name, x.Value) },
        ResourceDefaultRemoved x => s with { ResourceDefaults = s.ResourceDefaults.Remove(x.Name) },
        OperationDefaultSet x => s with { OperationDefaults = s.OperationDefaults.Set(x.Name, x.Value) },
        OperationDefaultRemoved x => s with { OperationDefaults = s.OperationDefaults.Remove(x.Name) },

        NodeDefined x => s with { Nodes = s.Nodes.SetItem(x.Name, new NodeDefinition(x.Name, x.Attributes)) },
        NodeRemoved x => s with { Nodes = s.Nodes.Remove(x.Name) },
        NodeAttributeSet x => MapNode(s, x.Node, n => n with { Attributes = n.Attributes.Set(x.Name, x.Value) }),
        NodeAttributeRemoved x => MapNode(s, x.Node, n => n with { Attributes = n.Attributes.Remove(x.Name) }),
        NodeStandbyChanged x => MapNode(s, x.Node, n => n with
        {
            Attributes = x.Standby ? n.Attributes.Set(NodeDefinition.StandbyAttribute, "on") : n.Attributes.Remove(NodeDefinition.StandbyAttribute),
        }),
        NodeMaintenanceChanged x => MapNode(s, x.Node, n => n with
        {
            Attributes = x.Maintenance ? n.Attributes.Set(NodeDefinition.MaintenanceAttribute, "on") : n.Attributes.Remove(NodeDefinition.MaintenanceAttribute),
        }),

        PrimitiveDefined x => s with { Resources = s.Resources.SetItem(x.Primitive.Id, x.Primitive.ToPrimitive()) },
        PrimitiveUpdated x => s with { Resources = s.Resources.SetItem(x.Primitive.Id, x.Primitive.ToPrimitive()) },
        GroupDefined x => s with { Resources = s.Resources.SetItem(x.Group.Id, x.Group.ToGroup()) },
        GroupUpdated x => s with { Resources = s.Resources.SetItem(x.Group.Id, x.Group.ToGroup()) },
        ResourceDeleted x => s with { Resources = s.Resources.Remove(x.Id) },
        ResourceMetaAttributeSet x => MapResource(s, x.Resource, r => r with { Meta = r.Meta.Set(x.Name, x.Value) }),
        ResourceMetaAttributeRemoved x => MapResource(s, x.Resource, r => r with { Meta = r.Meta.Remove(x.Name) }),

        ConstraintDefined x => s with { Constraints = s.Constraints.SetItem(x.Constraint.Id, x.Constraint.ToConstraint()) },
        ConstraintUpdated x => s with { Constraints = s.Constraints.SetItem(x.Constraint.Id, x.Constraint.ToConstraint()) },
        ConstraintDeleted x => s with { Constraints = s.Constraints.Remove(x.Id) },

        _ => s,
    };

    public static ClusterConfiguration Fold(IEnumerable<IConfigurationEvent> events, ClusterConfiguration? from = null) =>
        events.Aggregate(from ?? ClusterConfiguration.Empty, Evolve);

    private static Decision<IConfigurationEvent> DecideDefineNode(DefineNode c, ClusterConfiguration s, DateTimeOffset now)
    {
        var attributes = c.Attributes ?? ValueMap.Empty;
        if (!Ids.IsValidNodeName(c.Name))
            return Refuse("invalid-id", $"'{c.Name}' is not a valid node name (letters, digits, '-', '_', '.')", c.Name);
        if (attributes.Keys.FirstOrDefault(k => !IsName(k)) is { } bad)
            return Refuse("invalid-attribute", $"'{bad}' is not a valid attribute name", c.Name);
        if (s.Nodes.TryGetValue(c.Name, out var existing))
            return existing.Attributes == attributes
                ? Accept()
                : Refuse("duplicate-id", $"node '{c.Name}' is already defined (with attributes {Show(existing.Attributes)})", c.Name);
        return Accept(new NodeDefined(c.Name, attributes, now));
    }

    private static Decision<IConfigurationEvent> DecideDefine<T>(ClusterConfiguration s, T resource, IReadOnlyList<DomainError> invalid, Func<IConfigurationEvent> made)
        where T : Resource
    {
        if (s.Resources.TryGetValue(resource.Id, out var existing))
            return Equals(existing, resource)
                ? Accept()
                : Refuse("duplicate-id", $"cannot define {Kind(resource)} '{resource.Id}': the id is already used by {Kind(existing)} '{existing.Id}'", resource.Id);
        if (s.Constraints.ContainsKey(resource.Id))
            return Refuse("duplicate-id", $"cannot define {Kind(resource)} '{resource.Id}': the id is already used by a constraint", resource.Id);
        return Checked(invalid, made);
    }

    private static Decision<IConfigurationEvent> DecideUpdate<T>(ClusterConfiguration s, T resource, IReadOnlyList<DomainError> invalid, Func<IConfigurationEvent> made)
        where T : Resource
    {
        if (!s.Resources.TryGetValue(resource.Id, out var existing))
            return Refuse("unknown-resource", $"cannot update {Kind(resource)} '{resource.Id}': no such resource", resource.Id);
        if (existing.GetType() != resource.GetType())
            return Refuse("resource-kind-changed", $"'{resource.Id}' is a {Kind(existing)}, not a {Kind(resource)}", resource.Id);
        return Equals(existing, resource) ? Accept() : Checked(invalid, made);
    }

    private static Decision<IConfigurationEvent> DecideDefineConstraint(Constraint c, ClusterConfiguration s, DateTimeOffset now)
    {
        if (s.Constraints.TryGetValue(c.Id, out var existing))
            return Equals(existing, c)
                ? Accept()
                : Refuse("duplicate-id", $"cannot define {Kind(c)} constraint '{c.Id}': the id is already used by a {Kind(existing)} constraint", c.Id);
        if (s.Resources.ContainsKey(c.Id))
            return Refuse("duplicate-id", $"cannot define {Kind(c)} constraint '{c.Id}': the id is already used by a resource", c.Id);
        return Checked(ConfigurationValidator.ValidateConstraint(c), () => new ConstraintDefined(ConstraintData.From(c), now));
    }

    /// <summary>
    /// Deleting a resource takes its constraints along and removes it from its group (an emptied group goes too),
    /// as crm does. Deleting a group keeps its members as stand-alone primitives.
    /// </summary>
    private static List<IConfigurationEvent> ResourceDeletionEvents(string id, ClusterConfiguration s, DateTimeOffset now)
    {
        var events = new List<IConfigurationEvent>();
        foreach (var c in s.Constraints.Values.Where(c => c.Resources.Contains(id)))
            events.Add(new ConstraintDeleted(c.Id, now));
        if (s.GroupOf(id) is { } parent)
        {
            var remaining = parent.Members.Where(m => m != id).ToValueList();
            if (remaining.IsEmpty)
            {
                foreach (var c in s.Constraints.Values.Where(c => c.Resources.Contains(parent.Id) && !events.OfType<ConstraintDeleted>().Any(d => d.Id == c.Id)))
                    events.Add(new ConstraintDeleted(c.Id, now));
                events.Add(new ResourceDeleted(parent.Id, now));
            }
            else
            {
                events.Add(new GroupUpdated(GroupData.From(parent with { Members = remaining }), now));
            }
        }
        events.Add(new ResourceDeleted(id, now));
        return events;
    }

    /// <summary>Removing a node drops the location constraints that name it.</summary>
    private static List<IConfigurationEvent> NodeRemovalEvents(string node, ClusterConfiguration s, DateTimeOffset now)
    {
        var events = new List<IConfigurationEvent>();
        foreach (var c in s.Constraints.Values.OfType<LocationConstraint>().Where(l => l.Node == node))
            events.Add(new ConstraintDeleted(c.Id, now));
        events.Add(new NodeRemoved(node, now));
        return events;
    }

    private static Decision<IConfigurationEvent> SetValue(ValueMap map, string name, string value, IReadOnlyList<DomainError> invalid, Func<IConfigurationEvent> made) =>
        invalid.Count > 0 ? Decision<IConfigurationEvent>.Refuse(invalid)
        : map.Get(name) == value ? Accept()
        : Accept(made());

    private static Decision<IConfigurationEvent> RemoveValue(ValueMap map, string name, string what, Func<IConfigurationEvent> made) =>
        map.ContainsKey(name) ? Accept(made()) : Refuse("unknown-attribute", $"cannot remove {what} '{name}': it is not set", name);

    private static Decision<IConfigurationEvent> WithNode(ClusterConfiguration s, string node, Func<NodeDefinition, Decision<IConfigurationEvent>> then) =>
        s.Nodes.TryGetValue(node, out var n) ? then(n) : Refuse("unknown-node", $"no node '{node}' is defined", node);

    private static Decision<IConfigurationEvent> WithResource(ClusterConfiguration s, string id, Func<Resource, Decision<IConfigurationEvent>> then) =>
        s.Resources.TryGetValue(id, out var r) ? then(r) : Refuse("unknown-resource", $"no resource '{id}' is defined", id);

    private static ClusterConfiguration MapNode(ClusterConfiguration s, string node, Func<NodeDefinition, NodeDefinition> f) =>
        s.Nodes.TryGetValue(node, out var n) ? s with { Nodes = s.Nodes.SetItem(node, f(n)) } : s;

    private static ClusterConfiguration MapResource(ClusterConfiguration s, string id, Func<Resource, Resource> f) =>
        s.Resources.TryGetValue(id, out var r) ? s with { Resources = s.Resources.SetItem(id, f(r)) } : s;

    private static Decision<IConfigurationEvent> Checked(IReadOnlyList<DomainError> invalid, Func<IConfigurationEvent> made) =>
        invalid.Count > 0 ? Decision<IConfigurationEvent>.Refuse(invalid) : Accept(made());

    private static Decision<IConfigurationEvent> Accept(params IConfigurationEvent[] events) => Decision<IConfigurationEvent>.Accept(events);
    private static Decision<IConfigurationEvent> Accept(List<IConfigurationEvent> events) => Decision<IConfigurationEvent>.Accept(events);

    private static Decision<IConfigurationEvent> Refuse(string code, string message, string? subject = null) =>
        Decision<IConfigurationEvent>.Refuse(new DomainError(code, message, subject));

    private static bool IsName(string name) => Ids.IsValid(name);

    private static string Show(ValueMap m) => m.IsEmpty ? "none" : m.ToString();

    internal static string Kind(Resource r) => r is Group ? "group" : "primitive";
    internal static string Kind(Constraint c) => c switch
    {
        LocationConstraint => "location",
        ColocationConstraint => "colocation",
        _ => "order",
    };
}

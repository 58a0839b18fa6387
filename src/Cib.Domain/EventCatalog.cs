using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Domain.Users;

namespace Cib.Domain;

/// <summary>One registered event: its CLR type, its stored name, and what it means in one line.</summary>
public sealed record EventRegistration(Type Type, string Name, string Meaning)
{
    public void Deconstruct(out Type type, out string name) => (type, name) = (Type, Name);
}

/// <summary>A stored name no longer written: events under it are read through an upcast as <see cref="ReadAs"/>.</summary>
public sealed record RetiredEventName(string Name, string ReadAs, string Why);

/// <summary>
/// The one list of stored event types. Each stored name (<c>cib.&lt;what_happened&gt;.vN</c>) is written out here
/// literally, never derived from a CLR name: renaming a record changes nothing in the log, and changing what an
/// event stores is a new version whose old name moves to <see cref="Retired"/>, read through an upcast
/// (<c>Cib.Projections.Store.EventUpcasts</c>). Tests pin both lists.
/// </summary>
public static class EventCatalog
{
    public static readonly IReadOnlyList<EventRegistration> All =
    [
        // Configuration (stream: the configuration), one event per edit of the crm configuration.
        Register<ClusterPropertySet>("cib.cluster_property_set.v1", "a cluster property (crm `property`) was set"),
        Register<ClusterPropertyRemoved>("cib.cluster_property_removed.v1", "a cluster property was removed: its default applies again"),
        Register<ResourceDefaultSet>("cib.resource_default_set.v1", "a resource default (`rsc_defaults`) was set"),
        Register<ResourceDefaultRemoved>("cib.resource_default_removed.v1", "a resource default was removed"),
        Register<OperationDefaultSet>("cib.operation_default_set.v1", "an operation default (`op_defaults`) was set"),
        Register<OperationDefaultRemoved>("cib.operation_default_removed.v1", "an operation default was removed"),
        Register<NodeDefined>("cib.node_defined.v1", "a node was added to the configuration, with its attributes"),
        Register<NodeRemoved>("cib.node_removed.v1", "a node was removed from the configuration"),
        Register<NodeAttributeSet>("cib.node_attribute_set.v1", "an attribute of a configured node was set"),
        Register<NodeAttributeRemoved>("cib.node_attribute_removed.v1", "an attribute of a configured node was removed"),
        Register<NodeStandbyChanged>("cib.node_standby_changed.v1", "a node was put in standby (runs nothing) or back online"),
        Register<NodeMaintenanceChanged>("cib.node_maintenance_changed.v1", "a node's maintenance mode was switched on or off"),
        Register<PrimitiveDefined>("cib.primitive_defined.v1", "a primitive resource was defined: agent, parameters, meta attributes, operations"),
        Register<PrimitiveUpdated>("cib.primitive_updated.v1", "a primitive resource's definition was replaced"),
        Register<GroupDefined>("cib.group_defined.v1", "a group (members started in order, on one node) was defined"),
        Register<GroupUpdated>("cib.group_updated.v1", "a group's members or meta attributes changed"),
        Register<ResourceDeleted>("cib.resource_deleted.v1", "a primitive or group was deleted from the configuration"),
        Register<ResourceMetaAttributeSet>("cib.resource_meta_attribute_set.v1", "a meta attribute of a resource (target-role, stickiness, ...) was set"),
        Register<ResourceMetaAttributeRemoved>("cib.resource_meta_attribute_removed.v1", "a meta attribute of a resource was removed"),
        Register<ConstraintDefined>("cib.constraint_defined.v1", "a location, colocation or order constraint was defined"),
        Register<ConstraintUpdated>("cib.constraint_updated.v1", "a constraint's definition was replaced"),
        Register<ConstraintDeleted>("cib.constraint_deleted.v1", "a constraint was deleted"),
        // Membership and the controller (streams: one per node, the controller's).
        Register<NodeJoined>("cib.node_joined.v1", "a node's runtime appeared (first time, or back after being lost, left or fenced)"),
        Register<NodeLeft>("cib.node_left.v1", "a node shut down cleanly: nothing needs fencing"),
        Register<NodeLost>("cib.node_lost.v1", "a node stopped renewing its lease: unclean until fenced"),
        Register<ControllerElected>("cib.controller_elected.v1", "a node runtime became the active controller for a new, higher term"),
        // Fencing (stream: one per target node).
        Register<FencingRequested>("cib.fencing_requested.v1", "the controller asked for a node to be fenced, through a chosen device"),
        Register<NodeFenced>("cib.node_fenced.v1", "a fence device confirmed the node off or rebooted: its resources may be recovered"),
        Register<FencingFailed>("cib.fencing_failed.v1", "a fence attempt failed (never a success): the node stays unclean"),
        // Operations (stream: one per resource).
        Register<ResourceOperationSucceeded>("cib.resource_operation_succeeded.v1", "an agent action finished as expected (for a probe or monitor: the state it saw)"),
        Register<ResourceOperationFailed>("cib.resource_operation_failed.v1", "an agent action failed, timed out or could not run"),
        Register<FailCountCleared>("cib.fail_count_cleared.v2", "failures of a resource were cleared (by an admin, or on expiry): it may run there again"),
        // Transitions (stream: one per transition).
        Register<TransitionPlanned>("cib.transition_planned.v1", "the policy engine planned the actions for the state as of a sequence number"),
        Register<ActionDispatched>("cib.action_dispatched.v1", "the controller sent one action of a transition to the node that carries it out"),
        Register<TransitionCompleted>("cib.transition_completed.v1", "every action of a transition finished"),
        Register<TransitionAborted>("cib.transition_aborted.v1", "a transition was abandoned mid-way (the state changed): a new plan replaces it"),
        // Fencing, added later (the order here is the golden list's, not the log's).
        Register<FencedNodePowerOnFailed>("cib.fenced_node_power_on_failed.v1", "after a reboot fence the node stayed off: an admin has to boot it"),
        // Operations, added later.
        Register<ResourceHistoryCleared>("cib.resource_history_cleared.v1", "a resource's operation history on a node (or every node) was forgotten by an admin: it is probed again"),
        Register<NodeTerminationRequested>("cib.node_termination_requested.v1", "an operator asked the cluster to fence a node: it is fenced like any node that must go"),
        // Users (stream: users): who may use the API and with which role; passwords are not events.
        Register<UserAdded>("cib.user_added.v1", "a user was created with a role (auditor, operator or admin)"),
        Register<UserRoleChanged>("cib.user_role_changed.v1", "a user's role changed"),
        Register<UserPasswordChanged>("cib.user_password_changed.v1", "a user's password was set anew (its hash is kept beside the log, never in it)"),
        Register<UserRemoved>("cib.user_removed.v1", "a user was removed: its tokens stop working"),
    ];

    /// <summary>Stored names that are no longer written; each is read as the named current event by an upcast.</summary>
    public static readonly IReadOnlyList<RetiredEventName> Retired =
    [
        new("cib.fail_count_cleared.v1", "cib.fail_count_cleared.v2",
            "stored who cleared as the Actor record's fields ({kind, name}); v2 stores the actor's text (user:alice), as the metadata does"),
    ];

    private static readonly Dictionary<Type, string> ByType = All.ToDictionary(x => x.Type, x => x.Name);
    private static readonly Dictionary<string, Type> ByName = All.ToDictionary(x => x.Name, x => x.Type);
    private static readonly Dictionary<Type, string> Meanings = All.ToDictionary(x => x.Type, x => x.Meaning);

    public static string NameOf(Type eventType) =>
        ByType.TryGetValue(eventType, out var n) ? n : throw new InvalidOperationException($"{eventType.Name} is not a registered event");

    public static string NameOf(ICibEvent e) => NameOf(e.GetType());

    /// <summary>The type of a current stored name; null for an unknown or retired one.</summary>
    public static Type? TypeOf(string name) => ByName.GetValueOrDefault(name);

    /// <summary>What an event type means, in one line.</summary>
    public static string MeaningOf(Type eventType) =>
        Meanings.TryGetValue(eventType, out var m) ? m : throw new InvalidOperationException($"{eventType.Name} is not a registered event");

    private static EventRegistration Register<T>(string name, string meaning) where T : ICibEvent => new(typeof(T), name, meaning);
}

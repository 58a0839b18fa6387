using Xunit;

namespace Cib.Domain.Tests;

/// <summary>
/// Stored event names are the audit trail's vocabulary: renaming one makes old events unreadable.
/// This list changes only deliberately (a new event, or an upcast to a new version), and the diff is the review.
/// </summary>
public class EventCatalogTests
{
    private static readonly string[] Golden =
    [
        "cib.cluster_property_set.v1",
        "cib.cluster_property_removed.v1",
        "cib.resource_default_set.v1",
        "cib.resource_default_removed.v1",
        "cib.operation_default_set.v1",
        "cib.operation_default_removed.v1",
        "cib.node_defined.v1",
        "cib.node_removed.v1",
        "cib.node_attribute_set.v1",
        "cib.node_attribute_removed.v1",
        "cib.node_standby_changed.v1",
        "cib.node_maintenance_changed.v1",
        "cib.primitive_defined.v1",
        "cib.primitive_updated.v1",
        "cib.group_defined.v1",
        "cib.group_updated.v1",
        "cib.resource_deleted.v1",
        "cib.resource_meta_attribute_set.v1",
        "cib.resource_meta_attribute_removed.v1",
        "cib.constraint_defined.v1",
        "cib.constraint_updated.v1",
        "cib.constraint_deleted.v1",
        "cib.node_joined.v1",
        "cib.node_left.v1",
        "cib.node_lost.v1",
        "cib.controller_elected.v1",
        "cib.fencing_requested.v1",
        "cib.node_fenced.v1",
        "cib.fencing_failed.v1",
        "cib.resource_operation_succeeded.v1",
        "cib.resource_operation_failed.v1",
        "cib.fail_count_cleared.v1",
        "cib.transition_planned.v1",
        "cib.action_dispatched.v1",
        "cib.transition_completed.v1",
        "cib.transition_aborted.v1",
        "cib.fenced_node_power_on_failed.v1",
    ];

    [Fact]
    public void Stored_event_names_are_pinned() => Assert.Equal(Golden, EventCatalog.All.Select(e => e.Name));

    [Fact]
    public void Every_event_type_is_registered_once()
    {
        var eventTypes = typeof(ICibEvent).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICibEvent).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal).ToList();
        Assert.Equal(eventTypes, EventCatalog.All.Select(e => e.Type).OrderBy(t => t.FullName, StringComparer.Ordinal));
        Assert.Equal(EventCatalog.All.Count, EventCatalog.All.Select(e => e.Name).Distinct().Count());
    }

    [Fact]
    public void Events_are_sealed_records_named_in_the_past_tense()
    {
        foreach (var (type, _) in EventCatalog.All)
        {
            Assert.True(type.IsSealed, $"{type.Name} should be sealed");
            Assert.NotNull(type.GetMethod("<Clone>$")); // a record
            Assert.Matches("(ed|Set|Lost|Left)$", type.Name);
        }
    }

    [Fact]
    public void Names_resolve_both_ways()
    {
        foreach (var (type, name) in EventCatalog.All)
        {
            Assert.Equal(name, EventCatalog.NameOf(type));
            Assert.Equal(type, EventCatalog.TypeOf(name));
        }
        Assert.Throws<InvalidOperationException>(() => EventCatalog.NameOf(typeof(string)));
    }
}

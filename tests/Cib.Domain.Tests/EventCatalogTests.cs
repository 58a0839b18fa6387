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
        "cib.fail_count_cleared.v2",
        "cib.transition_planned.v1",
        "cib.action_dispatched.v1",
        "cib.transition_completed.v1",
        "cib.transition_aborted.v1",
        "cib.fenced_node_power_on_failed.v1",
        "cib.resource_history_cleared.v1",
        "cib.node_termination_requested.v1",
        "cib.user_added.v1",
        "cib.user_role_changed.v1",
        "cib.user_password_changed.v1",
        "cib.user_removed.v1",
    ];

    /// <summary>Names no longer written, still read (through an upcast): never to be given to another event.</summary>
    private static readonly string[] RetiredGolden =
    [
        "cib.fail_count_cleared.v1",
    ];

    [Fact]
    public void Stored_event_names_are_pinned() => Assert.Equal(Golden, EventCatalog.All.Select(e => e.Name));

    [Fact]
    public void Retired_names_are_pinned_and_each_is_read_as_a_current_event()
    {
        Assert.Equal(RetiredGolden, EventCatalog.Retired.Select(r => r.Name));
        foreach (var retired in EventCatalog.Retired)
        {
            Assert.Null(EventCatalog.TypeOf(retired.Name));
            Assert.NotNull(EventCatalog.TypeOf(retired.ReadAs));
            Assert.False(string.IsNullOrWhiteSpace(retired.Why));
        }
    }

    [Fact]
    public void Every_stored_name_is_written_out_literally_in_the_catalog()
    {
        // Derived names would change with a CLR rename; a literal in the source does not.
        var source = File.ReadAllText(Path.Combine(TestSupport.Repo.Root, "src", "Cib.Domain", "EventCatalog.cs"));
        foreach (var name in EventCatalog.All.Select(e => e.Name).Concat(EventCatalog.Retired.Select(r => r.Name)))
        {
            Assert.Matches(@"^cib\.[a-z]+(_[a-z]+)*\.v[1-9][0-9]*$", name);
            Assert.Contains($"\"{name}\"", source);
        }
    }

    [Fact]
    public void Every_event_has_a_one_line_meaning()
    {
        foreach (var e in EventCatalog.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Meaning), $"{e.Name} has no meaning");
            Assert.DoesNotContain('\n', e.Meaning);
            Assert.Equal(e.Meaning, EventCatalog.MeaningOf(e.Type));
        }
    }

    [Fact]
    public void Every_event_type_is_registered_once()
    {
        var eventTypes = typeof(ICibEvent).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICibEvent).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal).ToList();
        Assert.Equal(eventTypes, EventCatalog.All.Select(e => e.Type).OrderBy(t => t.FullName, StringComparer.Ordinal));
        var names = EventCatalog.All.Select(e => e.Name).Concat(EventCatalog.Retired.Select(r => r.Name)).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
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

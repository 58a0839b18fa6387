using Xunit;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Domain.Tests.Deciders;

public class DefineGroupTests : DeciderSpec
{
    private static readonly ClusterConfigurationBuilder Three = new(Dummy("a"), Dummy("b"), Dummy("c"));

    [Fact]
    public void Defines_a_group() =>
        Then(When(Three.State, new DefineGroup(Group.Create("g", "a", "b"))), new GroupDefined(GroupData.From(Group.Create("g", "a", "b")), Now));

    [Fact]
    public void Defining_the_same_group_again_is_a_no_op() =>
        ThenNothing(When(Three.With(new GroupDefined(GroupData.From(Group.Create("g", "a")), Earlier)), new DefineGroup(Group.Create("g", "a"))));

    [Fact]
    public void Refuses_an_unknown_member()
    {
        var error = ThenRefused(When(Three.State, new DefineGroup(Group.Create("g", "a", "zz"))), "unknown-reference");
        Assert.Contains("zz", error.Message);
        Assert.Equal("g", error.Subject);
    }

    [Fact]
    public void Refuses_a_primitive_in_two_groups() =>
        ThenRefused(When(Three.With(new GroupDefined(GroupData.From(Group.Create("g1", "a", "b")), Earlier)), new DefineGroup(Group.Create("g2", "b", "c"))),
            "member-of-two-groups");

    [Fact]
    public void Refuses_a_group_as_member() =>
        ThenRefused(When(Three.With(new GroupDefined(GroupData.From(Group.Create("g1", "a")), Earlier)), new DefineGroup(Group.Create("g2", "g1", "b"))),
            "group-in-group");

    [Fact]
    public void Refuses_an_empty_group() => ThenRefused(When(Three.State, new DefineGroup(Group.Create("g"))), "empty-group");

    [Fact]
    public void Refuses_a_member_listed_twice() =>
        ThenRefused(When(Three.State, new DefineGroup(Group.Create("g", "a", "a"))), "duplicate-member");

    [Fact]
    public void Refuses_an_id_used_by_a_primitive() =>
        ThenRefused(When(Three.State, new DefineGroup(Group.Create("a", "b"))), "duplicate-id");
}

public class UpdateGroupTests : DeciderSpec
{
    [Fact]
    public void Changes_members_and_order()
    {
        var state = new ClusterConfigurationBuilder(Dummy("a"), Dummy("b")).With(new GroupDefined(GroupData.From(Group.Create("g", "a")), Earlier));
        Then(When(state, new UpdateGroup(Group.Create("g", "b", "a"))), new GroupUpdated(GroupData.From(Group.Create("g", "b", "a")), Now));
    }

    [Fact]
    public void Refuses_an_unknown_group() =>
        ThenRefused(When(new ClusterConfigurationBuilder(Dummy("a")).State, new UpdateGroup(Group.Create("g", "a"))), "unknown-resource");

    [Fact]
    public void Refuses_an_unknown_member() =>
        ThenRefused(When(new ClusterConfigurationBuilder(Dummy("a")).With(new GroupDefined(GroupData.From(Group.Create("g", "a")), Earlier)),
            new UpdateGroup(Group.Create("g", "a", "b"))), "unknown-reference");
}

public class DeleteResourceTests : DeciderSpec
{
    [Fact]
    public void Deletes_a_primitive() =>
        Then(When(new ClusterConfigurationBuilder(Dummy("a")).State, new DeleteResource("a")), new ResourceDeleted("a", Now));

    [Fact]
    public void Takes_its_constraints_along()
    {
        var state = new ClusterConfigurationBuilder(Dummy("a"), Dummy("b")).With(
            Node("node1"),
            new ConstraintDefined(ConstraintData.From(new LocationConstraint("loc", "a", "node1", Score.Of(10))), Earlier),
            new ConstraintDefined(ConstraintData.From(new ColocationConstraint("col", "b", "a", Score.Infinity)), Earlier),
            new ConstraintDefined(ConstraintData.From(new LocationConstraint("keep", "b", "node1", Score.Of(10))), Earlier));
        Then(When(state, new DeleteResource("a")),
            new ConstraintDeleted("col", Now), new ConstraintDeleted("loc", Now), new ResourceDeleted("a", Now));
    }

    [Fact]
    public void Leaves_its_group()
    {
        var state = new ClusterConfigurationBuilder(Dummy("a"), Dummy("b")).With(new GroupDefined(GroupData.From(Group.Create("g", "a", "b")), Earlier));
        Then(When(state, new DeleteResource("a")), new GroupUpdated(GroupData.From(Group.Create("g", "b")), Now), new ResourceDeleted("a", Now));
    }

    [Fact]
    public void Deleting_the_last_member_deletes_the_group()
    {
        var state = new ClusterConfigurationBuilder(Dummy("a")).With(new GroupDefined(GroupData.From(Group.Create("g", "a")), Earlier));
        Then(When(state, new DeleteResource("a")), new ResourceDeleted("g", Now), new ResourceDeleted("a", Now));
    }

    [Fact]
    public void Deleting_a_group_keeps_its_members()
    {
        var state = new ClusterConfigurationBuilder(Dummy("a")).With(new GroupDefined(GroupData.From(Group.Create("g", "a")), Earlier));
        var decision = When(state, new DeleteResource("g"));
        Then(decision, new ResourceDeleted("g", Now));
        Assert.True(ConfigurationDecider.Fold(decision.Events, state).Resources.ContainsKey("a"));
    }

    [Fact]
    public void Refuses_an_unknown_resource() => ThenRefused(When(Given(), new DeleteResource("zz")), "unknown-resource");
}

public class SetResourceMetaTests : DeciderSpec
{
    [Fact]
    public void Stops_a_resource_through_target_role() =>
        Then(When(new ClusterConfigurationBuilder(Dummy("a")).State, new SetResourceMeta("a", "target-role", "Stopped")),
            new ResourceMetaAttributeSet("a", "target-role", "Stopped", Now));

    [Fact]
    public void Same_value_again_is_a_no_op() =>
        ThenNothing(When(new ClusterConfigurationBuilder(Dummy("a")).With(new ResourceMetaAttributeSet("a", "is-managed", "false", Earlier)),
            new SetResourceMeta("a", "is-managed", "false")));

    [Fact]
    public void Refuses_an_invalid_value() =>
        ThenRefused(When(new ClusterConfigurationBuilder(Dummy("a")).State, new SetResourceMeta("a", "resource-stickiness", "high")), "invalid-score");

    [Fact]
    public void Refuses_an_unknown_resource() => ThenRefused(When(Given(), new SetResourceMeta("zz", "target-role", "Stopped")), "unknown-resource");
}

public class RemoveResourceMetaTests : DeciderSpec
{
    [Fact]
    public void Removes_a_meta_attribute() =>
        Then(When(new ClusterConfigurationBuilder(Dummy("a")).With(new ResourceMetaAttributeSet("a", "target-role", "Stopped", Earlier)),
            new RemoveResourceMeta("a", "target-role")), new ResourceMetaAttributeRemoved("a", "target-role", Now));

    [Fact]
    public void Removing_what_is_not_set_is_a_no_op() =>
        ThenNothing(When(new ClusterConfigurationBuilder(Dummy("a")).State, new RemoveResourceMeta("a", "target-role")));

    [Fact]
    public void Refuses_an_unknown_resource() => ThenRefused(When(Given(), new RemoveResourceMeta("zz", "target-role")), "unknown-resource");
}

/// <summary>A state with some primitives defined, plus further history.</summary>
public sealed class ClusterConfigurationBuilder(params Primitive[] primitives)
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 11, 0, 0, TimeSpan.Zero);

    public Cib.Domain.Configuration.ClusterConfiguration State =>
        Cib.Domain.Configuration.ConfigurationDecider.Fold(primitives.Select(p => (IConfigurationEvent)new PrimitiveDefined(PrimitiveData.From(p), At)));

    public Cib.Domain.Configuration.ClusterConfiguration With(params IConfigurationEvent[] more) =>
        Cib.Domain.Configuration.ConfigurationDecider.Fold(more, State);
}

using Xunit;
using Cib.Domain.Constraints;
using Cib.Domain.Primitives;

namespace Cib.Domain.Tests.Deciders;

public class DefineConstraintTests : DeciderSpec
{
    private static readonly Cib.Domain.Configuration.ClusterConfiguration TwoResources =
        new ClusterConfigurationBuilder(Dummy("a"), Dummy("b")).With(Node("node1"));

    private static readonly LocationConstraint Prefer = new("prefer", "a", "node1", Score.Of(50));

    [Fact]
    public void Defines_a_location() => Then(When(TwoResources, new DefineConstraint(Prefer)), new ConstraintDefined(ConstraintData.From(Prefer), Now));

    [Fact]
    public void Defines_a_colocation_and_an_order()
    {
        var col = new ColocationConstraint("together", "b", "a", Score.Infinity);
        var ord = OrderConstraint.Create("a-then-b", "a", "b");
        Then(When(TwoResources, new DefineConstraint(col), new DefineConstraint(ord)), new ConstraintDefined(ConstraintData.From(col), Now), new ConstraintDefined(ConstraintData.From(ord), Now));
    }

    [Fact]
    public void Defining_the_same_constraint_again_is_a_no_op() =>
        ThenNothing(When(Cib.Domain.Configuration.ConfigurationDecider.Evolve(TwoResources, new ConstraintDefined(ConstraintData.From(Prefer), Earlier)), new DefineConstraint(Prefer)));

    [Fact]
    public void Refuses_a_different_constraint_under_an_existing_id() =>
        ThenRefused(When(Cib.Domain.Configuration.ConfigurationDecider.Evolve(TwoResources, new ConstraintDefined(ConstraintData.From(Prefer), Earlier)),
            new DefineConstraint(Prefer with { Score = Score.Of(10) })), "duplicate-id");

    [Fact]
    public void Refuses_an_id_used_by_a_resource() =>
        ThenRefused(When(TwoResources, new DefineConstraint(Prefer with { Id = "a" })), "duplicate-id");

    [Fact]
    public void Refuses_an_unknown_resource()
    {
        var error = ThenRefused(When(TwoResources, new DefineConstraint(Prefer with { Resource = "zz" })), "unknown-reference");
        Assert.Equal("prefer", error.Subject);
    }

    [Fact]
    public void Refuses_an_unknown_node() =>
        ThenRefused(When(TwoResources, new DefineConstraint(Prefer with { Node = "node9" })), "unknown-reference");

    [Fact]
    public void Refuses_self_colocation() =>
        ThenRefused(When(TwoResources, new DefineConstraint(new ColocationConstraint("self", "a", "a", Score.Infinity))), "self-colocation");

    [Fact]
    public void Refuses_self_order() =>
        ThenRefused(When(TwoResources, new DefineConstraint(OrderConstraint.Create("self", "a", "a"))), "self-order");

    [Fact]
    public void Refuses_an_unknown_order_action() =>
        ThenRefused(When(TwoResources, new DefineConstraint(OrderConstraint.Create("o", "a", "b") with { FirstAction = "boot" })), "invalid-action");
}

public class UpdateConstraintTests : DeciderSpec
{
    private static readonly LocationConstraint Prefer = new("prefer", "a", "node1", Score.Of(50));
    private static readonly Cib.Domain.Configuration.ClusterConfiguration WithPrefer =
        new ClusterConfigurationBuilder(Dummy("a")).With(Node("node1"), new ConstraintDefined(ConstraintData.From(Prefer), Earlier));

    [Fact]
    public void Changes_a_score() =>
        Then(When(WithPrefer, new UpdateConstraint(Prefer with { Score = Score.MinusInfinity })), new ConstraintUpdated(ConstraintData.From(Prefer with { Score = Score.MinusInfinity }), Now));

    [Fact]
    public void Same_definition_is_a_no_op() => ThenNothing(When(WithPrefer, new UpdateConstraint(Prefer)));

    [Fact]
    public void Refuses_an_unknown_constraint() =>
        ThenRefused(When(WithPrefer, new UpdateConstraint(Prefer with { Id = "other" })), "unknown-constraint");

    [Fact]
    public void Refuses_a_change_of_kind() =>
        ThenRefused(When(WithPrefer, new UpdateConstraint(new ColocationConstraint("prefer", "a", "b", Score.Infinity))), "constraint-kind-changed");
}

public class DeleteConstraintTests : DeciderSpec
{
    [Fact]
    public void Deletes_a_constraint()
    {
        var state = new ClusterConfigurationBuilder(Dummy("a")).With(Node("node1"), new ConstraintDefined(ConstraintData.From(new LocationConstraint("p", "a", "node1", Score.Of(1))), Earlier));
        Then(When(state, new DeleteConstraint("p")), new ConstraintDeleted("p", Now));
    }

    [Fact]
    public void Refuses_an_unknown_constraint() => ThenRefused(When(Given(), new DeleteConstraint("p")), "unknown-constraint");
}

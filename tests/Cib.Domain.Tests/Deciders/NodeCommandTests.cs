using Xunit;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;

namespace Cib.Domain.Tests.Deciders;

public class DefineNodeTests : DeciderSpec
{
    [Fact]
    public void Defines_a_node() =>
        Then(When(Given(), new DefineNode("node1")), new NodeDefined("node1", ValueMap.Empty, Now));

    [Fact]
    public void Defines_a_node_with_attributes() =>
        Then(When(Given(), new DefineNode("node1", ValueMap.Of(("rack", "r1")))), new NodeDefined("node1", ValueMap.Of(("rack", "r1")), Now));

    [Fact]
    public void Defining_the_same_node_again_is_a_no_op() =>
        ThenNothing(When(Given(Node("node1")), new DefineNode("node1")));

    [Fact]
    public void Refuses_a_different_node_under_an_existing_name() =>
        ThenRefused(When(Given(Node("node1")), new DefineNode("node1", ValueMap.Of(("rack", "r2")))), "duplicate-id");

    [Theory]
    [InlineData("")]
    [InlineData("-node")]
    [InlineData("node 1")]
    public void Refuses_an_invalid_name(string name) => ThenRefused(When(Given(), new DefineNode(name)), "invalid-id");
}

public class RemoveNodeTests : DeciderSpec
{
    [Fact]
    public void Removes_a_node() => Then(When(Given(Node("node1")), new RemoveNode("node1")), new NodeRemoved("node1", Now));

    [Fact]
    public void Takes_location_constraints_on_the_node_along()
    {
        var state = Given(Node("node1"), Node("node2"), Defined(Dummy("d")),
            new ConstraintDefined(ConstraintData.From(new LocationConstraint("pref", "d", "node1", Score.Of(50))), Earlier),
            new ConstraintDefined(ConstraintData.From(new LocationConstraint("other", "d", "node2", Score.Of(10))), Earlier));
        Then(When(state, new RemoveNode("node1")), new ConstraintDeleted("pref", Now), new NodeRemoved("node1", Now));
    }

    [Fact]
    public void Refuses_an_unknown_node() => ThenRefused(When(Given(), new RemoveNode("node9")), "unknown-node");
}

public class SetNodeAttributeTests : DeciderSpec
{
    [Fact]
    public void Sets_an_attribute() =>
        Then(When(Given(Node("node1")), new SetNodeAttribute("node1", "rack", "r1")), new NodeAttributeSet("node1", "rack", "r1", Now));

    [Fact]
    public void Same_value_again_is_a_no_op() =>
        ThenNothing(When(Given(Node("node1"), new NodeAttributeSet("node1", "rack", "r1", Earlier)), new SetNodeAttribute("node1", "rack", "r1")));

    [Fact]
    public void Refuses_an_unknown_node() => ThenRefused(When(Given(), new SetNodeAttribute("node9", "rack", "r1")), "unknown-node");

    [Fact]
    public void Refuses_an_invalid_attribute_name() =>
        ThenRefused(When(Given(Node("node1")), new SetNodeAttribute("node1", "a b", "r1")), "invalid-attribute");
}

public class RemoveNodeAttributeTests : DeciderSpec
{
    [Fact]
    public void Removes_an_attribute() =>
        Then(When(Given(Node("node1"), new NodeAttributeSet("node1", "rack", "r1", Earlier)), new RemoveNodeAttribute("node1", "rack")),
            new NodeAttributeRemoved("node1", "rack", Now));

    [Fact]
    public void Refuses_an_attribute_that_is_not_set() =>
        ThenRefused(When(Given(Node("node1")), new RemoveNodeAttribute("node1", "rack")), "unknown-attribute");

    [Fact]
    public void Refuses_an_unknown_node() => ThenRefused(When(Given(), new RemoveNodeAttribute("node9", "rack")), "unknown-node");
}

public class SetNodeStandbyTests : DeciderSpec
{
    [Fact]
    public void Puts_a_node_in_standby()
    {
        var decision = When(Given(Node("node1")), new SetNodeStandby("node1", true));
        Then(decision, new NodeStandbyChanged("node1", true, Now));
        Assert.True(ConfigurationDecider.Fold(decision.Events, Given(Node("node1"))).Nodes["node1"].IsStandby);
    }

    [Fact]
    public void Brings_a_node_back_online()
    {
        var state = Given(Node("node1"), new NodeStandbyChanged("node1", true, Earlier));
        var decision = When(state, new SetNodeStandby("node1", false));
        Then(decision, new NodeStandbyChanged("node1", false, Now));
        Assert.False(ConfigurationDecider.Fold(decision.Events, state).Nodes["node1"].IsStandby);
    }

    [Fact]
    public void Standby_twice_is_a_no_op() =>
        ThenNothing(When(Given(Node("node1"), new NodeStandbyChanged("node1", true, Earlier)), new SetNodeStandby("node1", true)));

    [Fact]
    public void Refuses_an_unknown_node() => ThenRefused(When(Given(), new SetNodeStandby("node9", true)), "unknown-node");
}

public class SetNodeMaintenanceTests : DeciderSpec
{
    [Fact]
    public void Puts_a_node_in_maintenance()
    {
        var decision = When(Given(Node("node1")), new SetNodeMaintenance("node1", true));
        Then(decision, new NodeMaintenanceChanged("node1", true, Now));
        Assert.True(ConfigurationDecider.Fold(decision.Events, Given(Node("node1"))).Nodes["node1"].IsMaintenance);
    }

    [Fact]
    public void Maintenance_off_when_already_off_is_a_no_op() =>
        ThenNothing(When(Given(Node("node1")), new SetNodeMaintenance("node1", false)));

    [Fact]
    public void Refuses_an_unknown_node() => ThenRefused(When(Given(), new SetNodeMaintenance("node9", true)), "unknown-node");
}

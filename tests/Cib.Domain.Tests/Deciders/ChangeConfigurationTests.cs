using Xunit;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Domain.Tests.Deciders;

/// <summary>A change is a batch: all or nothing, references checked on the result so order inside it does not matter.</summary>
public class ChangeConfigurationTests : DeciderSpec
{
    [Fact]
    public void References_may_come_before_what_they_name()
    {
        var decision = When(Given(),
            new DefineConstraint(new LocationConstraint("prefer", "g", "node1", Score.Of(50))),
            new DefineGroup(Group.Create("g", "a")),
            new DefinePrimitive(Dummy("a")),
            new DefineNode("node1"));
        Assert.True(decision.IsAccepted, string.Join("; ", decision.Errors));
        Assert.Equal(4, decision.Events.Count);
    }

    [Fact]
    public void One_bad_edit_refuses_the_whole_change()
    {
        var decision = When(Given(), new DefineNode("node1"), new SetClusterProperty("stonith-enabled", "maybe"), new DefinePrimitive(Dummy("a")));
        Assert.False(decision.IsAccepted);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Every_error_of_the_change_is_reported()
    {
        var decision = When(Given(), new SetClusterProperty("stonith-enabled", "maybe"), new DeleteResource("zz"));
        Assert.Equal(["invalid-value", "unknown-resource"], decision.Errors.Select(e => e.Code));
    }

    [Fact]
    public void An_empty_change_produces_nothing() => ThenNothing(When(Given()));

    [Fact]
    public void Evolve_ignores_events_for_objects_that_are_gone()
    {
        var state = Given(new NodeAttributeSet("ghost", "a", "b", Earlier), new ResourceMetaAttributeSet("ghost", "target-role", "Stopped", Earlier));
        Assert.Equal(ClusterConfiguration.Empty, state);
    }
}

using Xunit;
using Cib.Domain.Configuration;

namespace Cib.Domain.Tests.Deciders;

public class SetClusterPropertyTests : DeciderSpec
{
    [Fact]
    public void Sets_a_property() =>
        Then(When(Given(), new SetClusterProperty("stonith-enabled", "false")), new ClusterPropertySet("stonith-enabled", "false", Now));

    [Fact]
    public void Changes_a_property() =>
        Then(When(Given(new ClusterPropertySet("no-quorum-policy", "stop", Earlier)), new SetClusterProperty("no-quorum-policy", "freeze")),
            new ClusterPropertySet("no-quorum-policy", "freeze", Now));

    [Fact]
    public void Setting_the_same_value_again_is_a_no_op() =>
        ThenNothing(When(Given(new ClusterPropertySet("stonith-enabled", "true", Earlier)), new SetClusterProperty("stonith-enabled", "true")));

    [Fact]
    public void Accepts_unknown_properties_as_pacemaker_does() =>
        Then(When(Given(), new SetClusterProperty("dc-version", "2.1.5")), new ClusterPropertySet("dc-version", "2.1.5", Now));

    [Theory]
    [InlineData("stonith-enabled", "maybe")]
    [InlineData("symmetric-cluster", "2")]
    [InlineData("stonith-timeout", "soon")]
    [InlineData("cluster-recheck-interval", "often")]
    [InlineData("no-quorum-policy", "panic")]
    public void Refuses_an_invalid_value(string name, string value)
    {
        var error = ThenRefused(When(Given(), new SetClusterProperty(name, value)), "invalid-value");
        Assert.Contains(name, error.Message);
        Assert.Contains(value, error.Message);
    }

    [Fact]
    public void Refuses_an_invalid_name() =>
        ThenRefused(When(Given(), new SetClusterProperty("bad name", "1")), "invalid-attribute");

    [Fact]
    public void The_typed_view_has_pacemaker_defaults()
    {
        var options = Given().Options;
        Assert.True(options.IsStonithEnabled);
        Assert.Equal("stop", options.NoQuorum);
        Assert.True(options.IsSymmetric);
        Assert.Equal(60_000, options.StonithTimeoutValue.Milliseconds);
    }
}

public class RemoveClusterPropertyTests : DeciderSpec
{
    [Fact]
    public void Removes_a_property() =>
        Then(When(Given(new ClusterPropertySet("stonith-enabled", "false", Earlier)), new RemoveClusterProperty("stonith-enabled")),
            new ClusterPropertyRemoved("stonith-enabled", Now));

    [Fact]
    public void Refuses_to_remove_what_is_not_set() =>
        ThenRefused(When(Given(), new RemoveClusterProperty("stonith-enabled")), "unknown-attribute");
}

using Xunit;
using Cib.Domain.Configuration;

namespace Cib.Domain.Tests.Deciders;

public class SetResourceDefaultTests : DeciderSpec
{
    [Fact]
    public void Sets_a_resource_default() =>
        Then(When(Given(), new SetResourceDefault("resource-stickiness", "1")), new ResourceDefaultSet("resource-stickiness", "1", Now));

    [Fact]
    public void Same_value_again_is_a_no_op() =>
        ThenNothing(When(Given(new ResourceDefaultSet("migration-threshold", "3", Earlier)), new SetResourceDefault("migration-threshold", "3")));

    [Theory]
    [InlineData("resource-stickiness", "sticky", "invalid-score")]
    [InlineData("migration-threshold", "three", "invalid-score")]
    [InlineData("failure-timeout", "never", "invalid-value")]
    [InlineData("target-role", "Running", "invalid-value")]
    [InlineData("is-managed", "perhaps", "invalid-value")]
    [InlineData("multiple-active", "all", "invalid-value")]
    public void Refuses_invalid_values(string name, string value, string code) =>
        ThenRefused(When(Given(), new SetResourceDefault(name, value)), code);
}

public class RemoveResourceDefaultTests : DeciderSpec
{
    [Fact]
    public void Removes_a_resource_default() =>
        Then(When(Given(new ResourceDefaultSet("resource-stickiness", "1", Earlier)), new RemoveResourceDefault("resource-stickiness")),
            new ResourceDefaultRemoved("resource-stickiness", Now));

    [Fact]
    public void Refuses_to_remove_what_is_not_set() =>
        ThenRefused(When(Given(), new RemoveResourceDefault("resource-stickiness")), "unknown-attribute");
}

public class SetOperationDefaultTests : DeciderSpec
{
    [Fact]
    public void Sets_an_operation_default() =>
        Then(When(Given(), new SetOperationDefault("timeout", "20s")), new OperationDefaultSet("timeout", "20s", Now));

    [Fact]
    public void Same_value_again_is_a_no_op() =>
        ThenNothing(When(Given(new OperationDefaultSet("timeout", "20s", Earlier)), new SetOperationDefault("timeout", "20s")));

    [Theory]
    [InlineData("timeout", "0s", "invalid-timeout")]
    [InlineData("timeout", "forever", "invalid-timeout")]
    [InlineData("interval", "often", "invalid-interval")]
    [InlineData("on-fail", "panic", "invalid-value")]
    public void Refuses_invalid_values(string name, string value, string code) =>
        ThenRefused(When(Given(), new SetOperationDefault(name, value)), code);
}

public class RemoveOperationDefaultTests : DeciderSpec
{
    [Fact]
    public void Removes_an_operation_default() =>
        Then(When(Given(new OperationDefaultSet("timeout", "20s", Earlier)), new RemoveOperationDefault("timeout")),
            new OperationDefaultRemoved("timeout", Now));

    [Fact]
    public void Refuses_to_remove_what_is_not_set() =>
        ThenRefused(When(Given(), new RemoveOperationDefault("timeout")), "unknown-attribute");
}

using Xunit;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Domain.Tests.Deciders;

public class DefinePrimitiveTests : DeciderSpec
{
    private static readonly Primitive Ip = Primitive.Create("ip", "ocf:heartbeat:IPaddr2",
        ValueMap.Of(("ip", "192.0.2.10"), ("cidr_netmask", "24")), ValueMap.Of(("target-role", "Started")),
        OperationDefinition.Create("monitor", "10s", "20s"));

    [Fact]
    public void Defines_a_primitive() => Then(When(Given(), new DefinePrimitive(Ip)), new PrimitiveDefined(PrimitiveData.From(Ip), Now));

    [Fact]
    public void Defining_the_same_primitive_again_is_a_no_op() => ThenNothing(When(Given(Defined(Ip)), new DefinePrimitive(Ip)));

    [Fact]
    public void Refuses_a_different_primitive_under_an_existing_id()
    {
        var error = ThenRefused(When(Given(Defined(Ip)), new DefinePrimitive(Dummy("ip"))), "duplicate-id");
        Assert.Equal("ip", error.Subject);
    }

    [Fact]
    public void Refuses_an_id_used_by_a_group() =>
        ThenRefused(When(Given(Defined(Dummy("a")), new GroupDefined(GroupData.From(Group.Create("g", "a")), Earlier)), new DefinePrimitive(Dummy("g"))), "duplicate-id");

    [Theory]
    [InlineData("1ip")]
    [InlineData("ip address")]
    public void Refuses_an_invalid_id(string id) => ThenRefused(When(Given(), new DefinePrimitive(Dummy(id))), "invalid-id");

    [Theory]
    [InlineData("ocf:Dummy")]
    [InlineData("lsb:heartbeat:apache2")]
    [InlineData("upstart:apache2")]
    public void Refuses_an_invalid_agent(string agent) =>
        ThenRefused(When(Given(), new DefinePrimitive(Primitive.Create("r", agent))), "invalid-agent");

    [Theory]
    [InlineData("monitor", "-10s", "20s", "invalid-interval")]
    [InlineData("start", "10s", "20s", "invalid-interval")]
    [InlineData("monitor", "10s", "0s", "invalid-timeout")]
    [InlineData("frobnicate", "0s", "20s", "invalid-operation")]
    public void Refuses_an_invalid_operation(string name, string interval, string timeout, string code)
    {
        var op = new OperationDefinition(name, new Duration(Duration.Parse(interval.TrimStart('-')).Milliseconds * (interval.StartsWith('-') ? -1 : 1)),
            Duration.Parse(timeout), null, ValueMap.Empty);
        ThenRefused(When(Given(), new DefinePrimitive(Dummy("d", op))), code);
    }

    [Fact]
    public void Refuses_an_unknown_on_fail() =>
        ThenRefused(When(Given(), new DefinePrimitive(Dummy("d", OperationDefinition.Create("monitor", "10s", "20s", "explode")))), "invalid-value");

    [Fact]
    public void Refuses_the_same_operation_twice() =>
        ThenRefused(When(Given(), new DefinePrimitive(Dummy("d", OperationDefinition.Create("monitor", "10s"), OperationDefinition.Create("monitor", "10s", "30s")))),
            "duplicate-operation");

    [Theory]
    [InlineData("resource-stickiness", "lots", "invalid-score")]
    [InlineData("migration-threshold", "x", "invalid-score")]
    [InlineData("target-role", "Up", "invalid-value")]
    public void Refuses_invalid_meta_attributes(string name, string value, string code) =>
        ThenRefused(When(Given(), new DefinePrimitive(Primitive.Create("d", "ocf:heartbeat:Dummy", meta: ValueMap.Of((name, value))))), code);

    [Fact]
    public void Refuses_a_fence_device_without_hosts() =>
        ThenRefused(When(Given(), new DefinePrimitive(Primitive.Create("fence", "stonith:external/libvirt",
            ValueMap.Of(("hypervisor_uri", "qemu+ssh://hv/system"))))), "fence-device-without-hosts");

    [Theory]
    [InlineData("hostlist", "node1 node2")]
    [InlineData("pcmk_host_list", "node1,node2")]
    [InlineData("pcmk_host_map", "node1:vm1;node2:vm2")]
    public void Defines_a_fence_device_with_hosts(string parameter, string value)
    {
        var fence = Primitive.Create("fence", "stonith:fence_virsh", ValueMap.Of((parameter, value)));
        Then(When(Given(), new DefinePrimitive(fence)), new PrimitiveDefined(PrimitiveData.From(fence), Now));
        var device = Fencing.FenceDevice.From(fence);
        Assert.True(device.CanFence("node1"));
        Assert.True(device.CanFence("node2"));
        Assert.False(device.CanFence("node3"));
    }
}

public class UpdatePrimitiveTests : DeciderSpec
{
    [Fact]
    public void Updates_a_primitive()
    {
        var changed = Dummy("d") with { Params = ValueMap.Of(("state", "/run/d.state")) };
        Then(When(Given(Defined(Dummy("d"))), new UpdatePrimitive(changed)), new PrimitiveUpdated(PrimitiveData.From(changed), Now));
    }

    [Fact]
    public void Updating_to_the_same_definition_is_a_no_op() => ThenNothing(When(Given(Defined(Dummy("d"))), new UpdatePrimitive(Dummy("d"))));

    [Fact]
    public void Refuses_an_unknown_primitive() => ThenRefused(When(Given(), new UpdatePrimitive(Dummy("d"))), "unknown-resource");

    [Fact]
    public void Refuses_to_turn_a_group_into_a_primitive() =>
        ThenRefused(When(Given(Defined(Dummy("a")), new GroupDefined(GroupData.From(Group.Create("g", "a")), Earlier)), new UpdatePrimitive(Dummy("g"))),
            "resource-kind-changed");

    [Fact]
    public void Refuses_an_invalid_new_definition() =>
        ThenRefused(When(Given(Defined(Dummy("d"))), new UpdatePrimitive(Dummy("d", OperationDefinition.Create("monitor", "10s", "0s")))), "invalid-timeout");
}

public class FenceDeviceTargetsTests
{
    [Fact]
    public void A_libvirt_hostlist_may_name_the_domain_of_each_node()
    {
        var device = Fencing.FenceDevice.From(Primitive.Create("f", "stonith:external/libvirt", ValueMap.Of(("hostlist", "node1:vm-a node2"))));
        Assert.True(device.CanFence("node1"));
        Assert.Equal("vm-a", device.Targets["node1"]);
        Assert.Equal("node2", device.Targets["node2"]);
        Assert.False(device.CanFence("node1:vm-a"));
    }
}

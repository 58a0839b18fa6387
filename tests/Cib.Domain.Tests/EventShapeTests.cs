using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Xunit;

namespace Cib.Domain.Tests;

/// <summary>
/// The resource and constraint events carry their own data shapes; the mapping from the domain records (when the decider
/// emits) and back (when Evolve folds) loses nothing. The stored JSON of the shapes is pinned by the golden schemas of
/// Cib.Projections.Tests (EventSchemaTests).
/// </summary>
public class EventShapeTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<Primitive> Primitives() =>
    [
        Primitive.Create("ip", "ocf:heartbeat:IPaddr2", ValueMap.Of(("ip", "192.0.2.10")), ValueMap.Of(("target-role", "Started")),
            new OperationDefinition("monitor", Duration.FromSeconds(10), Duration.FromSeconds(20), "restart", ValueMap.Of(("start-delay", "0"))),
            OperationDefinition.Create("start", timeout: "60s"), OperationDefinition.Create("stop")),
        new Primitive("web", new ResourceAgent("lsb", null, "apache2"), ValueMap.Empty, ValueMap.Empty, ValueList<OperationDefinition>.Empty),
        Primitive.Create("fence", "stonith:external/libvirt", ValueMap.Of(("hostlist", "node1 node2"))),
    ];

    public static TheoryData<Group> Groups() =>
    [
        Group.Create("g", "a", "b"),
        new Group("g2", ValueList<string>.Empty, ValueMap.Of(("target-role", "Stopped"))),
    ];

    public static TheoryData<Constraint> Constraints() =>
    [
        new LocationConstraint("loc", "ip", "node1", Score.MinusInfinity),
        new LocationConstraint("loc2", "ip", "node1", Score.Of(-100)),
        new ColocationConstraint("col", "ip", "fs", Score.Infinity),
        new ColocationConstraint("col-rack", "ip", "fs", Score.Of(200)) { NodeAttribute = "rack" },
        OrderConstraint.Create("ord", "fs", "ip"),
        new OrderConstraint("ord-o", "fs", "promote", "ip", "stop", OrderKind.Optional, false),
        new OrderConstraint("ord-s", "fs", "start", "ip", "start", OrderKind.Serialize, true),
    ];

    [Theory]
    [MemberData(nameof(Primitives))]
    public void A_primitive_maps_to_its_stored_shape_and_back(Primitive p)
    {
        Assert.Equal(p, PrimitiveData.From(p).ToPrimitive());
        Assert.Equal(p, ConfigurationDecider.Evolve(ClusterConfiguration.Empty, new PrimitiveDefined(PrimitiveData.From(p), At)).Resources[p.Id]);
        Assert.Equal(p.IsFenceDevice, PrimitiveData.From(p).IsFenceDevice);
        Assert.Equal(p.Operations.Select(o => o.IsRecurring), PrimitiveData.From(p).Operations.Select(o => o.IsRecurring));
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void A_group_maps_to_its_stored_shape_and_back(Group g)
    {
        Assert.Equal(g, GroupData.From(g).ToGroup());
        Assert.Equal(g, ConfigurationDecider.Evolve(ClusterConfiguration.Empty, new GroupDefined(GroupData.From(g), At)).Resources[g.Id]);
    }

    [Theory]
    [MemberData(nameof(Constraints))]
    public void A_constraint_maps_to_its_stored_shape_and_back(Constraint c)
    {
        Assert.Equal(c, ConstraintData.From(c).ToConstraint());
        Assert.Equal(c.Resources, ConstraintData.From(c).Resources);
        Assert.Equal(c, ConfigurationDecider.Evolve(ClusterConfiguration.Empty, new ConstraintDefined(ConstraintData.From(c), At)).Constraints[c.Id]);
    }

    [Fact]
    public void Every_order_kind_has_a_stored_kind()
    {
        foreach (var kind in Enum.GetValues<OrderKind>())
            Assert.Equal(kind, kind.ToData().ToOrderKind());
        foreach (var stored in Enum.GetValues<OrderKindData>())
            Assert.Equal(stored, stored.ToOrderKind().ToData());
    }
}

using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Domain.Users;
using Cib.Projections.Store;
using Xunit;
using TestSupport;

namespace Cib.Projections.Tests.Store;

/// <summary>Every registered event survives a trip through the store unchanged (names, polymorphic members, value maps and lists).</summary>
public class EventSerializationTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static IReadOnlyList<ICibEvent> Samples()
    {
        var ip = Primitive.Create("ip", "ocf:heartbeat:IPaddr2", ValueMap.Of(("ip", "192.0.2.10"), ("cidr_netmask", "24")),
            ValueMap.Of(("target-role", "Started")), new OperationDefinition("monitor", Duration.FromSeconds(10), Duration.FromSeconds(20), "restart",
                ValueMap.Of(("start-delay", "0"))));
        return
        [
            new ClusterPropertySet("stonith-enabled", "true", At),
            new ClusterPropertyRemoved("stonith-enabled", At),
            new ResourceDefaultSet("resource-stickiness", "1", At),
            new ResourceDefaultRemoved("resource-stickiness", At),
            new OperationDefaultSet("timeout", "20s", At),
            new OperationDefaultRemoved("timeout", At),
            new NodeDefined("node1", ValueMap.Of(("rack", "r1")), At),
            new NodeRemoved("node1", At),
            new NodeAttributeSet("node1", "rack", "r2", At),
            new NodeAttributeRemoved("node1", "rack", At),
            new NodeStandbyChanged("node1", true, At),
            new NodeMaintenanceChanged("node1", false, At),
            new PrimitiveDefined(PrimitiveData.From(ip), At),
            new PrimitiveUpdated(PrimitiveData.From(ip with { Meta = ValueMap.Empty }), At),
            new GroupDefined(GroupData.From(Group.Create("g", "ip", "fs")), At),
            new GroupUpdated(GroupData.From(Group.Create("g", "fs", "ip")), At),
            new ResourceDeleted("ip", At),
            new ResourceMetaAttributeSet("ip", "target-role", "Stopped", At),
            new ResourceMetaAttributeRemoved("ip", "target-role", At),
            new ConstraintDefined(ConstraintData.From(new LocationConstraint("loc", "ip", "node1", Score.MinusInfinity)), At),
            new ConstraintUpdated(ConstraintData.From(new OrderConstraint("ord", "fs", "start", "ip", "start", OrderKind.Optional, false)), At),
            new ConstraintDefined(ConstraintData.From(new ColocationConstraint("col", "ip", "fs", Score.Infinity)), At),
            new ConstraintDeleted("loc", At),
            new NodeJoined("node1", "inc-1", "lease renewed", At),
            new ControllerElected("node1", 3, "advisory lock acquired", At),
            new NodeLeft("node1", "shutdown", At),
            new NodeLost("node1", "lease expired", At.AddSeconds(-1), At),
            new FencingRequested("f1", "node1", "reboot", "node lost", "fence-virt", "t1", 1, At),
            new NodeFenced("f1", "node1", "fence-virt", "reboot", "node2", 320, At),
            new FencingFailed("f1", "node1", "fence-virt", "timeout", 2, false, At),
            new ResourceOperationSucceeded("ip", "node1", "start", 0, 0, new OperationOrigin("t1", 3), 95, "ok", "abc", At),
            new ResourceOperationFailed("ip", "node1", "monitor", 10_000, 7, OperationStatus.Done, new OperationOrigin(null, null), 40, "", "not running", At),
            new FailCountCleared("ip", "node1", Actor.User("alice"), "cleanup", At),
            new TransitionPlanned("t1", 42, "policy-1", ValueList.Of(
                new PlannedAction(1, ActionKind.Fence, null, "node1", "reboot", 0, 60_000, ValueList<int>.Empty, "node lost"),
                new PlannedAction(2, ActionKind.Start, "ip", "node2", "start", 0, 20_000, ValueList.Of(1), "recover")),
                ValueList.Of("* Fence (reboot) node1 'peer is no longer part of the cluster'"), "{}", At),
            new ActionDispatched("t1", 2, "node2", ActionKind.Start, "ip", null, "start", 0, 20_000, null, At),
            new TransitionCompleted("t1", 2, At),
            new TransitionAborted("t1", "configuration changed", 43, At),
            new FencedNodePowerOnFailed("f1", "node1", "fence-virt", "virsh start node1 did not power it on", "node2", At),
            new ResourceHistoryCleared("ip", "node1", Actor.User("alice"), "resource cleanup", At),
            new ResourceHistoryCleared("ip", null, Actor.User("alice"), "resource refresh", At),
            new NodeTerminationRequested("node2", Actor.User("otto"), "fence requested by an operator", At),
            new UserAdded("alice", UserRole.Operator, At),
            new UserRoleChanged("alice", UserRole.Admin, At),
            new UserPasswordChanged("alice", At),
            new UserRemoved("alice", At),
            // Further shapes of the events that carry a resource or a constraint, for the golden schemas (EventSchemaTests):
            // no provider, no timeout or on-fail, empty parameters and operations, a group with meta attributes, every
            // score form, a colocation with a node attribute, every order kind.
            new PrimitiveDefined(PrimitiveData.From(new Primitive("web", new ResourceAgent("lsb", null, "apache2"), ValueMap.Empty, ValueMap.Empty,
                ValueList<OperationDefinition>.Empty)), At),
            new PrimitiveUpdated(PrimitiveData.From(new Primitive("fs", new ResourceAgent("ocf", "heartbeat", "Filesystem"),
                ValueMap.Of(("device", "/dev/vdb"), ("directory", "/srv"), ("fstype", "ext4")), ValueMap.Of(("is-managed", "false"), ("priority", "10")),
                ValueList.Of(OperationDefinition.Create("start", timeout: "60s"), OperationDefinition.Create("stop"),
                    new OperationDefinition("monitor", new Duration(1500), null, null, ValueMap.Of(("OCF_CHECK_LEVEL", "10"), ("role", "Started")))))), At),
            new PrimitiveDefined(PrimitiveData.From(Primitive.Create("fence-virt", "stonith:external/libvirt", ValueMap.Of(("hostlist", "node1 node2")))), At),
            new GroupDefined(GroupData.From(new Group("g2", ValueList.Of("web"), ValueMap.Of(("target-role", "Stopped")))), At),
            new GroupUpdated(GroupData.From(new Group("g3", ValueList<string>.Empty, ValueMap.Empty)), At),
            new ConstraintDefined(ConstraintData.From(new LocationConstraint("loc-inf", "ip", "node2", Score.Infinity)), At),
            new ConstraintUpdated(ConstraintData.From(new LocationConstraint("loc-100", "ip", "node2", Score.Of(-100))), At),
            new ConstraintDefined(ConstraintData.From(new ColocationConstraint("col-rack", "ip", "fs", Score.Of(200)) { NodeAttribute = "rack" }), At),
            new ConstraintUpdated(ConstraintData.From(new ColocationConstraint("col-not", "ip", "fs", Score.MinusInfinity)), At),
            new ConstraintDefined(ConstraintData.From(OrderConstraint.Create("ord-m", "fs", "ip")), At),
            new ConstraintDefined(ConstraintData.From(new OrderConstraint("ord-s", "fs", "promote", "ip", "stop", OrderKind.Serialize, true)), At),
            // Time-bound locations (crm resource move/ban with a lifetime): the end is stored only when there is one.
            new ConstraintDefined(ConstraintData.From(new LocationConstraint("cli-prefer-ip", "ip", "node2", Score.Infinity)
                { Until = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero) }), At),
            new ConstraintUpdated(ConstraintData.From(new LocationConstraint("cli-ban-ip-on-node1", "ip", "node1", Score.MinusInfinity)
                { Until = new DateTimeOffset(2026, 12, 1, 13, 30, 0, TimeSpan.FromHours(1)) }), At),
        ];
    }

    [Fact]
    public void Samples_cover_every_registered_event() =>
        Assert.Equal(EventCatalog.All.Select(e => e.Type).ToHashSet(), Samples().Select(s => s.GetType()).ToHashSet());

    [Fact]
    public async Task Every_event_reads_back_equal_under_its_stable_name()
    {
        var stream = $"roundtrip/{Guid.NewGuid():N}";
        await using (var session = fixture.Store.LightweightSession())
        {
            session.Events.StartStream(stream, Samples().Cast<object>().ToArray());
            await session.SaveChangesAsync();
        }
        await using var read = fixture.Store.QuerySession();
        var events = await read.Events.FetchStreamAsync(stream);
        Assert.Equal(Samples(), events.Select(e => (ICibEvent)e.Data));
        Assert.Equal(Samples().Select(EventCatalog.NameOf), events.Select(e => e.EventTypeName));
    }

    [Fact]
    public async Task Status_events_never_bump_the_configuration_version()
    {
        var (_, before) = await ConfigurationReader.LoadAsync(fixture.Store);
        await using (var session = fixture.Store.LightweightSession())
        {
            session.Events.Append(StreamIds.Node("node1"), new NodeJoined("node1", "inc-1", "lease", At));
            session.Events.Append(StreamIds.Fencing("node1"), new FencingRequested("f9", "node1", "reboot", "test", null, null, 1, At));
            await session.SaveChangesAsync();
        }
        var (_, after) = await ConfigurationReader.LoadAsync(fixture.Store);
        Assert.Equal(before, after);
    }
}

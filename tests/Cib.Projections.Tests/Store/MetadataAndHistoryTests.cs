using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.ReadModels.ConfigurationHistory;
using Cib.Projections.Store;
using Xunit;
using TestSupport;

namespace Cib.Projections.Tests.Store;

/// <summary>Who, when, why and what: metadata is stored with every append, and the history shows each change with its diff.</summary>
public class MetadataAndHistoryTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Actor_correlation_causation_and_reason_are_stored_with_the_events()
    {
        var writer = new ConfigurationWriter(fixture.Store);
        var (_, v) = await ConfigurationReader.LoadAsync(fixture.Store);
        var meta = new CommandMetadata(Actor.User("bob"), "req-42", "cmd-7");
        await writer.ChangeAsync(new ChangeConfiguration(v, [new SetClusterProperty("meta-probe", "x"), new DefineNode("metanode")], Now, Actor.User("bob"), "ticket 1234"), meta);

        await using var session = fixture.Store.QuerySession();
        var events = (await session.Events.FetchStreamAsync(StreamIds.Configuration)).Skip((int)v).ToList();
        Assert.Equal(2, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal("req-42", e.CorrelationId);
            Assert.Equal("cmd-7", e.CausationId);
            Assert.Equal("user:bob", e.UserName);
            Assert.Equal("user:bob", e.Headers![CommandMetadata.ActorHeader]!.ToString());
            Assert.Equal("ticket 1234", e.Headers![CommandMetadata.ReasonHeader]!.ToString());
        });
        Assert.Equal("cib.cluster_property_set.v1", events[0].EventTypeName);
        Assert.Equal("cib.node_defined.v1", events[1].EventTypeName);
    }

    [Fact]
    public async Task History_lists_each_change_with_versions_actor_reason_commands_and_diff()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("history");
        var store = db.Store;
        var writer = new ConfigurationWriter(store);

        var ip = Primitive.Create("ip", "ocf:heartbeat:IPaddr2", ValueMap.Of(("ip", "192.0.2.10")));
        await writer.ChangeAsync(new ChangeConfiguration(0, [new DefineNode("node1"), new DefineNode("node2")], Now, Actor.User("alice"), "nodes"),
            CommandMetadata.For(Actor.User("alice")));
        await writer.ChangeAsync(new ChangeConfiguration(2, [new DefinePrimitive(ip), new DefineConstraint(new LocationConstraint("pref", "ip", "node1", Score.Of(50)))],
            Now.AddMinutes(1), Actor.User("bob"), "the VIP"), CommandMetadata.For(Actor.User("bob")));
        await writer.ChangeAsync(new ChangeConfiguration(4, [new UpdatePrimitive(ip with { Params = ValueMap.Of(("ip", "192.0.2.11")) }), new SetNodeStandby("node2", true)],
            Now.AddMinutes(2), Actor.User("carol"), null), CommandMetadata.For(Actor.User("carol")));
        await writer.ChangeAsync(new ChangeConfiguration(6, [new DeleteResource("ip")], Now.AddMinutes(3), Actor.User("alice"), "retire"),
            CommandMetadata.For(Actor.User("alice")));

        await using var session = store.QuerySession();
        var history = await ConfigurationHistory.LoadAsync(session);

        Assert.Equal([(0L, 2L), (2L, 4L), (4L, 6L), (6L, 8L)], history.Select(h => (h.FromVersion, h.ToVersion)));
        Assert.Equal(["user:alice", "user:bob", "user:carol", "user:alice"], history.Select(h => h.Actor));
        Assert.Equal(["nodes", "the VIP", null, "retire"], history.Select(h => h.Reason));
        Assert.Equal(["define primitive ip ocf:heartbeat:IPaddr2", "define location pref"], history[1].Commands);
        Assert.Equal(["+ node node1", "+ node node2"], history[0].Diff);
        Assert.Equal(["~ primitive ip: params ip: 192.0.2.10 -> 192.0.2.11", "~ node node2: online -> standby"], history[2].Diff);
        Assert.Equal(["- location pref ip 50: node1", "- primitive ip"], history[3].Diff);
    }
}

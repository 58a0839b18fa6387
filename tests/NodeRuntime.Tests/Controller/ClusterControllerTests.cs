using System.Text.Json;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using NodeRuntime.Controller;
using NodeRuntime.Membership;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Store;
using TestSupport;
using Xunit;

namespace NodeRuntime.Tests.Controller;

/// <summary>Several controllers and node leases in one process on a real PostgreSQL.</summary>
public class ClusterControllerTests
{
    private static readonly ControllerOptions Fast = new()
    {
        LeaseTimeout = new Duration(600),
        ElectionPoll = TimeSpan.FromMilliseconds(50),
        LeaseCheck = TimeSpan.FromMilliseconds(50),
        // A renewal gap of everyone's longer than three quarters of the lease (450 ms) reads as an outage of the store and
        // gives every lease the bound on top (docs/safety.md): on a loaded test machine that happens, so keep it short.
        StoreOutageBound = TimeSpan.FromSeconds(1),
    };

    private static async Task ConfigureNodesAsync(TestDatabase db, params string[] nodes)
    {
        var writer = new ConfigurationWriter(db.Store);
        await writer.ChangeAsync(new ChangeConfiguration(0, nodes.Select(n => (IConfigurationCommand)new DefineNode(n)).ToList(),
            DateTimeOffset.UtcNow, Actor.User("admin")), CommandMetadata.For(Actor.User("admin")));
    }

    private static async Task<NodeLease> StartLeaseAsync(TestDatabase db, string node, CancellationToken ct)
    {
        var lease = new NodeLease(db.DataSource, node, TimeProvider.System);
        _ = Task.Run(() => lease.RunAsync(TimeSpan.FromMilliseconds(100), ct), ct);
        await Task.Yield();
        return lease;
    }

    [Fact]
    public async Task Nodes_join_a_silent_node_is_lost_and_a_clean_leave_is_not_a_loss()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("cluster");
        await ConfigureNodesAsync(db, "node1", "node2", "node3");
        using var stop = new CancellationTokenSource();
        var controller = new ClusterController(db.DataSource, db.ConnectionString, "node1", Fast);
        var running = Task.Run(() => controller.RunAsync(stop.Token));

        using var node2 = new CancellationTokenSource();
        await StartLeaseAsync(db, "node1", stop.Token);
        await StartLeaseAsync(db, "node2", node2.Token);
        var node3 = await StartLeaseAsync(db, "node3", stop.Token);

        await Eventually.True(async () => running.IsFaulted ? throw running.Exception! : (await db.EventsAsync(StreamIds.Node("node2"))).OfType<NodeJoined>().Any(), "node2 joins");
        await Eventually.True(async () => (await db.EventsAsync(StreamIds.Node("node3"))).OfType<NodeJoined>().Any(), "node3 joins");

        node2.Cancel(); // node2 stops renewing, as a crashed node would
        var lost = await Eventually.Get(async () => (await db.EventsAsync(StreamIds.Node("node2"))).OfType<NodeLost>().FirstOrDefault(), "node2 is lost");
        Assert.Contains("not renewed", lost.Reason);
        await Eventually.True(() => Task.FromResult(controller.Membership.Of("node2") is NodeMembership.Unclean), "the controller holds node2 unclean");

        await node3.LeaveAsync("admin shutdown");
        await Eventually.True(async () => controller.Membership.Of("node3") is NodeMembership.Offline, "the controller sees node3 leave");
        Assert.DoesNotContain(await db.EventsAsync(StreamIds.Node("node3")), e => e is NodeLost);

        var node1Events = await db.EventsAsync(StreamIds.Node("node1"));
        Assert.Single(node1Events.OfType<NodeJoined>());
        Assert.Empty(node1Events.OfType<NodeLost>());

        stop.Cancel();
        await running;
    }

    [Fact]
    public async Task A_standby_controller_takes_over_and_continues_without_repeating_decisions()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("cluster");
        await ConfigureNodesAsync(db, "node1", "node2");
        using var leases = new CancellationTokenSource();
        await StartLeaseAsync(db, "node1", leases.Token);
        await StartLeaseAsync(db, "node2", leases.Token);

        using var firstStop = new CancellationTokenSource();
        var first = new ClusterController(db.DataSource, db.ConnectionString, "node1", Fast);
        var firstRun = Task.Run(() => first.RunAsync(firstStop.Token));
        await Eventually.True(async () => (await db.EventsAsync(StreamIds.Node("node2"))).OfType<NodeJoined>().Any(), "node2 joins");

        using var secondStop = new CancellationTokenSource();
        var second = new ClusterController(db.DataSource, db.ConnectionString, "node2", Fast);
        var secondRun = Task.Run(() => second.RunAsync(secondStop.Token));
        Assert.False(second.IsActive);

        firstStop.Cancel(); // the active controller goes away
        await firstRun;
        try
        {
            await Eventually.True(() => Task.FromResult(second.IsActive), "node2 becomes the controller");
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}; its last error: {second.LastError?.ToString() ?? "none"}");
        }

        var elections = (await db.EventsAsync(StreamIds.Controller)).OfType<ControllerElected>().ToList();
        Assert.Equal([("node1", 1L), ("node2", 2L)], elections.Select(e => (e.Node, e.Term)));
        // The new controller rebuilt membership from the log: nobody joins twice. Two full steps of its loop (leases
        // observed, membership decided, the decider ticked) are enough to show it; the rule itself is
        // MembershipDeciderTests.A_fresh_lease_of_an_online_node_changes_nothing.
        await Eventually.True(() => Task.FromResult(second.TicksSinceElected >= 2), "the new controller has looked at the leases twice");
        Assert.Single((await db.EventsAsync(StreamIds.Node("node1"))).OfType<NodeJoined>());
        Assert.Single((await db.EventsAsync(StreamIds.Node("node2"))).OfType<NodeJoined>());
        // It started from the status node1 had stored, not from sequence 0.
        Assert.True(second.RestoredFrom > 0, "the new controller restored the stored status");

        // Behind its stored status, the controller folds the stored history (decision 0011).
        var history = new StoredHistory(db.DataSource);
        await Eventually.True(async () => await history.PositionAsync() > 0, "the controller writes the stored history");

        leases.Cancel();
        secondStop.Cancel();
        await secondRun;
        await AssertStoredStatusIsTheFoldOfTheLogAsync(db);
        Assert.Null(second.HistoryError);
        var queries = new HistoryQueries(db.DataSource);
        var all = new HistoryRange(Limit: HistoryRange.MaxLimit);
        var changes = (await queries.ChangesAsync(null, all)).Items;
        Assert.Equal("+ node node1", Assert.Single(changes).Diff[0]);
        var at = await history.PositionAsync();
        Assert.Equal(at, await history.RebuildAsync(at));
        Assert.Equal(changes, (await queries.ChangesAsync(null, all)).Items);
    }

    /// <summary>The stored status is what folding the log from sequence 0 up to its position gives, to the letter.</summary>
    private static async Task AssertStoredStatusIsTheFoldOfTheLogAsync(TestDatabase db)
    {
        var stored = await new StoredStatus(db.DataSource).ReadAsync();
        Assert.NotNull(stored);
        var events = await new CibEventLog(db.DataSource).ReadAfterAsync(0, int.MaxValue);
        var fold = events.Where(e => e.Sequence <= stored.Position)
            .Aggregate(LogFold.Initial(Fast.Rules), (f, e) => f.Apply(e.Data, e.Sequence, e.Id));
        Assert.Equal(stored.Position, fold.Position);
        Assert.Equal(JsonSerializer.Serialize(fold.Snapshot(), CibEventLog.Json), JsonSerializer.Serialize(stored, CibEventLog.Json));
    }
}

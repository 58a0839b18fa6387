using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Controller;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using NodeRuntime.Controller;
using NodeRuntime.Membership;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;
using Marten;
using TestSupport;
using Xunit;

namespace NodeRuntime.Tests.Controller;

/// <summary>
/// The controller's fencing token: the store itself refuses an append of a controller whose term is not the latest
/// ControllerElected's, in the same transaction, whatever the controller believes.
/// </summary>
public class ControllerTermTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static AppendMetadata As(string node) => AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller(node)));

    [Fact]
    public async Task An_append_of_an_older_term_is_refused_by_the_store_and_leaves_nothing()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("term");
        var log = new CibEventLog(db.DataSource);
        var stream = StreamIds.Node("node3");

        await Assert.ThrowsAsync<ControllerDeposedException>(() =>
            log.AppendAsync(stream, [new NodeLost("node3", "no term yet", At, At)], As("node1"), controllerTerm: 1));

        await log.AppendAsync(StreamIds.Controller, [new ControllerElected("node1", 1, "test", At)], As("node1"));
        await log.AppendAsync(stream, [new NodeJoined("node3", "i1", "term 1 holds", At)], As("node1"), controllerTerm: 1);
        await log.AppendAsync(StreamIds.Controller, [new ControllerElected("node2", 2, "test", At)], As("node2"));

        var refused = await Assert.ThrowsAsync<ControllerDeposedException>(() =>
            log.AppendAsync(stream, [new NodeLost("node3", "a deposed controller's decision", At, At), new NodeJoined("node3", "i2", "and another", At)], As("node1"), controllerTerm: 1));
        Assert.Contains("term 1 is not the latest (2)", refused.Message);
        await log.AppendAsync(stream, [new NodeLost("node3", "term 2 holds", At, At)], As("node2"), controllerTerm: 2);

        Assert.Equal(["term 1 holds", "term 2 holds"], (await db.EventsAsync(stream)).Select(e => e switch
        {
            NodeJoined j => j.Reason,
            NodeLost l => l.Reason,
            _ => "?",
        }));
    }

    [Fact]
    public async Task A_term_is_taken_only_as_the_next_one_so_two_nodes_never_hold_the_same_term()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("term");
        var log = new CibEventLog(db.DataSource);

        await Assert.ThrowsAsync<ControllerDeposedException>(() => log.AppendElectionAsync(new ControllerElected("node1", 2, "skips term 1", At), As("node1")));
        await log.AppendElectionAsync(new ControllerElected("node1", 1, "first", At), As("node1"));
        // node2 read the latest term before node1's election and takes "the next" one too: refused.
        var second = await Assert.ThrowsAsync<ControllerDeposedException>(() => log.AppendElectionAsync(new ControllerElected("node2", 1, "same term", At), As("node2")));
        Assert.Contains("term 1 is not the next one (latest 1)", second.Message);
        await log.AppendElectionAsync(new ControllerElected("node2", 2, "next", At), As("node2"));

        // Many nodes electing themselves at once with the same next term: exactly one gets it.
        var tries = await Task.WhenAll(Enumerable.Range(1, 8).Select(async i =>
        {
            try { await log.AppendElectionAsync(new ControllerElected($"node{i}", 3, "race", At), As($"node{i}")); return true; }
            catch (ControllerDeposedException) { return false; }
        }));
        Assert.Single(tries, t => t);
        Assert.Equal([1L, 2L, 3L], (await db.EventsAsync(StreamIds.Controller)).OfType<ControllerElected>().Select(e => e.Term));
    }

    [Fact]
    public async Task The_stored_status_is_written_only_by_the_latest_term_and_never_moves_back()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("term");
        var log = new CibEventLog(db.DataSource);
        var stored = new StoredStatus(db.DataSource);
        var fold = LogFold.Initial(ControllerRules.Default);
        StatusSnapshot Folded(long position) => (fold with { Controller = fold.Controller with { Position = position } }).Snapshot();

        await log.AppendAsync(StreamIds.Controller, [new ControllerElected("node1", 1, "test", At)], As("node1"));
        Assert.True(await stored.WriteAsync(Folded(10), controllerTerm: 1));
        await log.AppendAsync(StreamIds.Controller, [new ControllerElected("node2", 2, "test", At)], As("node2"));

        await Assert.ThrowsAsync<ControllerDeposedException>(() => stored.WriteAsync(Folded(20), controllerTerm: 1));
        Assert.Equal(10, (await stored.ReadAsync())!.Position);
        Assert.False(await stored.WriteAsync(Folded(5), controllerTerm: 2));
        Assert.Equal(10, (await stored.ReadAsync())!.Position);
        Assert.True(await stored.WriteAsync(Folded(30), controllerTerm: 2));
        Assert.Equal(30, (await stored.ReadAsync())!.Position);
    }

    [Fact]
    public async Task A_controller_replaced_without_knowing_it_appends_nothing_and_steps_down()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("term");
        await new ConfigurationWriter(db.Store).ChangeAsync(new ChangeConfiguration(0, [new DefineNode("node1"), new DefineNode("node2")],
            DateTimeOffset.UtcNow, Actor.User("admin")), CommandMetadata.For(Actor.User("admin")));
        using var stop = new CancellationTokenSource();
        var lease1 = new NodeLease(db.DataSource, "node1", TimeProvider.System);
        _ = Task.Run(() => lease1.RunAsync(TimeSpan.FromMilliseconds(100), stop.Token));
        var controller = new ClusterController(db.DataSource, db.ConnectionString, "node1", new ControllerOptions
        {
            LeaseTimeout = new Duration(600), ElectionPoll = TimeSpan.FromMilliseconds(50), LeaseCheck = TimeSpan.FromMilliseconds(50),
        });
        var running = Task.Run(() => controller.RunAsync(stop.Token));
        await Eventually.True(async () => (await db.EventsAsync(StreamIds.Node("node1"))).OfType<NodeJoined>().Any(), "node1 joins");

        // Another controller was elected while this one kept believing it leads (it still holds its lock): what a store
        // restart or a cut link can make happen. node2's first lease is news this controller will try to append.
        await new CibEventLog(db.DataSource).AppendAsync(StreamIds.Controller,
            [new ControllerElected("node2", controller.Term + 1, "elected elsewhere", DateTimeOffset.UtcNow)], As("node2"));
        var lease2 = new NodeLease(db.DataSource, "node2", TimeProvider.System);
        _ = Task.Run(() => lease2.RunAsync(TimeSpan.FromMilliseconds(100), stop.Token));

        await Eventually.True(() => Task.FromResult(controller.Deposed > 0), "the store refuses the deposed controller's append");
        Assert.IsType<ControllerDeposedException>(controller.LastError);
        // It stepped down, took the free role again with a new term, and only then appended node2's join.
        var next = await Eventually.Get(async () =>
        {
            var log = await AllAsync(db.Store);
            return log.Skip(log.FindIndex(e => e is ControllerElected { Node: "node2" }) + 1).FirstOrDefault();
        }, "something is appended after the other controller's election");
        var reelected = Assert.IsType<ControllerElected>(next);
        Assert.Equal(("node1", controller.Term), (reelected.Node, reelected.Term));
        await Eventually.True(async () => (await db.EventsAsync(StreamIds.Node("node2"))).OfType<NodeJoined>().Any(), "node2 joins under the new term");

        stop.Cancel();
        await running;
    }

    private static async Task<List<object>> AllAsync(DocumentStore store)
    {
        await using var session = store.QuerySession();
        return (await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync()).Select(e => e.Data).ToList();
    }
}

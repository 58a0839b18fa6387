using Cib.Domain.Nodes;
using Cib.Projections.Cluster;
using Cib.Projections.Store;
using Xunit;

namespace Cib.Projections.Tests.Cluster;

public class EventFeedTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Hands_out_every_event_once_in_sequence_order()
    {
        await using var db = await ClusterDatabase.CreateAsync();
        await using var feed = new EventFeed(db.DataSource, db.ConnectionString);
        await feed.StartAsync(0);

        for (var i = 0; i < 3; i++)
        {
            await using var s = db.Store.LightweightSession();
            s.Events.Append(StreamIds.Node($"n{i}"), new NodeJoined($"n{i}", "x", "test", At));
            await s.SaveChangesAsync();
        }
        var read = await feed.ReadAsync(At);
        Assert.Equal(["n0", "n1", "n2"], read.Select(e => ((NodeJoined)e.Data).Node));
        Assert.Equal(read.Select(e => e.Sequence).Order(), read.Select(e => e.Sequence));
        Assert.Empty(await feed.ReadAsync(At));
    }

    [Fact]
    public async Task A_notification_wakes_the_reader_after_an_append()
    {
        await using var db = await ClusterDatabase.CreateAsync();
        await using var feed = new EventFeed(db.DataSource, db.ConnectionString) { SafetyPoll = TimeSpan.FromMinutes(5) };
        await feed.StartAsync(0);

        var waiting = feed.WaitAsync(TimeSpan.FromMinutes(5));
        await using (var s = db.Store.LightweightSession())
        {
            s.Events.Append(StreamIds.Node("n1"), new NodeJoined("n1", "x", "test", At));
            await s.SaveChangesAsync();
        }
        // Without the NOTIFY this would wait five minutes and the test would time out.
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(await feed.ReadAsync(At));
    }

    [Fact]
    public async Task Holds_back_events_past_a_hole_while_the_transaction_that_took_it_is_open()
    {
        await using var db = await ClusterDatabase.CreateAsync();
        await using var feed = new EventFeed(db.DataSource, db.ConnectionString) { GapTimeout = TimeSpan.FromMinutes(5) };
        await feed.StartAsync(0);

        // An append in flight: its transaction took a sequence number and has not committed.
        await using var slow = await db.DataSource.OpenConnectionAsync();
        await using var tx = await slow.BeginTransactionAsync();
        await using (var take = new Npgsql.NpgsqlCommand("SELECT txid_current(), nextval('cib.mt_events_sequence')", slow, tx))
            await take.ExecuteScalarAsync();
        await AppendAsync(db, "after the hole");

        Assert.Empty(await feed.ReadAsync(At));
        Assert.Empty(await feed.ReadAsync(At.AddSeconds(10)));
        Assert.True(feed.Behind);

        // It rolls back: the hole is permanent, and the feed moves past it.
        await tx.RollbackAsync();
        var late = Assert.Single(await feed.ReadAsync(At.AddSeconds(11)));
        Assert.Equal("after the hole", ((NodeJoined)late.Data).Reason);
        Assert.False(feed.Behind);
    }

    [Fact]
    public async Task A_hole_no_open_transaction_can_fill_is_passed_at_once()
    {
        await using var db = await ClusterDatabase.CreateAsync();
        await using var feed = new EventFeed(db.DataSource, db.ConnectionString) { GapTimeout = TimeSpan.FromMinutes(5) };
        await feed.StartAsync(0);
        await using (var take = db.DataSource.CreateCommand("SELECT nextval('cib.mt_events_sequence')"))
            await take.ExecuteScalarAsync();
        await AppendAsync(db, "after the hole");

        Assert.Empty(await feed.ReadAsync(At)); // seen once: the transactions running then may still fill it
        Assert.Empty(await feed.ReadAsync(At.AddMilliseconds(10))); // too fresh: an append may not have its transaction id yet
        // Once no transaction of the server that was running at discovery is left (other databases' included),
        // the hole is passed long before the five-minute timeout.
        var passed = false;
        for (var i = 0; i < 200 && !passed; i++)
        {
            passed = (await feed.ReadAsync(At.AddSeconds(1))).Count == 1;
            if (!passed) await Task.Delay(50);
        }
        Assert.True(passed, "the settled hole was never passed");
    }

    private static async Task AppendAsync(ClusterDatabase db, string reason)
    {
        await using var s = db.Store.LightweightSession();
        s.Events.Append(StreamIds.Node("n1"), new NodeJoined("n1", "x", reason, At));
        await s.SaveChangesAsync();
    }
}

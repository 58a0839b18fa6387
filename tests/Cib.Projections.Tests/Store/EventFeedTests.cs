using Cib.Domain.Nodes;
using Cib.Projections.Store;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.Store;

public class EventFeedTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Hands_out_every_event_once_in_sequence_order()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("cluster");
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
        await using var db = await TestDatabase.CreateWithSchemaAsync("cluster");
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
        await using var db = await TestDatabase.CreateWithSchemaAsync("cluster");
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

        // It rolls back: the hole is permanent, and the feed moves past it once the server's transactions that were
        // running when the hole was seen have ended (other databases' too: the xid space is shared), not after GapTimeout.
        await tx.RollbackAsync();
        var late = await Eventually.Get(async () => await feed.ReadAsync(At.AddSeconds(11)) is { Count: > 0 } r ? r : null,
            "the hole is passed after the rollback", 10);
        Assert.Equal("after the hole", ((NodeJoined)Assert.Single(late).Data).Reason);
        Assert.False(feed.Behind);
    }

    [Fact]
    public async Task Holds_back_a_hole_whose_transaction_took_its_number_but_has_no_transaction_id_yet()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("cluster");
        await using var feed = new EventFeed(db.DataSource, db.ConnectionString) { GapTimeout = TimeSpan.FromMinutes(5) };

        // An append that took its sequence number and has not written yet: no transaction id, so no xid snapshot shows
        // it. (nextval gets the transaction an id when it writes the sequence's WAL, once in 32 calls: try again then.)
        await using var slow = await db.DataSource.OpenConnectionAsync();
        Npgsql.NpgsqlTransaction? tx = null;
        long taken = 0;
        for (var attempt = 0; attempt < 40 && tx is null; attempt++)
        {
            var t = await slow.BeginTransactionAsync();
            await using var take = new Npgsql.NpgsqlCommand("SELECT nextval('cib.mt_events_sequence'), txid_current_if_assigned() IS NULL", slow, t);
            await using (var r = await take.ExecuteReaderAsync())
            {
                await r.ReadAsync();
                taken = r.GetInt64(0);
                if (r.GetBoolean(1)) tx = t;
            }
            if (tx is null) await t.RollbackAsync();
        }
        Assert.NotNull(tx);
        await feed.StartAsync(taken - 1);
        await AppendAsync(db, "after the hole");

        Assert.Empty(await feed.ReadAsync(At));
        // The feed's clock is the `now` it is given: ten seconds on, far past SettleTime, the open transaction
        // still holds the hole (GapTimeout is five minutes).
        Assert.Empty(await feed.ReadAsync(At.AddSeconds(10)));
        Assert.Empty(await feed.ReadAsync(At + feed.GapTimeout - TimeSpan.FromMilliseconds(1)));
        Assert.True(feed.Behind);

        await tx!.RollbackAsync();
        await tx.DisposeAsync();
        await Eventually.True(async () => (await feed.ReadAsync(At + feed.GapTimeout - TimeSpan.FromMilliseconds(1))).Count == 1,
            "the hole is passed after the transaction ended, before GapTimeout", 10);
    }

    [Fact]
    public async Task A_hole_no_open_transaction_can_fill_is_passed_at_once()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("cluster");
        await using var feed = new EventFeed(db.DataSource, db.ConnectionString) { GapTimeout = TimeSpan.FromMinutes(5) };
        await feed.StartAsync(0);
        await using (var take = db.DataSource.CreateCommand("SELECT nextval('cib.mt_events_sequence')"))
            await take.ExecuteScalarAsync();
        await AppendAsync(db, "after the hole");

        Assert.Empty(await feed.ReadAsync(At)); // seen once: the transactions running then may still fill it
        Assert.Empty(await feed.ReadAsync(At.AddMilliseconds(10))); // too fresh: an append may not have its transaction id yet
        // Once no transaction of the server that was running at discovery is left (other databases' included),
        // the hole is passed long before the five-minute timeout.
        await Eventually.True(async () => (await feed.ReadAsync(At.AddSeconds(1))).Count == 1, "the settled hole is passed", 10);
    }

    private static async Task AppendAsync(TestDatabase db, string reason)
    {
        await using var s = db.Store.LightweightSession();
        s.Events.Append(StreamIds.Node("n1"), new NodeJoined("n1", "x", reason, At));
        await s.SaveChangesAsync();
    }
}

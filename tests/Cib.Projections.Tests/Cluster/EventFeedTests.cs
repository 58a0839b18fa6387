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
        await using var feed = new EventFeed(db.Store, db.ConnectionString);
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
        await using var feed = new EventFeed(db.Store, db.ConnectionString) { SafetyPoll = TimeSpan.FromMinutes(5) };
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
    public async Task Holds_back_events_past_a_hole_until_it_is_old()
    {
        await using var db = await ClusterDatabase.CreateAsync();
        await using var feed = new EventFeed(db.Store, db.ConnectionString) { GapTimeout = TimeSpan.FromSeconds(3) };
        await feed.StartAsync(0);

        // A sequence number taken by an append that never commits leaves a hole.
        await using (var take = db.DataSource.CreateCommand("SELECT nextval('cib.mt_events_sequence')"))
            await take.ExecuteScalarAsync();
        await using (var s = db.Store.LightweightSession())
        {
            s.Events.Append(StreamIds.Node("n1"), new NodeJoined("n1", "x", "after the hole", At));
            await s.SaveChangesAsync();
        }

        Assert.Empty(await feed.ReadAsync(At));
        Assert.Empty(await feed.ReadAsync(At.AddSeconds(2)));
        var late = Assert.Single(await feed.ReadAsync(At.AddSeconds(4)));
        Assert.Equal("after the hole", ((NodeJoined)late.Data).Reason);
    }
}

using Cib.Domain.Nodes;
using Cib.Projections.Store;
using Npgsql;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.Store;

/// <summary>The feed's push survives the end of its listening session (a store restart, a healed partition).</summary>
public class EventFeedRelistenTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task After_its_listening_session_is_ended_the_feed_listens_again_and_is_woken_by_appends()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("cluster");
        await using var feed = new EventFeed(db.DataSource, db.ConnectionString) { SafetyPoll = TimeSpan.FromMinutes(5) };
        await feed.StartAsync(0);
        var first = await ListenerPidAsync(db.DataSource);
        Assert.NotNull(first);

        await using (var kill = db.DataSource.CreateCommand($"SELECT pg_terminate_backend({first}, 2000)"))
            Assert.True((bool)(await kill.ExecuteScalarAsync())!);
        var second = await Eventually.Get(async () => await ListenerPidAsync(db.DataSource) is { } pid && pid != first ? (object)pid : null,
            "the feed listens on a new session");
        await feed.WaitAsync(TimeSpan.FromMilliseconds(1)); // what the reconnection itself signalled

        var waiting = feed.WaitAsync(TimeSpan.FromMinutes(5));
        await using (var s = db.Store.LightweightSession())
        {
            s.Events.Append(StreamIds.Node("n1"), new NodeJoined("n1", "x", "test", At));
            await s.SaveChangesAsync();
        }
        // Only a notification on the new session wakes it before the five-minute poll.
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(await feed.ReadAsync(At));
        Assert.NotNull(second);
    }

    private static async Task<int?> ListenerPidAsync(NpgsqlDataSource db)
    {
        await using var cmd = db.CreateCommand(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'ha-event-feed' AND datname = current_database() ORDER BY backend_start DESC LIMIT 1");
        return await cmd.ExecuteScalarAsync() is int pid ? pid : null;
    }
}

using Cib.Domain;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Projections.Store;
using Marten;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.Store;

/// <summary>
/// An event stored under a retired name, as an older build wrote it, reads as the current event through Marten and
/// through the plain-Npgsql <see cref="CibEventLog"/> alike; new events are written under the current name only.
/// </summary>
public class EventUpcastTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    /// <summary>FailCountCleared v1 as the store held it: who cleared as the Actor record's fields.</summary>
    private const string FailCountClearedV1 =
        """{"resource": "ip", "node": "node1", "clearedBy": {"kind": "User", "name": "alice"}, "reason": "cleanup", "at": "2026-11-25T12:00:00+00:00"}""";

    private static readonly FailCountCleared Expected = new("ip", "node1", Actor.User("alice"), "cleanup", At);

    [Fact]
    public void Every_retired_name_has_exactly_one_upcast_to_the_name_it_is_read_as()
    {
        Assert.Equal(EventCatalog.Retired.Select(r => (r.Name, r.ReadAs)), EventUpcasts.All.Select(u => (u.From, u.To)));
    }

    [Fact]
    public async Task A_v1_event_reads_as_v2_through_Marten_and_through_the_event_log()
    {
        var stream = StreamIds.Resource($"ip-{Guid.NewGuid():N}");
        var log = new CibEventLog(fixture.Database.DataSource);
        await log.AppendAsync(stream, [Expected], AppendMetadata.Stamp(CommandMetadata.For(Actor.User("alice"))));
        // Make the stored row what an older build wrote: the v1 name and the v1 JSON.
        await using (var cmd = fixture.Database.DataSource.CreateCommand(
                         "UPDATE cib.mt_events SET type = 'cib.fail_count_cleared.v1', data = $1::jsonb WHERE stream_id = $2"))
        {
            cmd.Parameters.AddWithValue(FailCountClearedV1);
            cmd.Parameters.AddWithValue(stream);
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        }

        await using var session = fixture.Store.QuerySession();
        var marten = Assert.Single(await session.Events.FetchStreamAsync(stream));
        Assert.Equal(Expected, marten.Data);
        var raw = await session.Events.QueryAllRawEvents().Where(e => e.Sequence == marten.Sequence).SingleAsync();
        Assert.Equal(Expected, raw.Data);

        var plain = Assert.Single(await log.FetchStreamAsync(stream));
        Assert.Equal(Expected, plain.Data);
        Assert.Equal("cib.fail_count_cleared.v1", plain.EventTypeName);
        Assert.Equal(Expected, Assert.Single(await log.ReadAfterAsync(marten.Sequence - 1, 1)).Data);
    }

    [Fact]
    public async Task A_new_event_is_written_under_the_current_name_with_the_actor_as_text()
    {
        var stream = StreamIds.Resource($"ip-{Guid.NewGuid():N}");
        await using (var session = fixture.Store.LightweightSession())
        {
            session.Events.Append(stream, Expected);
            await session.SaveChangesAsync();
        }
        await using var cmd = fixture.Database.DataSource.CreateCommand("SELECT type, data ->> 'clearedBy' FROM cib.mt_events WHERE stream_id = $1");
        cmd.Parameters.AddWithValue(stream);
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        Assert.Equal(("cib.fail_count_cleared.v2", "user:alice"), (r.GetString(0), r.GetString(1)));
    }
}

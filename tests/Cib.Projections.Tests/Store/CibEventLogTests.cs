using System.Text.Json;
using Cib.Domain;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Projections.Store;
using Marten;
using Npgsql;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.Store;

/// <summary>
/// The Marten-free event log of the node runtime writes and reads the same events as Marten: the same JSON, type
/// names, versions and metadata, both ways.
/// </summary>
public class CibEventLogTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Every_event_serialises_to_the_json_Martens_serializer_writes()
    {
        var marten = fixture.Store.Options.Serializer();
        foreach (var e in EventSerializationTests.Samples())
            Assert.Equal(marten.ToJson(e), JsonSerializer.Serialize(e, e.GetType(), CibEventLog.Json));
    }

    [Fact]
    public async Task Events_appended_here_read_back_through_Marten_with_their_metadata()
    {
        await using var data = NpgsqlDataSource.Create(fixture.ConnectionString);
        var log = new CibEventLog(data);
        var stream = $"roundtrip/{Guid.NewGuid():N}";
        var meta = AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller("node1")), "because");
        var samples = EventSerializationTests.Samples();
        await log.AppendAsync(stream, [.. samples.Take(10)], meta);
        await log.AppendAsync(stream, [.. samples.Skip(10)], meta);

        await using var session = fixture.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(stream);
        Assert.Equal(samples, events.Select(e => (ICibEvent)e.Data));
        Assert.Equal(samples.Select(EventCatalog.NameOf), events.Select(e => e.EventTypeName));
        Assert.Equal(Enumerable.Range(1, samples.Count).Select(v => (long)v), events.Select(e => e.Version));
        Assert.All(events, e =>
        {
            Assert.Equal(meta.CorrelationId, e.CorrelationId);
            // A command that starts a chain is its own cause.
            Assert.Equal(meta.CausationId, e.CausationId);
            Assert.Equal(meta.CorrelationId, e.CausationId);
            Assert.Equal("controller:node1", e.UserName);
            Assert.Equal("controller:node1", e.Headers?[CommandMetadata.ActorHeader]?.ToString());
            Assert.Equal("because", e.Headers?[CommandMetadata.ReasonHeader]?.ToString());
            Assert.Equal(meta.Headers[CommandMetadata.ChangeHeader], e.Headers?[CommandMetadata.ChangeHeader]?.ToString());
            Assert.Equal(e.DotNetTypeName, $"{e.Data.GetType().FullName}, {e.Data.GetType().Assembly.GetName().Name}");
        });
        var state = await session.Events.FetchStreamStateAsync(stream);
        Assert.Equal(samples.Count, state!.Version);
        // The ids read here are Marten's (what a causation id names).
        Assert.Equal(events.Select(e => e.Id), (await log.FetchStreamAsync(stream)).Select(e => e.Id));
    }

    [Fact]
    public async Task An_event_appended_with_a_known_id_keeps_it()
    {
        await using var data = NpgsqlDataSource.Create(fixture.ConnectionString);
        var log = new CibEventLog(data);
        var stream = $"known/{Guid.NewGuid():N}";
        var id = Guid.CreateVersion7();
        await log.AppendAsync(stream, [EventSerializationTests.Samples()[0]], AppendMetadata.Stamp(CommandMetadata.For(Actor.Node("node1")), eventId: id));
        Assert.Equal(id, Assert.Single(await log.FetchStreamAsync(stream)).Id);
        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(stream, [.. EventSerializationTests.Samples().Take(2)],
            AppendMetadata.Stamp(CommandMetadata.For(Actor.Node("node1")), eventId: Guid.CreateVersion7())));
    }

    [Fact]
    public async Task Events_appended_through_Marten_read_back_here_in_order()
    {
        var stream = $"roundtrip/{Guid.NewGuid():N}";
        await using (var session = fixture.Store.LightweightSession())
        {
            session.Events.StartStream(stream, EventSerializationTests.Samples().Cast<object>().ToArray());
            await session.SaveChangesAsync();
        }
        await using var data = NpgsqlDataSource.Create(fixture.ConnectionString);
        var log = new CibEventLog(data);
        var events = await log.FetchStreamAsync(stream);
        Assert.Equal(EventSerializationTests.Samples(), events.Select(e => (ICibEvent)e.Data));
        Assert.Equal(EventSerializationTests.Samples().Select(EventCatalog.NameOf), events.Select(e => e.EventTypeName));

        var first = events[0].Sequence;
        var after = await log.ReadAfterAsync(first - 1, 5);
        Assert.Equal(events.Take(5).Select(e => e.Sequence), after.Select(e => e.Sequence));
    }

    [Fact]
    public async Task An_append_to_a_stream_another_transaction_is_appending_to_waits_and_goes_after_it()
    {
        await using var data = NpgsqlDataSource.Create(fixture.ConnectionString);
        var log = new CibEventLog(data);
        var stream = $"race/{Guid.NewGuid():N}";
        var meta = AppendMetadata.Stamp(CommandMetadata.For(Actor.Node("node1")));
        await log.AppendAsync(stream, [new NodeJoined("node1", "i1", "test", At)], meta);

        // One transaction (Marten's own append function) holds the stream's next version; an append through the log waits
        // for it on the stream's row and goes after it.
        await using var conn = await data.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand(
            "SELECT cib.mt_quick_append_events($1, NULL, '*DEFAULT*', ARRAY[gen_random_uuid()], ARRAY['cib.node_left.v1'], ARRAY['x'], " +
            "ARRAY['{\"node\":\"node1\",\"reason\":\"r\",\"at\":\"2026-11-25T12:00:00+00:00\"}'::jsonb], ARRAY[NULL::bytea], ARRAY[NULL::varchar], " +
            "ARRAY[NULL::varchar], ARRAY[NULL::jsonb], ARRAY[NULL::varchar], ARRAY[now()])", conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
            await cmd.ExecuteNonQueryAsync();
        }
        var racing = log.AppendAsync(stream, [new NodeLeft("node1", "other", At)], meta);
        await Eventually.True(async () =>
        {
            await using var waiting = data.CreateCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
            return (long)(await waiting.ExecuteScalarAsync())! > 0;
        }, "the second append waits for the first");
        await tx.CommitAsync();
        await racing;
        var stored = await log.FetchStreamAsync(stream);
        Assert.Equal([1L, 2L, 3L], stored.Select(e => e.Version));
        Assert.Equal(["NodeJoined", "NodeLeft", "NodeLeft"], stored.Select(e => e.Data.GetType().Name));
        Assert.Equal("other", ((NodeLeft)stored[2].Data).Reason);
    }
}

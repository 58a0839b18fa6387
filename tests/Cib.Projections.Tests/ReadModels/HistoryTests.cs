using Cib.Projections.ReadModels.History;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.ReadModels;

/// <summary>
/// The stored history (decision 0011) from small event sequences: each table's rows, golden-ish; folded after every step
/// and in batches of one event, it equals the history rebuilt from sequence 0 at once.
/// </summary>
public class HistoryTests
{
    private static async Task<(List<FencingHistoryRow> Fencing, List<OperationHistoryRow> Operations, List<ConfigurationChangeRow> Changes)> ReadAllAsync(
        HistoryQueries queries)
    {
        var all = new HistoryRange(Limit: HistoryRange.MaxLimit);
        return ([.. (await queries.FencingAsync(null, all)).Items], [.. (await queries.OperationsAsync(null, null, all)).Items],
            [.. (await queries.ChangesAsync(null, all)).Items]);
    }

    private static async Task<long> EndAsync(TestDatabase db) => await new HistoryQueries(db.DataSource).LogPositionAsync();

    [Fact]
    public async Task Each_table_holds_what_happened()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("hist");
        await new HistoryScenario(db).AllAsync();
        var end = await EndAsync(db);
        Assert.Equal(end, await new StoredHistory(db.DataSource).CatchUpAsync(end));
        var queries = new HistoryQueries(db.DataSource);
        var (fencing, operations, changes) = await ReadAllAsync(queries);

        // Configuration: one change by alice, with its reason, commands and diff.
        var change = Assert.Single(changes);
        Assert.Equal(("user:alice", 0L, 4L, "ticket 7"), (change.Actor, change.FromVersion, change.ToVersion, change.Reason));
        Assert.Equal(["+ node node1", "+ node node2", "+ node node3"], change.Diff.Take(3));
        Assert.Contains(change.Diff, d => d.StartsWith("+ primitive web", StringComparison.Ordinal));

        // Fencing, in log order: the crash, the failed fence twice then given up, the operator's request and its fence.
        Assert.Equal(["t1/1", "t2/1", "t3/1", "t4/1", fencing[4].RequestId, "t5/1"], fencing.Select(f => f.RequestId));
        var crash = fencing[0];
        Assert.Equal(("node2", "reboot", "ipmi-2", "node1", "controller:node1", "succeeded", 1, 1_234L),
            (crash.Target, crash.Action, crash.Device, crash.Executor, crash.Origin, crash.Result, crash.Attempt, crash.DurationMs));
        Assert.Equal(HistoryScenario.T0.AddMinutes(1).AddSeconds(2), crash.CompletedAt);
        Assert.Equal([("failed", 1, "timed out"), ("failed", 2, "timed out"), ("gave-up", 2, "giving up after 2 failed attempts")],
            fencing.Skip(1).Take(3).Select(f => (f.Result, f.Attempt, f.Error!)));
        Assert.All(fencing.Skip(1).Take(3), f => Assert.Equal("node3", f.Target));
        Assert.Equal(60_000L, fencing[1].DurationMs);
        var request = fencing[4];
        Assert.StartsWith("terminate/", request.RequestId, StringComparison.Ordinal);
        Assert.Equal(("node1", "user:otto", "fenced", "hardware swap"), (request.Target, request.Origin, request.Result, request.Reason));
        var operatorFence = fencing[5];
        Assert.Equal(("node1", "off", "node2", "user:otto", "succeeded", 800L),
            (operatorFence.Target, operatorFence.Action, operatorFence.Executor, operatorFence.Origin, operatorFence.Result, operatorFence.DurationMs));

        // Operations: the start, two monitor failures (fail count 1, 2), the clean-ups by otto (0).
        Assert.Equal([("succeeded", "start", 0, 0), ("failed", "monitor", 7, 1), ("failed", "monitor", 1, 2)],
            operations.Take(3).Select(o => (o.Kind, o.Operation!, o.Rc!.Value, o.FailCount)));
        Assert.Equal(("not running", "Done", "process gone", 20L, "node:node2"),
            (operations[1].RcText, operations[1].Status, operations[1].ExitReason, operations[1].DurationMs, operations[1].Actor));
        Assert.Equal("Timeout", operations[2].Status);
        Assert.Equal([("fail-count-cleared", "user:otto", 0), ("history-cleared", "user:otto", 0)],
            operations.Skip(3).Select(o => (o.Kind, o.Actor!, o.FailCount)));
        Assert.All(operations, o => Assert.Equal(("web", "node2"), (o.Resource, o.Node)));

        // Filters.
        Assert.Equal(2, (await queries.FencingAsync("node1", new HistoryRange())).Items.Count);
        Assert.Equal(3, (await queries.FencingAsync("node3", new HistoryRange())).Items.Count);
        Assert.Single((await queries.ChangesAsync("alice", new HistoryRange())).Items);
        Assert.Empty((await queries.ChangesAsync("bob", new HistoryRange())).Items);
        Assert.Equal(5, (await queries.OperationsAsync("web", "node2", new HistoryRange())).Items.Count);
        Assert.Empty((await queries.OperationsAsync("web", "node1", new HistoryRange())).Items);
        Assert.Equal(2, (await queries.OperationsAsync(null, null, new HistoryRange(Since: HistoryScenario.T0.AddMinutes(4).AddSeconds(30),
            Until: HistoryScenario.T0.AddMinutes(4).AddSeconds(90)))).Items.Count);
    }

    [Fact]
    public async Task Folded_step_by_step_in_batches_of_one_it_equals_the_history_rebuilt_from_zero()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("hist");
        var stored = new StoredHistory(db.DataSource);
        foreach (var step in new HistoryScenario(db).Steps)
        {
            await step();
            var end = await EndAsync(db);
            Assert.Equal(end, await stored.CatchUpAsync(end, batchSize: 1));
        }
        var queries = new HistoryQueries(db.DataSource);
        var incremental = await ReadAllAsync(queries);

        var last = await EndAsync(db);
        Assert.Equal(last, await stored.RebuildAsync(last));
        var rebuilt = await ReadAllAsync(queries);
        Assert.Equal(incremental.Fencing, rebuilt.Fencing);
        Assert.Equal(incremental.Operations, rebuilt.Operations);
        Assert.Equal(incremental.Changes, rebuilt.Changes);
        Assert.Equal(6, rebuilt.Fencing.Count);
        Assert.Equal(5, rebuilt.Operations.Count);
        Assert.Single(rebuilt.Changes);
        Assert.Equal(last, await stored.PositionAsync());

        // A state row reset to 0 under full tables (by hand): the next round folds from 0 into empty tables.
        await using (var reset = db.DataSource.CreateCommand(
            "UPDATE cib.ha_read_models SET position = 0, data = jsonb_set(data, '{position}', '0') WHERE name = 'history'"))
            Assert.Equal(1, await reset.ExecuteNonQueryAsync());
        Assert.Equal(0, await stored.PositionAsync());
        Assert.Equal(last, await stored.CatchUpAsync(last, batchSize: 7));
        var again = await ReadAllAsync(queries);
        Assert.Equal(rebuilt.Fencing, again.Fencing);
        Assert.Equal(rebuilt.Operations, again.Operations);
        Assert.Equal(rebuilt.Changes, again.Changes);
    }

    [Fact]
    public async Task It_folds_only_up_to_the_position_it_is_given_and_says_where_it_is()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("hist");
        var scenario = new HistoryScenario(db);
        await scenario.ConfigurationByUserAsync();
        var cut = await EndAsync(db);
        await scenario.CrashWithFencingAsync();
        var stored = new StoredHistory(db.DataSource);
        Assert.Equal(cut, await stored.CatchUpAsync(cut));
        var page = await new HistoryQueries(db.DataSource).FencingAsync(null, new HistoryRange());
        Assert.Empty(page.Items);
        Assert.Equal(cut, page.AsOf);
        Assert.Equal(await EndAsync(db), page.LogPosition);
        // Asked again for less: nothing moves back.
        Assert.Equal(cut, await stored.CatchUpAsync(cut - 1));
    }

    [Fact]
    public async Task Current_answers_fold_the_log_after_the_stored_position_on_and_equal_the_history_folded_to_the_end()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("hist");
        var scenario = new HistoryScenario(db);
        await scenario.ConfigurationByUserAsync();
        await scenario.CrashWithFencingAsync();
        await scenario.FenceRetriedThenGivenUpAsync();
        var stored = new StoredHistory(db.DataSource);
        // Stored in the middle of the operator's fence: its request and the fence requested, not yet the result.
        await scenario.OperatorFenceAsync();
        var fenced = (await new HistoryQueries(db.DataSource).EventsAsync(new LogFilter(Types: ["NodeFenced"]), new HistoryRange())).Items[^1].Seq;
        await stored.CatchUpAsync(fenced - 1);
        await scenario.MonitorFailureThenCleanupAsync();
        var queries = new HistoryQueries(db.DataSource);
        var all = new HistoryRange(Limit: HistoryRange.MaxLimit);
        var end = await EndAsync(db);

        var fencing = await queries.FencingAsync(null, all, current: true);
        var operations = await queries.OperationsAsync(null, null, all, current: true);
        var changes = await queries.ChangesAsync(null, all, current: true);
        Assert.Equal(end, fencing.AsOf);
        Assert.Equal("pending", (await queries.FencingAsync(null, all)).Items[^1].Result);

        // Paged by two, current: every row once, the tail's on the last pages.
        var paged = new List<OperationHistoryRow>();
        long after = 0;
        while (true)
        {
            var page = await queries.OperationsAsync("web", "node2", new HistoryRange(after, 2), current: true);
            paged.AddRange(page.Items);
            if (page.Next is not { } next) break;
            after = next;
        }

        await stored.CatchUpAsync(end);
        var folded = await ReadAllAsync(queries);
        Assert.Equal(folded.Fencing, fencing.Items);
        Assert.Equal(folded.Operations, operations.Items);
        Assert.Equal(folded.Operations, paged);
        Assert.Equal(folded.Changes, changes.Items);
        Assert.Equal("fenced", folded.Fencing.Single(f => f.RequestId.StartsWith("terminate/", StringComparison.Ordinal)).Result);
    }

    [Fact]
    public async Task Paging_the_raw_log_returns_every_event_exactly_once_in_order()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("hist");
        await new HistoryScenario(db).AllAsync();
        var queries = new HistoryQueries(db.DataSource);
        var seen = new List<long>();
        long after = 0;
        while (true)
        {
            var page = await queries.EventsAsync(new LogFilter(), new HistoryRange(after, Limit: 3));
            Assert.True(page.Items.Count <= 3);
            seen.AddRange(page.Items.Select(e => e.Seq));
            if (page.Next is not { } next) break;
            Assert.Equal(page.Items[^1].Seq, next);
            after = next;
        }
        var all = (await queries.EventsAsync(new LogFilter(), new HistoryRange(Limit: HistoryRange.MaxLimit))).Items.Select(e => e.Seq).ToList();
        Assert.Equal(all, seen);
        Assert.Equal(seen.Distinct().Order(), seen);

        // Filters, each by its index: type (stored or event name), stream (exact, prefix), actor, correlation.
        var fenced = await queries.EventsAsync(new LogFilter(Types: ["NodeFenced"]), new HistoryRange());
        Assert.Equal(2, fenced.Items.Count);
        Assert.All(fenced.Items, e => Assert.Equal("cib.node_fenced.v1", e.Type));
        Assert.Equal(2, (await queries.EventsAsync(new LogFilter(Types: ["cib.node_fenced.v1"]), new HistoryRange())).Items.Count);
        Assert.Equal(7, (await queries.EventsAsync(new LogFilter(Stream: "fencing/node3"), new HistoryRange())).Items.Count);
        Assert.Equal(3, (await queries.EventsAsync(new LogFilter(Stream: "fencing/node2"), new HistoryRange())).Items.Count);
        Assert.All((await queries.EventsAsync(new LogFilter(Stream: "resource/*"), new HistoryRange())).Items,
            e => Assert.StartsWith("resource/", e.Stream, StringComparison.Ordinal));
        var otto = await queries.EventsAsync(new LogFilter(Actor: "otto"), new HistoryRange());
        Assert.Equal(3, otto.Items.Count);
        var correlation = otto.Items[0].CorrelationId!;
        Assert.Single((await queries.EventsAsync(new LogFilter(Correlation: correlation), new HistoryRange())).Items);
        Assert.Equal(4, (await queries.EventsAsync(new LogFilter(Actor: "user:alice"), new HistoryRange())).Items.Count);
    }

    [Fact]
    public async Task A_time_range_read_by_the_logs_clock_finds_exactly_what_filtering_the_whole_log_finds_however_skewed_the_clocks()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("hist");
        // 20,000 monitor results over five buckets of the log's clock, 10 ms apart, one in twenty stamped by a clock up
        // to 100 s off (before or after its neighbours).
        await using (var cmd = db.DataSource.CreateCommand("""
            INSERT INTO cib.mt_streams (id, version) VALUES ('resource/r/node1', 20000);
            INSERT INTO cib.mt_events (seq_id, id, stream_id, version, data, type, timestamp, user_name, headers)
            SELECT i, gen_random_uuid(), 'resource/r/node1', i,
                   jsonb_build_object('resource', 'r', 'node', 'node1', 'operation', 'monitor', 'intervalMs', 10000, 'rc', 0,
                       'origin', jsonb_build_object('transitionId', NULL, 'actionId', NULL), 'durationMs', 1, 'at', '2026-01-01T00:00:00Z'),
                   'cib.resource_operation_succeeded.v1',
                   timestamptz '2026-01-01 00:00:00+00' + i * interval '10 ms'
                       + CASE WHEN i % 20 = 0 THEN ((i * 7919) % 200 - 100) * interval '1 s' ELSE interval '0' END,
                   'node:node1', '{}'
            FROM generate_series(1, 20000) i;
            SELECT setval('cib.mt_events_sequence', 20000);
            """)) await cmd.ExecuteNonQueryAsync();
        // The history folded up to 15,000: the clock knows the first four buckets; the rest is the unknown tail.
        Assert.Equal(15_000, await new StoredHistory(db.DataSource).CatchUpAsync(15_000, batchSize: 3_000));
        var queries = new HistoryQueries(db.DataSource);
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var (since, until) in new (DateTimeOffset?, DateTimeOffset?)[]
                 {
                     (t0.AddSeconds(50), t0.AddSeconds(60)), (t0.AddSeconds(100), null), (null, t0.AddSeconds(20)), (t0.AddSeconds(145), t0.AddSeconds(190)),
                     (t0.AddSeconds(-50), t0.AddSeconds(1)), (t0.AddSeconds(300), null), (t0.AddSeconds(199), t0.AddSeconds(201)),
                 })
        {
            var expected = new List<long>();
            await using (var brute = db.DataSource.CreateCommand(
                "SELECT seq_id FROM cib.mt_events WHERE timestamp >= coalesce($1, '-infinity') AND timestamp < coalesce($2, 'infinity') ORDER BY seq_id"))
            {
                brute.Parameters.Add(new Npgsql.NpgsqlParameter { Value = (object?)since ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
                brute.Parameters.Add(new Npgsql.NpgsqlParameter { Value = (object?)until ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
                await using var r = await brute.ExecuteReaderAsync();
                while (await r.ReadAsync()) expected.Add(r.GetInt64(0));
            }
            var seen = new List<long>();
            long after = 0;
            while (true)
            {
                var page = await queries.EventsAsync(new LogFilter(), new HistoryRange(after, 1_000, since, until));
                seen.AddRange(page.Items.Select(e => e.Seq));
                if (page.Next is not { } next) break;
                after = next;
            }
            Assert.True(expected.SequenceEqual(seen), $"{since:O}..{until:O}: {expected.Count} expected, {seen.Count} read");
        }
    }

    [Fact]
    public void Two_operators_requests_to_fence_one_node_are_both_carried_out_by_its_fence()
    {
        var t = HistoryScenario.T0;
        HistoryEvent Event(long seq, object data, string actor) => new(seq, "fencing/n1", seq, data, "", t.AddSeconds(seq), null, null, actor,
            new Dictionary<string, System.Text.Json.JsonElement>());
        var fold = HistoryProjection.Fold([
            Event(1, new Cib.Domain.Fencing.NodeTerminationRequested("n1", Cib.Domain.Primitives.Actor.User("otto"), "swap", t), "user:otto"),
            Event(2, new Cib.Domain.Fencing.NodeTerminationRequested("n1", Cib.Domain.Primitives.Actor.User("ada"), "again", t), "user:ada"),
            Event(3, new Cib.Domain.Fencing.FencingRequested("t1/1", "n1", "off", "terminate", "ipmi", "t1", 1, t), "controller:n2"),
            Event(4, new Cib.Domain.Fencing.NodeFenced("t1/1", "n1", "ipmi", "off", "n2", 500, t.AddSeconds(4)), "node:n2"),
        ]);
        Assert.Equal(("fenced", "fenced"), (fold.Fencing["terminate/1"].Result, fold.Fencing["terminate/2"].Result));
        Assert.Equal(("user:otto", "succeeded"), (fold.Fencing["t1/1"].Origin, fold.Fencing["t1/1"].Result));
        Assert.Empty(fold.State.Terminations);
        Assert.Equal(4, fold.State.Position);
    }
}

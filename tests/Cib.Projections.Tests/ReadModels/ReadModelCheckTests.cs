using System.Text.Json;
using Cib.Projections.ReadModels;
using Cib.Projections.ReadModels.History;
using Npgsql;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.ReadModels;

/// <summary>
/// "The log replays to the same read models" (<see cref="ReadModelCheck"/>): a store written as the product writes it is
/// the same as its log folded again; a stored history row or a stored status field changed by hand is found, and only
/// that; the scratch schema never stays. The comparisons themselves are pure and tried on their own.
/// </summary>
public sealed class ReadModelCheckTests
{
    private const long Interval = 100;

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void Snapshots_equal_but_for_member_order_spacing_and_number_spelling_do_not_differ()
    {
        var stored = Json("""{"version":1,"status":{"sequence":10,"failures":[{"count":1.0}]},"lastPlan":null}""");
        var refolded = Json("""{ "lastPlan": null, "status": { "failures": [ { "count": 1 } ], "sequence": 10 }, "version": 1 }""");
        Assert.Empty(ReadModelCheck.CompareSnapshots(stored, refolded));
    }

    [Fact]
    public void Each_differing_part_is_named_down_to_the_second_level_and_a_part_on_one_side_only_counts()
    {
        var stored = Json("""{"version":1,"position":9,"status":{"controller":"node1","failures":[1,2],"open":true},"controller":{"dirty":false},"extra":1}""");
        var refolded = Json("""{"version":1,"position":10,"status":{"controller":"node2","failures":[2,1]},"controller":{"dirty":false}}""");
        Assert.Equal(["position", "status.controller", "status.failures", "status.open", "extra"], ReadModelCheck.CompareSnapshots(stored, refolded));
        Assert.Equal(["position", "status", "extra"], ReadModelCheck.CompareSnapshots(stored, refolded, depth: 1));
        Assert.Equal(["(the whole snapshot)"], ReadModelCheck.CompareSnapshots(stored, refolded, depth: 0));
    }

    private static IAsyncEnumerable<TableRow> Numbered(params (long Key, string Data)[] rows) =>
        rows.Select(r => TableRow.Numbered(r.Key, r.Data)).ToAsyncEnumerable();

    private static IAsyncEnumerable<TableRow> Named(params (string Key, string Data)[] rows) =>
        rows.Select(r => TableRow.Named(r.Key, r.Data)).ToAsyncEnumerable();

    [Fact]
    public async Task Equal_row_sets_do_not_differ()
    {
        var same = await ReadModelCheck.CompareRowsAsync("t", "seq", Numbered((1, "a"), (2, "b"), (10, "c")), Numbered((1, "a"), (2, "b"), (10, "c")));
        Assert.Equal((3L, 3L, 0L), (same.StoredRows, same.RefoldedRows, same.DifferingRows));
        Assert.Empty(same.FirstKeys);
        Assert.True(same.Same);
        Assert.True((await ReadModelCheck.CompareRowsAsync("t", "seq", Numbered(), Numbered())).Same);
    }

    [Fact]
    public async Task A_changed_row_and_rows_on_one_side_only_differ_and_their_keys_are_reported_in_key_order()
    {
        var result = await ReadModelCheck.CompareRowsAsync("t", "seq",
            Numbered((1, "a"), (2, "b"), (3, "c"), (5, "e")),
            Numbered((1, "a"), (2, "B"), (4, "d"), (5, "e"), (6, "f")));
        Assert.Equal((4L, 5L, 4L), (result.StoredRows, result.RefoldedRows, result.DifferingRows));
        Assert.Equal(["2", "3", "4", "6"], result.FirstKeys);
        Assert.False(result.Same);
    }

    [Fact]
    public async Task At_most_five_keys_are_kept_however_many_rows_differ()
    {
        var stored = Enumerable.Range(1, 50).Select(i => ((long)i, "x")).ToArray();
        var refolded = Enumerable.Range(1, 50).Select(i => ((long)i, i % 2 == 0 ? "y" : "x")).ToArray();
        var result = await ReadModelCheck.CompareRowsAsync("t", "seq", Numbered(stored), Numbered(refolded));
        Assert.Equal(25, result.DifferingRows);
        Assert.Equal(["2", "4", "6", "8", "10"], result.FirstKeys);
    }

    [Fact]
    public async Task Text_keys_are_ordered_by_code_point_as_the_C_collation_orders_them()
    {
        // "t10/1" before "t2/1", upper case before lower case, and a character beyond U+FFFF after U+FFFD.
        var rows = Named(("B", "1"), ("a", "1"), ("t10/1", "1"), ("t2/1", "1"), ("\uFFFD", "1"), ("\U0001F600", "1"));
        var result = await ReadModelCheck.CompareRowsAsync("t", "id", rows, Named(("B", "1"), ("a", "1"), ("t10/1", "1"), ("t2/1", "2"), ("\uFFFD", "1"), ("\U0001F600", "1")));
        Assert.Equal(["t2/1"], result.FirstKeys);
    }

    [Fact]
    public async Task Rows_out_of_key_order_are_refused_rather_than_paired_wrongly()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ReadModelCheck.CompareRowsAsync("t", "seq", Numbered((1, "a"), (3, "c"), (2, "b")), Numbered((1, "a"), (2, "b"), (3, "c"))));
        Assert.Contains("not in ascending key order (3, then 2)", e.Message);
    }

    private static async Task<int> ScratchSchemasAsync(TestDatabase db)
    {
        await using var cmd = db.DataSource.CreateCommand($"SELECT count(*)::int FROM pg_namespace WHERE starts_with(nspname, '{ReadModelCheck.ScratchPrefix}')");
        return (int)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<T> ScalarAsync<T>(TestDatabase db, string sql)
    {
        await using var cmd = db.DataSource.CreateCommand(sql);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_store_written_as_the_product_writes_it_replays_to_the_same_read_models_and_a_change_by_hand_is_found_exactly()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("rmcheck");
        var end = await SimulatedStore.WriteAsync(db, incidents: 40, seed: 7, replaySnapshotInterval: Interval);
        var check = new ReadModelCheck(db.DataSource, replaySnapshotInterval: Interval);

        var result = await check.RunAsync();
        Assert.Equal((ReadModelVerdict.Same, end), (result.Status.Verdict, result.Status.Position));
        Assert.Empty(result.Status.Differences);
        Assert.Equal((ReadModelVerdict.Same, end), (result.History.Verdict, result.History.Position));
        Assert.Equal([.. StoredHistory.Tables, "ha_read_models"], result.History.Tables.Select(t => t.Table));
        Assert.All(result.History.Tables, t => Assert.Equal((t.StoredRows, 0L), (t.RefoldedRows, t.DifferingRows)));
        // Every table held rows to compare: the simulated log has fences, failures, configuration changes and incidents.
        Assert.All(result.History.Tables, t => Assert.True(t.StoredRows > 0, $"{t.Table} is empty"));
        Assert.False(result.Differs);
        Assert.Equal(0, await ScratchSchemasAsync(db));

        // The times rows were written are not what the log says: moved, nothing differs.
        await using (var cmd = db.DataSource.CreateCommand(
            "UPDATE cib.ha_replay_snapshots SET written_at = written_at - interval '1 day'; UPDATE cib.ha_read_models SET written_at = written_at - interval '1 day'"))
            await cmd.ExecuteNonQueryAsync();
        Assert.False((await check.RunAsync()).Differs);

        // One stored history row and one field of the stored status changed by hand.
        var seq = await ScalarAsync<long>(db, "SELECT min(seq) FROM cib.ha_operation_history WHERE kind = 'failed'");
        await using (var cmd = db.DataSource.CreateCommand($"UPDATE cib.ha_operation_history SET exit_reason = 'tampered' WHERE seq = {seq}"))
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        await using (var cmd = db.DataSource.CreateCommand(
            "UPDATE cib.ha_read_models SET data = jsonb_set(data, '{status,transitionOpen}', to_jsonb(NOT (data #>> '{status,transitionOpen}')::boolean)) WHERE name = 'cluster-status'"))
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());

        var tampered = await check.RunAsync();
        Assert.True(tampered.Differs);
        Assert.Equal((ReadModelVerdict.Differs, end), (tampered.Status.Verdict, tampered.Status.Position));
        Assert.Equal(["status.transitionOpen"], tampered.Status.Differences);
        Assert.Equal(ReadModelVerdict.Differs, tampered.History.Verdict);
        var table = Assert.Single(tampered.History.Differences);
        Assert.Equal(("ha_operation_history", "seq", 1L), (table.Table, table.KeyColumn, table.DifferingRows));
        Assert.Equal([seq.ToString(System.Globalization.CultureInfo.InvariantCulture)], table.FirstKeys);
        Assert.Equal(0, await ScratchSchemasAsync(db));

        // A stored row deleted is found too (on the stored side, one row fewer), and the history's own state row.
        await using (var cmd = db.DataSource.CreateCommand(
            "DELETE FROM cib.ha_fencing_history WHERE seq = (SELECT max(seq) FROM cib.ha_fencing_history); " +
            "UPDATE cib.ha_read_models SET data = jsonb_set(data, '{failCounts}', '[]') WHERE name = 'history'"))
            await cmd.ExecuteNonQueryAsync();
        var more = await check.RunAsync();
        Assert.Equal(["ha_fencing_history", "ha_operation_history", "ha_read_models"], more.History.Differences.Select(t => t.Table));
        var fencing = more.History.Differences.Single(t => t.Table == "ha_fencing_history");
        Assert.Equal((fencing.RefoldedRows - 1, 1L), (fencing.StoredRows, fencing.DifferingRows));
        Assert.Equal(["history"], more.History.Differences.Single(t => t.Table == "ha_read_models").FirstKeys);
    }

    [Fact]
    public async Task Nothing_stored_is_nothing_to_compare_and_no_difference()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("rmcheck");
        var result = await new ReadModelCheck(db.DataSource).RunAsync();
        Assert.Equal((ReadModelVerdict.NotStored, ReadModelVerdict.NotStored), (result.Status.Verdict, result.History.Verdict));
        Assert.Equal(("no stored status", "no stored history"), (result.Status.Note, result.History.Note));
        Assert.False(result.Differs);
        Assert.Equal(0, await ScratchSchemasAsync(db));
    }

    [Fact]
    public async Task A_check_that_fails_midway_drops_its_scratch_schema_and_leaves_the_stored_history_as_it_was()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("rmcheck");
        await SimulatedStore.WriteAsync(db, incidents: 10, seed: 3);
        var before = await ScalarAsync<string>(db, "SELECT string_agg(to_jsonb(t)::text, ',' ORDER BY seq) FROM cib.ha_operation_history t");
        // A constraint the stored rows break: copied into the scratch tables, the refold's first write fails there.
        await using (var cmd = db.DataSource.CreateCommand("ALTER TABLE cib.ha_operation_history ADD CONSTRAINT no_rows CHECK (seq < 0) NOT VALID"))
            await cmd.ExecuteNonQueryAsync();

        var e = await Assert.ThrowsAsync<PostgresException>(() => new ReadModelCheck(db.DataSource).RunAsync());
        Assert.Equal(PostgresErrorCodes.CheckViolation, e.SqlState);
        Assert.Equal(0, await ScratchSchemasAsync(db));
        Assert.Equal(before, await ScalarAsync<string>(db, "SELECT string_agg(to_jsonb(t)::text, ',' ORDER BY seq) FROM cib.ha_operation_history t"));
    }
}

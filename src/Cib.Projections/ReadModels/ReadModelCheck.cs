using System.Data;
using System.Text.Json;
using Cib.Domain;
using Cib.Domain.Controller;
using Cib.Domain.Nodes;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Store;
using Npgsql;

namespace Cib.Projections.ReadModels;

/// <summary>What a read model's check found: the same as the log folded again, something else, or nothing stored to compare.</summary>
public enum ReadModelVerdict { Same, Differs, NotStored }

/// <summary>
/// The stored status against the log folded again from sequence 0 up to its <see cref="Position"/>:
/// <see cref="Differences"/> names each part of the snapshot that differs (<c>status.failures</c>,
/// <c>controller.recoverNotBefore</c>, <c>position</c>, <c>lastPlan.eventId</c>). <see cref="Note"/> says why nothing
/// was compared when <see cref="ReadModelVerdict.NotStored"/>.
/// </summary>
public sealed record StatusCheck(ReadModelVerdict Verdict, long Position, IReadOnlyList<string> Differences, string? Note = null);

/// <summary>
/// One table of the stored history against its copy folded again: rows on each side, rows that differ (changed, or on
/// one side only) and the first keys of those, in key order (at most <see cref="ReadModelCheck.FirstKeys"/>).
/// </summary>
public sealed record TableComparison(string Table, string KeyColumn, long StoredRows, long RefoldedRows, long DifferingRows, IReadOnlyList<string> FirstKeys)
{
    public bool Same => DifferingRows == 0;
}

/// <summary>
/// The stored history against the log folded again from sequence 0 up to its <see cref="Position"/> into a scratch
/// schema: every table of <see cref="StoredHistory.Tables"/> and the history's state row (<c>ha_read_models</c>, row
/// <c>history</c>), each compared row by row.
/// </summary>
public sealed record HistoryCheck(ReadModelVerdict Verdict, long Position, IReadOnlyList<TableComparison> Tables, string? Note = null)
{
    public IEnumerable<TableComparison> Differences => Tables.Where(t => !t.Same);
}

/// <summary>The stored read models checked against the log (<see cref="ReadModelCheck"/>).</summary>
public sealed record ReadModelCheckResult(StatusCheck Status, HistoryCheck History)
{
    public bool Differs => Status.Verdict == ReadModelVerdict.Differs || History.Verdict == ReadModelVerdict.Differs;
}

/// <summary>
/// "The log replays to the same read models": the stored status (<see cref="StoredStatus"/>) and the stored history
/// (<see cref="StoredHistory"/>) are folded again from the log alone, from sequence 0 up to the position each is stored
/// as of, by the product's own folds, and compared with what is stored. Both are functions of the log's prefix (decisions
/// 0007 and 0011), so any difference is a defect: of a fold that depends on more than the log, or of the stored rows.
/// <list type="bullet">
/// <item>The status: <see cref="LogFold"/> (what the controller stores) over the log up to the snapshot's position,
/// with the controller rules recorded with the latest election at or before it (the rules the writing controller
/// applied; <see cref="ControllerRules.Default"/> when none are recorded, or <paramref name="rules"/>). The refolded
/// snapshot is serialized as <see cref="StoredStatus"/> serializes it and compared with the stored JSON part by part.</item>
/// <item>The history: its tables (and the state row) are created empty in a scratch schema
/// (<c>ha_check_*</c>, <c>CREATE TABLE ... (LIKE cib.t INCLUDING ALL)</c>), <see cref="StoredHistory"/> folds the log of
/// <paramref name="schema"/> into them up to the stored position, and each table is compared row by row in primary-key
/// order, streamed from both sides (memory does not grow with the tables). Columns named in <see cref="IgnoredColumns"/>
/// are left out: <c>written_at</c> is the wall-clock time of the write (<c>clock_timestamp()</c>), not a function of
/// the log. The scratch schema is dropped at the end, whatever happened (a killed process leaves it: drop
/// <c>ha_check_*</c> by hand).</item>
/// </list>
/// What is stored is read in one repeatable-read snapshot, so an active controller may go on writing meanwhile: the
/// stored rows compared are those of the positions read. The check needs a role that may create a schema in the
/// store's database (the store's owner, <c>postgres</c> under <c>./ha</c>): the components' roles may not (decision 0010).
/// It writes nothing outside its scratch schema.
/// </summary>
public sealed class ReadModelCheck(NpgsqlDataSource db, string schema = CibStore.DefaultSchema, long replaySnapshotInterval = ReplaySnapshots.DefaultInterval,
    ControllerRules? rules = null)
{
    /// <summary>Keys of differing rows reported per table.</summary>
    public const int FirstKeys = 5;

    /// <summary>Columns that hold when a row was written (wall-clock time), not what the log says: not compared.</summary>
    public static readonly IReadOnlyList<string> IgnoredColumns = ["written_at"];

    /// <summary>The prefix of the scratch schemas' names.</summary>
    public const string ScratchPrefix = "ha_check_";

    /// <summary>Events folded into the scratch history per transaction (the controller's default batch).</summary>
    public int HistoryBatch { get; init; } = 5_000;

    public async Task<ReadModelCheckResult> RunAsync(CancellationToken ct = default)
    {
        await using var live = await db.OpenConnectionAsync(ct);
        // One snapshot of what is stored: the rows of the history compared are those of the position read here.
        await using var tx = await live.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", live, tx)) await readOnly.ExecuteNonQueryAsync(ct);
        var storedStatus = await ReadRowAsync(live, tx, StoredStatus.Name, ct);
        var storedHistory = await ReadRowAsync(live, tx, StoredHistory.Name, ct);
        var status = await CheckStatusAsync(storedStatus, ct);
        var history = await CheckHistoryAsync(live, tx, storedHistory, ct);
        await tx.CommitAsync(ct);
        return new ReadModelCheckResult(status, history);
    }

    private sealed record StoredRow(long Position, string Data, int? Version);

    private async Task<StoredRow?> ReadRowAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string name, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT position, data::text, data ->> 'version' FROM {schema}.ha_read_models WHERE name = $1", conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new StoredRow(r.GetInt64(0), r.GetString(1), !r.IsDBNull(2) && int.TryParse(r.GetString(2), out var v) ? v : null);
    }

    private async Task<StatusCheck> CheckStatusAsync(StoredRow? stored, CancellationToken ct)
    {
        if (stored is null) return new StatusCheck(ReadModelVerdict.NotStored, 0, [], "no stored status");
        if (stored.Version != StatusSnapshot.CurrentVersion)
            return new StatusCheck(ReadModelVerdict.NotStored, stored.Position, [],
                $"the stored status is of version {stored.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, not {StatusSnapshot.CurrentVersion}: a controller folds it again from 0");
        var log = new CibEventLog(db, schema);
        var fold = LogFold.Initial(rules ?? await RulesAsOfAsync(stored.Position, ct) ?? ControllerRules.Default);
        await foreach (var e in log.ReadUpToAsync(stored.Position, ct)) fold = fold.Apply(e.Data, e.Sequence, e.Id);
        using var storedJson = JsonDocument.Parse(stored.Data);
        var refolded = JsonSerializer.SerializeToElement(fold.Snapshot(), CibEventLog.Json);
        var differences = CompareSnapshots(storedJson.RootElement, refolded);
        return new StatusCheck(differences.Count == 0 ? ReadModelVerdict.Same : ReadModelVerdict.Differs, stored.Position, differences);
    }

    /// <summary>The rules recorded with the latest election at or before <paramref name="position"/> (<see cref="ControllerStep"/>'s header).</summary>
    private async Task<ControllerRules?> RulesAsOfAsync(long position, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT headers ->> '{ControllerStep.RulesHeader}' FROM {schema}.mt_events
            WHERE stream_id = $1 AND type = $2 AND seq_id <= $3 ORDER BY seq_id DESC LIMIT 1
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StreamIds.Controller });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = EventCatalog.NameOf(typeof(ControllerElected)) });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        return await cmd.ExecuteScalarAsync(ct) is string json ? JsonSerializer.Deserialize<ControllerRules>(json, CibEventLog.Json) : null;
    }

    private async Task<HistoryCheck> CheckHistoryAsync(NpgsqlConnection live, NpgsqlTransaction tx, StoredRow? stored, CancellationToken ct)
    {
        if (stored is null) return new HistoryCheck(ReadModelVerdict.NotStored, 0, [], "no stored history");
        if (stored.Version != HistoryState.CurrentVersion)
            return new HistoryCheck(ReadModelVerdict.NotStored, stored.Position, [],
                $"the stored history is of version {stored.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, not {HistoryState.CurrentVersion}: a controller folds it again from 0");
        var scratch = ScratchPrefix + Guid.NewGuid().ToString("N")[..12];
        var tables = new List<(string Table, string? Row)>([.. StoredHistory.Tables.Select(t => (t, (string?)null)), ("ha_read_models", StoredHistory.Name)]);
        var failed = false;
        try
        {
            await using (var batch = db.CreateBatch())
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"CREATE SCHEMA {scratch}"));
                foreach (var (t, _) in tables) batch.BatchCommands.Add(new NpgsqlBatchCommand($"CREATE TABLE {scratch}.{t} (LIKE {schema}.{t} INCLUDING ALL)"));
                await batch.ExecuteNonQueryAsync(ct);
            }
            await new StoredHistory(db, scratch, replaySnapshotInterval, logSchema: schema).CatchUpAsync(stored.Position, HistoryBatch, ct);
            var comparisons = new List<TableComparison>();
            await using var refoldedConn = await db.OpenConnectionAsync(ct);
            foreach (var (t, row) in tables)
            {
                var (key, numeric) = await PrimaryKeyAsync(live, tx, t, ct);
                comparisons.Add(await CompareRowsAsync(t, key,
                    RowsAsync(live, tx, schema, t, key, numeric, row, ct), RowsAsync(refoldedConn, null, scratch, t, key, numeric, row, ct), ct));
            }
            return new HistoryCheck(comparisons.All(c => c.Same) ? ReadModelVerdict.Same : ReadModelVerdict.Differs, stored.Position, comparisons);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            try
            {
                await using var drop = db.CreateCommand($"DROP SCHEMA IF EXISTS {scratch} CASCADE");
                await drop.ExecuteNonQueryAsync(CancellationToken.None);
            }
            // A failed drop does not hide why the check failed.
            catch (Exception) when (failed)
            {
            }
        }
    }

    /// <summary>The one-column primary key of a history table, and whether it is an integer (ordered as a number, else as text by code point).</summary>
    private async Task<(string Column, bool Numeric)> PrimaryKeyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT a.attname, a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
            FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
            WHERE i.indrelid = $1::regclass AND i.indisprimary
            """, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{schema}.{table}" });
        var columns = new List<(string, bool)>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) columns.Add((r.GetString(0), r.GetBoolean(1)));
        return columns.Count == 1 ? columns[0] : throw new InvalidOperationException($"{schema}.{table}: a primary key of one column expected, found {columns.Count}");
    }

    /// <summary>A table's rows in key order, each as its JSON text (jsonb's: one text for one value) without <see cref="IgnoredColumns"/>.</summary>
    private static async IAsyncEnumerable<TableRow> RowsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, string table, string key, bool numeric,
        string? onlyKey, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        // Text keys in code point order (the C collation's, UTF-8 byte order): the order TableRow compares them in. The
        // key ordered by is the column (t.key), not the output column of its text.
        await using var cmd = new NpgsqlCommand($"""
            SELECT t.{key}::text AS row_key, (to_jsonb(t) - $1::text[])::text AS row_data FROM {schema}.{table} t
            {(onlyKey is null ? "" : $"WHERE t.{key} = $2")} ORDER BY t.{key}{(numeric ? "" : " COLLATE \"C\"")}
            """, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. IgnoredColumns] });
        if (onlyKey is not null) cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = onlyKey });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            yield return numeric ? TableRow.Numbered(long.Parse(r.GetString(0), System.Globalization.CultureInfo.InvariantCulture), r.GetString(1))
                : TableRow.Named(r.GetString(0), r.GetString(1));
    }

    /// <summary>
    /// Compares two parts of two snapshots' JSON: the names (<c>status.failures</c>) of the parts down to
    /// <paramref name="depth"/> levels whose values differ (objects compared by their members whatever their order,
    /// numbers by value), in the refolded snapshot's order, those only stored after. Empty when they are equal. Pure.
    /// </summary>
    public static IReadOnlyList<string> CompareSnapshots(JsonElement stored, JsonElement refolded, int depth = 2)
    {
        var differences = new List<string>();
        Compare(stored, refolded, "", depth, differences);
        return differences;

        static void Compare(JsonElement a, JsonElement b, string path, int depth, List<string> differences)
        {
            if (depth > 0 && a.ValueKind == JsonValueKind.Object && b.ValueKind == JsonValueKind.Object)
            {
                var names = b.EnumerateObject().Select(p => p.Name).Concat(a.EnumerateObject().Select(p => p.Name)).Distinct(StringComparer.Ordinal);
                foreach (var name in names)
                {
                    var part = path.Length == 0 ? name : $"{path}.{name}";
                    var inA = a.TryGetProperty(name, out var x);
                    var inB = b.TryGetProperty(name, out var y);
                    if (inA && inB) Compare(x, y, part, depth - 1, differences);
                    else differences.Add(part);
                }
            }
            else if (!JsonElement.DeepEquals(a, b)) differences.Add(path.Length == 0 ? "(the whole snapshot)" : path);
        }
    }

    /// <summary>
    /// Compares two row sets, each in ascending key order (<see cref="TableRow"/>'s): a row whose JSON differs, or whose
    /// key only one side holds, is a differing row. Reads each side once, keeping nothing but the first
    /// <see cref="FirstKeys"/> differing keys. Pure but for the reading of its inputs; input out of key order is refused
    /// (it would pair rows wrongly).
    /// </summary>
    public static async Task<TableComparison> CompareRowsAsync(string table, string keyColumn, IAsyncEnumerable<TableRow> stored,
        IAsyncEnumerable<TableRow> refolded, CancellationToken ct = default)
    {
        await using var a = stored.GetAsyncEnumerator(ct);
        await using var b = refolded.GetAsyncEnumerator(ct);
        long storedRows = 0, refoldedRows = 0, differing = 0;
        var first = new List<string>();
        async Task<TableRow?> Next(IAsyncEnumerator<TableRow> rows, TableRow? previous, string side)
        {
            if (!await rows.MoveNextAsync()) return null;
            if (previous is not null && rows.Current.CompareTo(previous) <= 0)
                throw new InvalidOperationException($"{table}: the {side} rows are not in ascending key order ({previous.Key}, then {rows.Current.Key})");
            return rows.Current;
        }
        void Differ(TableRow row)
        {
            differing++;
            if (first.Count < FirstKeys) first.Add(row.Key);
        }
        var x = await Next(a, null, "stored");
        var y = await Next(b, null, "refolded");
        while (x is not null || y is not null)
        {
            var order = x is null ? 1 : y is null ? -1 : x.CompareTo(y);
            if (order < 0)
            {
                storedRows++;
                Differ(x!);
                x = await Next(a, x, "stored");
            }
            else if (order > 0)
            {
                refoldedRows++;
                Differ(y!);
                y = await Next(b, y, "refolded");
            }
            else
            {
                storedRows++;
                refoldedRows++;
                if (x!.Data != y!.Data) Differ(x);
                x = await Next(a, x, "stored");
                y = await Next(b, y, "refolded");
            }
        }
        return new TableComparison(table, keyColumn, storedRows, refoldedRows, differing, first);
    }
}

/// <summary>
/// A row of a table compared by <see cref="ReadModelCheck.CompareRowsAsync"/>: its key (a number, or a text ordered by
/// code point, as PostgreSQL's C collation orders it) and its data as one text.
/// </summary>
public sealed record TableRow : IComparable<TableRow>
{
    private readonly long? _number;
    private readonly string? _text;

    private TableRow(long? number, string? text, string data) => (_number, _text, Data) = (number, text, data);

    public static TableRow Numbered(long key, string data) => new(key, null, data);

    public static TableRow Named(string key, string data) => new(null, key, data);

    public string Key => _number?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? _text!;

    public string Data { get; }

    public int CompareTo(TableRow? other)
    {
        if (other is null) return 1;
        if (_number is { } n && other._number is { } m) return n.CompareTo(m);
        if (_text is not null && other._text is not null) return CompareCodePoints(_text, other._text);
        throw new InvalidOperationException("a numbered row compared with a named one");
    }

    /// <summary>Code point order (UTF-8 byte order): ordinal UTF-16 order but for surrogate pairs, which sort after U+FFFF here.</summary>
    private static int CompareCodePoints(string a, string b)
    {
        var x = a.EnumerateRunes();
        var y = b.EnumerateRunes();
        while (true)
        {
            var moreX = x.MoveNext();
            var moreY = y.MoveNext();
            if (!moreX || !moreY) return moreX.CompareTo(moreY);
            var c = x.Current.Value.CompareTo(y.Current.Value);
            if (c != 0) return c;
        }
    }
}

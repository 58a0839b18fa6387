using System.Text.Json;
using Cib.Domain;
using Cib.Projections.Store;
using Npgsql;

namespace Cib.Projections.ReadModels.History;

/// <summary>
/// A page of a history: its rows in log order, the cursor of the next page (<see cref="Next"/>: pass it as <c>after</c>;
/// null on the last page), the position the answer is current as of (<see cref="AsOf"/>: the stored history's; the raw
/// log's is the log's end) and the log's end (<see cref="LogPosition"/>): how far behind the stored history is.
/// </summary>
public sealed record HistoryPage<T>(IReadOnlyList<T> Items, long? Next, long AsOf, long LogPosition);

/// <summary>Paging and the time range, common to every history: rows after <see cref="After"/> (a log position), at most <see cref="Limit"/>.</summary>
public sealed record HistoryRange(long After = 0, int Limit = HistoryRange.DefaultLimit, DateTimeOffset? Since = null, DateTimeOffset? Until = null)
{
    public const int DefaultLimit = 100, MaxLimit = 10_000;
}

/// <summary>One stored event as the raw log's query answers it: its envelope, and its data and headers as stored (JSON).</summary>
public sealed record LogEventRow(long Seq, Guid Id, string Stream, long Version, string Type, DateTimeOffset Timestamp, string? Actor,
    string? CorrelationId, string? CausationId, JsonElement? Headers, JsonElement Data);

/// <summary>The raw log's filters: stored type names (or event names, <c>NodeFenced</c>), a stream (a trailing <c>*</c>: a prefix), the actor, the correlation id.</summary>
public sealed record LogFilter(IReadOnlyList<string>? Types = null, string? Stream = null, string? Actor = null, string? Correlation = null);

/// <summary>
/// The history queries, in SQL with keyset paging on the log position (never OFFSET): the raw log (<c>cib.mt_events</c>
/// and the indexes of migration 0007) and the stored history tables (<see cref="StoredHistory"/>).
/// </summary>
public sealed class HistoryQueries(NpgsqlDataSource db, string schema = CibStore.DefaultSchema)
{
    public async Task<HistoryPage<LogEventRow>> EventsAsync(LogFilter filter, HistoryRange range, CancellationToken ct = default)
    {
        var rows = new List<LogEventRow>();
        // A time range first narrows the positions to read, by the log's clock; each part is an index range scan in order.
        foreach (var (from, to) in await PositionsAsync(range, ct))
        {
            if (rows.Count > range.Limit) break;
            var where = new Where(range with { Limit = range.Limit - rows.Count });
            where.Add("seq_id > {0}", from);
            if (to is { } upTo) where.Add("seq_id <= {0}", upTo);
            where.Add("is_archived = FALSE");
            if (filter.Types is { Count: > 0 } types) where.Add("type = ANY({0})", types.Select(StoredType).ToArray());
            if (filter.Stream is { Length: > 0 } stream)
            {
                if (stream.EndsWith('*')) where.Add("stream_id LIKE {0}", Like(stream[..^1]) + "%");
                else where.Add("stream_id = {0}", stream);
            }
            if (filter.Actor is { Length: > 0 } actor) where.Add("user_name = {0}", ActorText(actor));
            if (filter.Correlation is { Length: > 0 } correlation) where.Add("correlation_id = {0}", correlation);
            if (range.Since is { } since) where.Add("timestamp >= {0}", since.ToUniversalTime());
            if (range.Until is { } until) where.Add("timestamp < {0}", until.ToUniversalTime());
            await using var cmd = where.Command(db, $"""
                SELECT seq_id, id, stream_id, version, type, timestamp, user_name, correlation_id, causation_id, headers, data
                FROM {schema}.mt_events WHERE {where} ORDER BY seq_id LIMIT {where.LimitParameter}
                """);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                rows.Add(new LogEventRow(r.GetInt64(0), r.GetGuid(1), r.IsDBNull(2) ? "" : r.GetString(2), r.GetInt64(3), r.GetString(4),
                    r.GetFieldValue<DateTimeOffset>(5), Str(r, 6), Str(r, 7), Str(r, 8),
                    r.IsDBNull(9) ? null : JsonDocument.Parse(r.GetString(9)).RootElement.Clone(), JsonDocument.Parse(r.GetString(10)).RootElement.Clone()));
        }
        var end = await LogPositionAsync(ct);
        return Page(rows, range, x => x.Seq, end, end);
    }

    /// <summary>
    /// The position ranges (after, up to; null: the log's end) that may hold events of the range's time span: the log's
    /// clock (<c>cib.ha_log_clock</c>, folded with the stored history) says which buckets of positions hold only events
    /// before <c>since</c> (skipped) or only events at or after <c>until</c> (skipped); past the history's position
    /// nothing is known, so that tail is always read. Exact whatever the appenders' clocks: only the timestamps decide.
    /// </summary>
    private async Task<IReadOnlyList<(long After, long? UpTo)>> PositionsAsync(HistoryRange range, CancellationToken ct)
    {
        if (range.Since is null && range.Until is null) return [(range.After, null)];
        await using var cmd = db.CreateCommand($"""
            SELECT (SELECT min(bucket) FROM {schema}.ha_log_clock WHERE max_ts >= $1),
                   (SELECT max(bucket) FROM {schema}.ha_log_clock WHERE min_ts < $2)
            """);
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = (range.Since ?? DateTimeOffset.MinValue).ToUniversalTime() });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = (range.Until ?? DateTimeOffset.MaxValue).ToUniversalTime() });
        long? first = null, last = null;
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            if (await r.ReadAsync(ct))
                (first, last) = (r.IsDBNull(0) ? null : r.GetInt64(0), r.IsDBNull(1) ? null : r.GetInt64(1));
        var position = await new StoredHistory(db, schema).PositionAsync(ct);
        var size = StoredHistory.LogClockBucketSize;
        var lower = range.Since is null ? 0 : first is { } f ? Math.Min(f * size, position) : position;
        var upper = range.Until is null ? position : last is { } l ? Math.Min((l + 1) * size, position) : 0;
        var start = Math.Max(range.After, lower);
        if (upper >= position) return [(start, null)];
        return start < upper ? [(start, upper), (Math.Max(start, position), null)] : [(Math.Max(start, position), null)];
    }

    /// <summary>
    /// The fencing history; <paramref name="current"/>: with the log after the stored history's position folded on (the
    /// last page gets the rows that tail adds, and every page the rows it updates), <c>asOf</c> then the log's end.
    /// </summary>
    public Task<HistoryPage<FencingHistoryRow>> FencingAsync(string? target, HistoryRange range, bool current, CancellationToken ct = default) =>
        WithTailAsync(current, range, () => FencingAsync(target, range, ct), x => x.Seq, (a, b) => a.RequestId == b.RequestId,
            fold => fold.Fencing.Values.Where(f => (target is not { Length: > 0 } || f.Target == target) && InRange(f.RequestedAt, range)), ct);

    public Task<HistoryPage<OperationHistoryRow>> OperationsAsync(string? resource, string? node, HistoryRange range, bool current, CancellationToken ct = default) =>
        WithTailAsync(current, range, () => OperationsAsync(resource, node, range, ct), x => x.Seq, (a, b) => a.Seq == b.Seq,
            fold => fold.Operations.Where(o => (resource is not { Length: > 0 } || o.Resource == resource)
                                               && (node is not { Length: > 0 } || o.Node is null || o.Node == node) && InRange(o.At, range)), ct);

    public Task<HistoryPage<ConfigurationChangeRow>> ChangesAsync(string? actor, HistoryRange range, bool current, CancellationToken ct = default) =>
        WithTailAsync(current, range, () => ChangesAsync(actor, range, ct), x => x.Seq, (a, b) => a.ChangeId == b.ChangeId,
            fold => fold.Changes.Values.Where(c => (actor is not { Length: > 0 } || c.Actor == ActorText(actor)) && InRange(c.At, range)), ct);

    /// <summary>The failover incidents (decision 0012), filtered by an affected resource (or the resource the trigger names) and the trigger's time.</summary>
    public Task<HistoryPage<IncidentRow>> IncidentsAsync(string? resource, HistoryRange range, bool current, CancellationToken ct = default) =>
        WithTailAsync(current, range, () => IncidentsAsync(resource, range, ct), x => x.Seq, (a, b) => a.IncidentId == b.IncidentId,
            fold => fold.Incidents.Values.Where(i => (resource is not { Length: > 0 } || i.Resources.Contains(resource) || i.Subject == resource)
                                                     && InRange(i.DetectedAt, range)), ct);

    public async Task<HistoryPage<IncidentRow>> IncidentsAsync(string? resource, HistoryRange range, CancellationToken ct = default)
    {
        var where = new Where(range);
        where.Add("seq > {0}", range.After);
        if (resource is { Length: > 0 }) where.Add("(resources @> ARRAY[{0}] OR subject = {0})", resource);
        if (range.Since is { } since) where.Add("detected_at >= {0}", since.ToUniversalTime());
        if (range.Until is { } until) where.Add("detected_at < {0}", until.ToUniversalTime());
        await using var cmd = where.Command(db, $"SELECT {IncidentColumns} FROM {schema}.ha_failover_incidents WHERE {where} ORDER BY seq LIMIT {where.LimitParameter}");
        var rows = await ReadIncidentsAsync(cmd, ct);
        return Page(rows, range, x => x.Seq, await new StoredHistory(db, schema).PositionAsync(ct), await LogPositionAsync(ct));
    }

    private static bool InRange(DateTimeOffset at, HistoryRange range) => (range.Since is not { } s || at >= s) && (range.Until is not { } u || at < u);

    /// <summary>
    /// A page of stored rows, and with <paramref name="current"/> the tail folded on: rows it updates replace theirs on the
    /// page; rows it adds (after the stored position) come after the stored ones, on the last page. Read again when the
    /// stored history moved between the page and the tail.
    /// </summary>
    private async Task<HistoryPage<T>> WithTailAsync<T>(bool current, HistoryRange range, Func<Task<HistoryPage<T>>> stored, Func<T, long> seq,
        Func<T, T, bool> same, Func<HistoryProjection.Batch, IEnumerable<T>> tailRows, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var page = await stored();
            if (!current) return page;
            if (await new StoredHistory(db, schema).TailAsync(ct: ct) is not { } tail) return page;
            if (tail.StoredPosition != page.AsOf && attempt < 3) continue;
            var rows = page.Items.ToList();
            foreach (var row in tailRows(tail.Fold))
            {
                var i = rows.FindIndex(r => same(r, row));
                if (i >= 0) rows[i] = row;
                else if (page.Next is null && seq(row) > tail.StoredPosition && seq(row) > range.After) rows.Add(row);
            }
            rows.Sort((a, b) => seq(a).CompareTo(seq(b)));
            return Page(rows, range, seq, tail.Fold.Position, Math.Max(page.LogPosition, tail.Fold.Position));
        }
    }

    public async Task<HistoryPage<FencingHistoryRow>> FencingAsync(string? target, HistoryRange range, CancellationToken ct = default)
    {
        var where = new Where(range);
        where.Add("seq > {0}", range.After);
        if (target is { Length: > 0 }) where.Add("target = {0}", target);
        if (range.Since is { } since) where.Add("requested_at >= {0}", since.ToUniversalTime());
        if (range.Until is { } until) where.Add("requested_at < {0}", until.ToUniversalTime());
        await using var cmd = where.Command(db, $"SELECT {FencingColumns} FROM {schema}.ha_fencing_history WHERE {where} ORDER BY seq LIMIT {where.LimitParameter}");
        var rows = await ReadFencingAsync(cmd, ct);
        return Page(rows, range, x => x.Seq, await new StoredHistory(db, schema).PositionAsync(ct), await LogPositionAsync(ct));
    }

    public async Task<HistoryPage<OperationHistoryRow>> OperationsAsync(string? resource, string? node, HistoryRange range, CancellationToken ct = default)
    {
        var where = new Where(range);
        where.Add("seq > {0}", range.After);
        if (resource is { Length: > 0 }) where.Add("resource = {0}", resource);
        // A clean-up on every node (node null) belongs to each node's history.
        if (node is { Length: > 0 }) where.Add("(node = {0} OR node IS NULL)", node);
        if (range.Since is { } since) where.Add("at >= {0}", since.ToUniversalTime());
        if (range.Until is { } until) where.Add("at < {0}", until.ToUniversalTime());
        await using var cmd = where.Command(db, $"""
            SELECT seq, at, resource, node, kind, operation, interval_ms, rc, rc_text, status, exit_reason, duration_ms, fail_count, actor,
                transition_id, correlation_id
            FROM {schema}.ha_operation_history WHERE {where} ORDER BY seq LIMIT {where.LimitParameter}
            """);
        var rows = new List<OperationHistoryRow>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                rows.Add(new OperationHistoryRow(r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), Str(r, 3), r.GetString(4), Str(r, 5),
                    r.IsDBNull(6) ? null : r.GetInt64(6), r.IsDBNull(7) ? null : r.GetInt32(7), Str(r, 8), Str(r, 9), Str(r, 10),
                    r.IsDBNull(11) ? null : r.GetInt64(11), r.GetInt32(12), Str(r, 13), Str(r, 14), Str(r, 15)));
        return Page(rows, range, x => x.Seq, await new StoredHistory(db, schema).PositionAsync(ct), await LogPositionAsync(ct));
    }

    public async Task<HistoryPage<ConfigurationChangeRow>> ChangesAsync(string? actor, HistoryRange range, CancellationToken ct = default)
    {
        var where = new Where(range);
        where.Add("seq > {0}", range.After);
        if (actor is { Length: > 0 }) where.Add("actor = {0}", ActorText(actor));
        if (range.Since is { } since) where.Add("at >= {0}", since.ToUniversalTime());
        if (range.Until is { } until) where.Add("at < {0}", until.ToUniversalTime());
        await using var cmd = where.Command(db, $"SELECT {ChangeColumns} FROM {schema}.ha_configuration_changes WHERE {where} ORDER BY seq LIMIT {where.LimitParameter}");
        var rows = await ReadChangesAsync(cmd, ct);
        return Page(rows, range, x => x.Seq, await new StoredHistory(db, schema).PositionAsync(ct), await LogPositionAsync(ct));
    }

    /// <summary>The log's end: the highest position appended (0 for an empty log).</summary>
    public async Task<long> LogPositionAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT coalesce(max(seq_id), 0) FROM {schema}.mt_events");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>An actor as stored (<c>user:alice</c>); a bare name is a user's.</summary>
    public static string ActorText(string actor) => actor.Contains(':') ? actor : $"user:{actor}";

    /// <summary>A stored type name (<c>cib.node_fenced.v1</c>) as it is; an event's name (<c>NodeFenced</c>) as its stored name.</summary>
    public static string StoredType(string type) =>
        EventCatalog.All.FirstOrDefault(x => string.Equals(x.Type.Name, type, StringComparison.OrdinalIgnoreCase)) is { } known ? known.Name : type;

    private static string Like(string prefix) => prefix.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");

    private static HistoryPage<T> Page<T>(List<T> rows, HistoryRange range, Func<T, long> seq, long asOf, long end)
    {
        // One row more than asked says whether there is a next page.
        var more = rows.Count > range.Limit;
        if (more) rows.RemoveRange(range.Limit, rows.Count - range.Limit);
        return new HistoryPage<T>(rows, more ? seq(rows[^1]) : null, asOf, end);
    }

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private const string FencingColumns = "request_id, seq, last_seq, requested_at, completed_at, target, action, device, executor, origin, result, reason, "
                                          + "error, attempt, duration_ms, transition_id, correlation_id";

    private const string IncidentColumns = "incident_id, seq, last_seq, trigger, subject, node, actor, reason, detected_at, detection_ms, resources, "
                                           + "transitions, fence_request_id, fence_target, fence_device, fence_executor, fence_result, fence_duration_ms, "
                                           + "recovery, status, closed_at, time_to_recovery_ms";

    private static async Task<List<IncidentRow>> ReadIncidentsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<IncidentRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) rows.Add(IncidentOf(r));
        return rows;
    }

    private static IncidentRow IncidentOf(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetString(4), Str(r, 5), r.GetString(6), Str(r, 7),
            r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetInt64(9), r.GetFieldValue<string[]>(10), r.GetFieldValue<string[]>(11),
            Str(r, 12), Str(r, 13), Str(r, 14), Str(r, 15), Str(r, 16), r.IsDBNull(17) ? null : r.GetInt64(17),
            JsonSerializer.Deserialize<List<RecoveryAction>>(r.GetString(18), CibEventLog.Json) ?? [], r.GetString(19),
            r.IsDBNull(20) ? null : r.GetFieldValue<DateTimeOffset>(20), r.IsDBNull(21) ? null : r.GetInt64(21));

    private const string ChangeColumns = "change_id, seq, last_seq, from_version, to_version, actor, at, reason, correlation_id, commands, diff";

    private static async Task<List<FencingHistoryRow>> ReadFencingAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<FencingHistoryRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) rows.Add(FencingOf(r));
        return rows;
    }

    private static FencingHistoryRow FencingOf(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetFieldValue<DateTimeOffset>(3),
            r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4), r.GetString(5), Str(r, 6), Str(r, 7), Str(r, 8), r.GetString(9),
            r.GetString(10), Str(r, 11), Str(r, 12), r.GetInt32(13), r.IsDBNull(14) ? null : r.GetInt64(14), Str(r, 15), Str(r, 16));

    private static async Task<List<ConfigurationChangeRow>> ReadChangesAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<ConfigurationChangeRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) rows.Add(ChangeOf(r));
        return rows;
    }

    private static ConfigurationChangeRow ChangeOf(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetString(5),
            r.GetFieldValue<DateTimeOffset>(6), Str(r, 7), Str(r, 8), r.GetFieldValue<string[]>(9), r.GetFieldValue<string[]>(10));

    /// <summary>
    /// The stored rows a batch of the fold may update (<see cref="HistoryProjection.Touches"/>): fence requests, configuration
    /// changes and open incidents of these ids, in one round trip (none when no id is asked for).
    /// </summary>
    internal static async Task<(List<FencingHistoryRow> Fencing, List<ConfigurationChangeRow> Changes, List<IncidentRow> Incidents)> TouchedAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, string schema, IReadOnlyList<string> fencing, IReadOnlyList<string> changes,
        IReadOnlyList<string> incidents, CancellationToken ct)
    {
        var result = (Fencing: new List<FencingHistoryRow>(), Changes: new List<ConfigurationChangeRow>(), Incidents: new List<IncidentRow>());
        var reads = new List<Action<NpgsqlDataReader>>();
        await using var batch = new NpgsqlBatch(conn, tx);
        void Add(string sql, IReadOnlyList<string> ids, Action<NpgsqlDataReader> read)
        {
            if (ids.Count == 0) return;
            var c = new NpgsqlBatchCommand(sql);
            c.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ids] });
            batch.BatchCommands.Add(c);
            reads.Add(read);
        }
        Add($"SELECT {FencingColumns} FROM {schema}.ha_fencing_history WHERE request_id = ANY($1)", fencing, r => result.Fencing.Add(FencingOf(r)));
        Add($"SELECT {ChangeColumns} FROM {schema}.ha_configuration_changes WHERE change_id = ANY($1)", changes, r => result.Changes.Add(ChangeOf(r)));
        Add($"SELECT {IncidentColumns} FROM {schema}.ha_failover_incidents WHERE incident_id = ANY($1)", incidents, r => result.Incidents.Add(IncidentOf(r)));
        if (reads.Count == 0) return result;
        await using var reader = await batch.ExecuteReaderAsync(ct);
        foreach (var read in reads)
        {
            while (await reader.ReadAsync(ct)) read(reader);
            await reader.NextResultAsync(ct);
        }
        return result;
    }

    /// <summary>A WHERE clause built from conditions with one positional parameter each, and the limit (one more than asked).</summary>
    private sealed class Where(HistoryRange range)
    {
        private readonly List<string> _conditions = [];
        private readonly List<NpgsqlParameter> _parameters = [];

        public void Add(string condition) => _conditions.Add(condition);

        public void Add<T>(string condition, T value)
        {
            _parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
            _conditions.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, condition, $"${_parameters.Count}"));
        }

        public string LimitParameter => $"${_parameters.Count + 1}";

        public override string ToString() => _conditions.Count == 0 ? "TRUE" : string.Join(" AND ", _conditions);

        public NpgsqlCommand Command(NpgsqlDataSource db, string sql)
        {
            var cmd = db.CreateCommand(sql);
            foreach (var p in _parameters) cmd.Parameters.Add(p);
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = range.Limit + 1 });
            return cmd;
        }
    }
}

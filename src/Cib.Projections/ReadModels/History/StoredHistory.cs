using System.Text.Json;
using Cib.Domain.Configuration;
using Cib.Projections.Store;
using Npgsql;
using NpgsqlTypes;

namespace Cib.Projections.ReadModels.History;

/// <summary>
/// The stored history (migration 0007, decision 0011): the fencing history, the operation history and the configuration
/// changes as plain tables, folded from the log by <see cref="HistoryProjection"/>, with the position they are current as
/// of and the fold's state in <c>cib.ha_read_models</c> (row <see cref="Name"/>). Written by the active controller behind
/// its stored status: it folds the log up to the position of the status it stored, a prefix of the log with no holes left
/// (the controller's feed waited for them). Each batch of events is one transaction (rows, state and position together,
/// the state row locked), so two writers never fold the same events and a crash loses nothing but the batch.
/// A stored history of another <see cref="HistoryState.CurrentVersion"/> is dropped and folded again from 0.
/// The same batches write the replay snapshots (<see cref="ReplaySnapshots"/>, decision 0013): the status as of every
/// multiple of <paramref name="replaySnapshotInterval"/> positions.
/// The log is read from <paramref name="logSchema"/> (by default the history's own <paramref name="schema"/>): the read
/// models check (<see cref="ReadModelCheck"/>) folds the store's log into a scratch schema's copy of the tables.
/// </summary>
public sealed class StoredHistory(NpgsqlDataSource db, string schema = CibStore.DefaultSchema, long replaySnapshotInterval = ReplaySnapshots.DefaultInterval,
    string? logSchema = null)
{
    public const string Name = "history";
    private readonly string _logSchema = logSchema ?? schema;
    private readonly CibEventLog _log = new(db, logSchema ?? schema);
    private readonly ReplaySnapshotWriter _replay = new(db, schema,
        replaySnapshotInterval > 0 ? replaySnapshotInterval : throw new ArgumentOutOfRangeException(nameof(replaySnapshotInterval)), logSchema ?? schema);

    /// <summary>Positions per bucket of the log's clock (<c>cib.ha_log_clock</c>): bucket b holds positions 4096*b+1 to 4096*(b+1).</summary>
    public const long LogClockBucketSize = 4096;

    public static long LogClockBucket(long sequence) => (sequence - 1) / LogClockBucketSize;

    /// <summary>The tables, for grants and rebuilds.</summary>
    public static readonly string[] Tables = ["ha_fencing_history", "ha_operation_history", "ha_configuration_changes", "ha_log_clock", "ha_failover_incidents", ReplaySnapshots.Table];

    /// <summary>
    /// Folds the log after the stored position up to <paramref name="upTo"/> (a position every event before which is
    /// committed: the stored status's), in batches of <paramref name="batchSize"/> events. Returns the position now stored.
    /// </summary>
    public async Task<long> CatchUpAsync(long upTo, int batchSize = 5_000, CancellationToken ct = default)
    {
        while (true)
        {
            var (position, more) = await CatchUpBatchAsync(upTo, batchSize, ct);
            if (!more) return position;
        }
    }

    /// <summary>Drops the stored history and folds the log again from sequence 0 up to <paramref name="upTo"/>.</summary>
    public async Task<long> RebuildAsync(long upTo, int batchSize = 5_000, CancellationToken ct = default)
    {
        await using (var batch = db.CreateBatch())
        {
            foreach (var t in Tables) batch.BatchCommands.Add(new NpgsqlBatchCommand($"DELETE FROM {schema}.{t}"));
            var reset = new NpgsqlBatchCommand($"UPDATE {schema}.ha_read_models SET position = 0, data = $1 WHERE name = '{Name}'");
            reset.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Jsonb, TypedValue = Json(HistoryState.Empty) });
            batch.BatchCommands.Add(reset);
            await batch.ExecuteNonQueryAsync(ct);
        }
        return await CatchUpAsync(upTo, batchSize, ct);
    }

    /// <summary>The position the stored history is current as of (0 when none is stored).</summary>
    public async Task<long> PositionAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT position, data FROM {schema}.ha_read_models WHERE name = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Name });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return 0;
        return ReadState(r.GetString(1)) is null ? 0 : r.GetInt64(0);
    }

    /// <summary>Where the writer's batches spent their time, cumulative (<c>./ha bench store</c> prints it).</summary>
    public FoldTimings Timings { get; } = new();

    private async Task<(long Position, bool More)> CatchUpBatchAsync(long upTo, int batchSize, CancellationToken ct)
    {
        var lap = Timings.Start();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // One round trip: the state row (made when missing, then locked: two writers take turns) and the events after its
        // position. The commit does not wait for its WAL to be flushed: the history is a function of the log's prefix, so a
        // batch a crash of the store loses (with its position, atomically) is folded again from the log (decision 0016).
        long stored;
        HistoryState? state;
        List<HistoryEvent> events;
        await using (var begin = new NpgsqlBatch(conn, tx))
        {
            begin.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"));
            var ensure = new NpgsqlBatchCommand(
                $"INSERT INTO {schema}.ha_read_models (name, position, data) VALUES ($1, 0, $2) ON CONFLICT (name) DO NOTHING");
            ensure.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Name });
            ensure.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Jsonb, TypedValue = Json(HistoryState.Empty) });
            begin.BatchCommands.Add(ensure);
            var read = new NpgsqlBatchCommand($"SELECT position, data FROM {schema}.ha_read_models WHERE name = $1 FOR UPDATE");
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Name });
            begin.BatchCommands.Add(read);
            // After the lock: this statement's snapshot sees the position the locked row holds.
            var after = new NpgsqlBatchCommand(EventsSql($"(SELECT position FROM {schema}.ha_read_models WHERE name = $1)"));
            after.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Name });
            after.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
            after.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
            begin.BatchCommands.Add(after);
            await using var r = await begin.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct)) throw new InvalidOperationException($"the state row '{Name}' of {schema}.ha_read_models is missing");
            (stored, state) = (r.GetInt64(0), ReadState(r.GetString(1)));
            await r.NextResultAsync(ct);
            events = await ReadEventsAsync(r, ct);
        }
        if (state is null || state.Position == 0)
        {
            // Another shape, or a fold from 0 (a new store, a reset state row): the tables start empty.
            await using var delete = new NpgsqlBatch(conn, tx);
            foreach (var t in Tables) delete.BatchCommands.Add(new NpgsqlBatchCommand($"DELETE FROM {schema}.{t}"));
            await delete.ExecuteNonQueryAsync(ct);
            state = HistoryState.Empty;
        }
        // The events were read after the row's position: from another one (a state of another shape starts from 0), again.
        if (stored != state.Position) events = await ReadEventsAsync(conn, tx, state.Position, upTo, batchSize, ct);
        if (state.Position >= upTo)
        {
            await tx.CommitAsync(ct);
            return (state.Position, false);
        }
        lap.Lap(FoldTimings.Phase.Begin);

        var fold = await FoldAsync(conn, tx, state, events, writer: true, ct);
        lap.Lap(FoldTimings.Phase.Fold);
        // Events stop short of upTo when the batch is full; else (archived events, holes) the fold is current as of upTo.
        var position = events.Count < batchSize ? upTo : fold.Position;
        var next = fold.State with { Position = position };

        // One round trip for everything the batch writes: rows, replay snapshots, the log's clock, the state.
        await using var write = new NpgsqlBatch(conn, tx);
        AddRows(write, fold);
        await _replay.FoldAsync(conn, tx, state.Position, position, events, fold.StartConfiguration, write, ct);
        lap.Lap(FoldTimings.Phase.Snapshots);
        // The log's clock: each bucket of positions folded now widened to its events' timestamps.
        foreach (var bucket in events.GroupBy(e => LogClockBucket(e.Sequence)))
        {
            var clock = new NpgsqlBatchCommand($"""
                INSERT INTO {schema}.ha_log_clock (bucket, min_ts, max_ts) VALUES ($1, $2, $3)
                ON CONFLICT (bucket) DO UPDATE SET min_ts = least(ha_log_clock.min_ts, excluded.min_ts), max_ts = greatest(ha_log_clock.max_ts, excluded.max_ts)
                """);
            clock.Parameters.Add(P(bucket.Key));
            clock.Parameters.Add(P(bucket.Min(e => e.Timestamp)));
            clock.Parameters.Add(P(bucket.Max(e => e.Timestamp)));
            write.BatchCommands.Add(clock);
        }
        var update = new NpgsqlBatchCommand($"UPDATE {schema}.ha_read_models SET position = $2, data = $3, written_at = clock_timestamp() WHERE name = $1");
        update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Name });
        update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        update.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Jsonb, TypedValue = Json(next) });
        write.BatchCommands.Add(update);
        await write.ExecuteNonQueryAsync(ct);
        lap.Lap(FoldTimings.Phase.Write);
        await tx.CommitAsync(ct);
        lap.Lap(FoldTimings.Phase.Commit);
        Timings.Add(events.Count);
        _configuration = (position, fold.Configuration);
        return (position, position < upTo);
    }

    /// <summary>
    /// The configuration as of the stored history's position, kept between batches (the configuration stream is read
    /// once per writer, not once per batch: at 10M events it holds some hundred thousand events).
    /// </summary>
    private (long Position, ClusterConfiguration Configuration)? _configuration;

    /// <summary>
    /// The stored state and the rows it may update, folded on with <paramref name="events"/>. The configuration at the
    /// start: always for the writer (it keeps it, and hands it to the replay snapshots); for a reader's tail only when the
    /// tail changes it.
    /// </summary>
    private async Task<HistoryProjection.Batch> FoldAsync(NpgsqlConnection conn, NpgsqlTransaction tx, HistoryState state,
        IReadOnlyList<HistoryEvent> events, bool writer, CancellationToken ct)
    {
        var configuration = ClusterConfiguration.Empty;
        if (state.Position > 0 && _configuration is { } known && known.Position == state.Position) configuration = known.Configuration;
        else if (state.Position > 0 && (writer || events.Any(e => e.StreamId == StreamIds.Configuration)))
            (configuration, _) = await ConfigurationReader.LoadAsync(_log, ct, atPosition: state.Position);
        var (fencingKeys, changeKeys, incidentKeys) = HistoryProjection.Touches(state, events);
        var (fencing, changes, incidents) = await HistoryQueries.TouchedAsync(conn, tx, schema, fencingKeys, changeKeys, incidentKeys, ct);
        var fold = new HistoryProjection.Batch(state, configuration, fencing, changes, incidents);
        foreach (var e in events) fold.Apply(e);
        return fold;
    }

    /// <summary>
    /// The log after the stored history's position (at most <paramref name="max"/> events; the active controller keeps
    /// it to about a second), folded onto the stored state in memory and written nowhere: the rows it adds or updates,
    /// and the stored position it starts from. Null when there is no stored history or nothing after it.
    /// </summary>
    public async Task<(HistoryProjection.Batch Fold, long StoredPosition)?> TailAsync(int max = 10_000, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // One snapshot: the state, the rows it names and the events after it agree.
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        HistoryState? state;
        await using (var read = new NpgsqlCommand($"SELECT data FROM {schema}.ha_read_models WHERE name = $1", conn, tx))
        {
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Name });
            state = await read.ExecuteScalarAsync(ct) is string json ? ReadState(json) : null;
        }
        // None stored yet (no controller has written it, or of another shape): the tail is the log from its start.
        state ??= HistoryState.Empty;
        var events = await ReadEventsAsync(conn, tx, state.Position, long.MaxValue, max, ct);
        if (events.Count == 0) return null;
        var fold = await FoldAsync(conn, tx, state, events, writer: false, ct);
        await tx.CommitAsync(ct);
        return (fold, state.Position);
    }

    private static string Json(HistoryState state) => JsonSerializer.Serialize(state, CibEventLog.Json);

    private static HistoryState? ReadState(string json)
    {
        var state = JsonSerializer.Deserialize<HistoryState>(json, CibEventLog.Json);
        return state?.Version == HistoryState.CurrentVersion ? state : null;
    }

    private string EventsSql(string after) => $"""
        SELECT seq_id, stream_id, version, data, type, timestamp, correlation_id, causation_id, user_name, headers, id
        FROM {_logSchema}.mt_events WHERE seq_id > {after} AND seq_id <= $2 AND is_archived = FALSE ORDER BY seq_id LIMIT $3
        """;

    private async Task<List<HistoryEvent>> ReadEventsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long after, long upTo, int limit,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(EventsSql("$1"), conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await ReadEventsAsync(r, ct);
    }

    private static async Task<List<HistoryEvent>> ReadEventsAsync(NpgsqlDataReader r, CancellationToken ct)
    {
        var events = new List<HistoryEvent>();
        while (await r.ReadAsync(ct))
        {
            var type = r.GetString(4);
            var data = EventUpcasts.Read(type, r.GetString(3), CibEventLog.Json)
                       ?? throw new InvalidOperationException($"unknown event type '{type}' at sequence {r.GetInt64(0)}");
            events.Add(new HistoryEvent(r.GetInt64(0), r.IsDBNull(1) ? "" : r.GetString(1), r.GetInt64(2), data, type, r.GetFieldValue<DateTimeOffset>(5),
                r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8),
                r.IsDBNull(9) ? new Dictionary<string, JsonElement>() : Headers(r.GetString(9))) { Id = r.GetGuid(10) });
        }
        return events;
    }

    /// <summary>
    /// An event's headers (a JSON object) by name. One document for all of them, left to the collector rather than
    /// disposed: the values live as long as the event (deserialized as a dictionary, each value a document of its own,
    /// they took three to four times as long on the benchmark's log).
    /// </summary>
    public static IReadOnlyDictionary<string, JsonElement> Headers(string json)
    {
        var headers = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var root = JsonDocument.Parse(json).RootElement;
        if (root.ValueKind != JsonValueKind.Object) return headers;
        foreach (var p in root.EnumerateObject()) headers[p.Name] = p.Value;
        return headers;
    }

    /// <summary>The rows the fold made or changed, as commands of <paramref name="batch"/>.</summary>
    private void AddRows(NpgsqlBatch batch, HistoryProjection.Batch fold)
    {
        foreach (var f in fold.Fencing.Values)
        {
            var c = new NpgsqlBatchCommand($"""
                INSERT INTO {schema}.ha_fencing_history (request_id, seq, last_seq, requested_at, completed_at, target, action, device, executor, origin,
                    result, reason, error, attempt, duration_ms, transition_id, correlation_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                ON CONFLICT (request_id) DO UPDATE SET seq = excluded.seq, last_seq = excluded.last_seq, requested_at = excluded.requested_at,
                    completed_at = excluded.completed_at, target = excluded.target, action = excluded.action, device = excluded.device,
                    executor = excluded.executor, origin = excluded.origin, result = excluded.result, reason = excluded.reason, error = excluded.error,
                    attempt = excluded.attempt, duration_ms = excluded.duration_ms, transition_id = excluded.transition_id,
                    correlation_id = excluded.correlation_id
                """);
            c.Parameters.Add(P(f.RequestId)); c.Parameters.Add(P(f.Seq)); c.Parameters.Add(P(f.LastSeq)); c.Parameters.Add(P(f.RequestedAt));
            c.Parameters.Add(P(f.CompletedAt)); c.Parameters.Add(P(f.Target)); c.Parameters.Add(P(f.Action)); c.Parameters.Add(P(f.Device));
            c.Parameters.Add(P(f.Executor)); c.Parameters.Add(P(f.Origin)); c.Parameters.Add(P(f.Result)); c.Parameters.Add(P(f.Reason));
            c.Parameters.Add(P(f.Error)); c.Parameters.Add(P(f.Attempt)); c.Parameters.Add(P(f.DurationMs)); c.Parameters.Add(P(f.TransitionId));
            c.Parameters.Add(P(f.CorrelationId));
            batch.BatchCommands.Add(c);
        }
        foreach (var ch in fold.Changes.Values)
        {
            var c = new NpgsqlBatchCommand($"""
                INSERT INTO {schema}.ha_configuration_changes (change_id, seq, last_seq, from_version, to_version, actor, at, reason, correlation_id, commands, diff)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                ON CONFLICT (change_id) DO UPDATE SET last_seq = excluded.last_seq, to_version = excluded.to_version, diff = excluded.diff
                """);
            c.Parameters.Add(P(ch.ChangeId)); c.Parameters.Add(P(ch.Seq)); c.Parameters.Add(P(ch.LastSeq)); c.Parameters.Add(P(ch.FromVersion));
            c.Parameters.Add(P(ch.ToVersion)); c.Parameters.Add(P(ch.Actor)); c.Parameters.Add(P(ch.At)); c.Parameters.Add(P(ch.Reason));
            c.Parameters.Add(P(ch.CorrelationId));
            c.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ch.Commands] });
            c.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ch.Diff] });
            batch.BatchCommands.Add(c);
        }
        foreach (var i in fold.Incidents.Values)
        {
            var c = new NpgsqlBatchCommand($"""
                INSERT INTO {schema}.ha_failover_incidents (incident_id, seq, last_seq, trigger, subject, node, actor, reason, detected_at, detection_ms,
                    resources, transitions, fence_request_id, fence_target, fence_device, fence_executor, fence_result, fence_duration_ms, recovery,
                    status, closed_at, time_to_recovery_ms)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
                ON CONFLICT (incident_id) DO UPDATE SET last_seq = excluded.last_seq, resources = excluded.resources, transitions = excluded.transitions,
                    fence_request_id = excluded.fence_request_id, fence_target = excluded.fence_target, fence_device = excluded.fence_device,
                    fence_executor = excluded.fence_executor, fence_result = excluded.fence_result, fence_duration_ms = excluded.fence_duration_ms,
                    recovery = excluded.recovery, status = excluded.status, closed_at = excluded.closed_at, time_to_recovery_ms = excluded.time_to_recovery_ms
                """);
            c.Parameters.Add(P(i.IncidentId)); c.Parameters.Add(P(i.Seq)); c.Parameters.Add(P(i.LastSeq)); c.Parameters.Add(P(i.Trigger));
            c.Parameters.Add(P(i.Subject)); c.Parameters.Add(P(i.Node)); c.Parameters.Add(P(i.Actor)); c.Parameters.Add(P(i.Reason));
            c.Parameters.Add(P(i.DetectedAt)); c.Parameters.Add(P(i.DetectionMs));
            c.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. i.Resources] });
            c.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. i.Transitions] });
            c.Parameters.Add(P(i.FenceRequestId)); c.Parameters.Add(P(i.FenceTarget)); c.Parameters.Add(P(i.FenceDevice)); c.Parameters.Add(P(i.FenceExecutor));
            c.Parameters.Add(P(i.FenceResult)); c.Parameters.Add(P(i.FenceDurationMs));
            c.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Jsonb, TypedValue = JsonSerializer.Serialize(i.Recovery, CibEventLog.Json) });
            c.Parameters.Add(P(i.Status)); c.Parameters.Add(P(i.ClosedAt)); c.Parameters.Add(P(i.TimeToRecoveryMs));
            batch.BatchCommands.Add(c);
        }
        if (fold.Operations.Count > 0)
        {
            // Operation rows are new rows only (one per event): one statement for all of them, the columns as arrays.
            var ops = fold.Operations;
            var c = new NpgsqlBatchCommand($"""
                INSERT INTO {schema}.ha_operation_history (seq, at, resource, node, kind, operation, interval_ms, rc, rc_text, status, exit_reason, duration_ms,
                    fail_count, actor, transition_id, correlation_id)
                SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::integer[],
                    $9::text[], $10::text[], $11::text[], $12::bigint[], $13::integer[], $14::text[], $15::text[], $16::text[])
                """);
            c.Parameters.Add(Array(ops, o => o.Seq));
            c.Parameters.Add(Array(ops, o => o.At.ToUniversalTime()));
            c.Parameters.Add(Array(ops, o => o.Resource));
            c.Parameters.Add(Array(ops, o => o.Node));
            c.Parameters.Add(Array(ops, o => o.Kind));
            c.Parameters.Add(Array(ops, o => o.Operation));
            c.Parameters.Add(Array(ops, o => o.IntervalMs));
            c.Parameters.Add(Array(ops, o => o.Rc));
            c.Parameters.Add(Array(ops, o => o.RcText));
            c.Parameters.Add(Array(ops, o => o.Status));
            c.Parameters.Add(Array(ops, o => o.ExitReason));
            c.Parameters.Add(Array(ops, o => o.DurationMs));
            c.Parameters.Add(Array(ops, o => o.FailCount));
            c.Parameters.Add(Array(ops, o => o.Actor));
            c.Parameters.Add(Array(ops, o => o.TransitionId));
            c.Parameters.Add(Array(ops, o => o.CorrelationId));
            batch.BatchCommands.Add(c);
        }
    }

    private static NpgsqlParameter<T[]> Array<TRow, T>(List<TRow> rows, Func<TRow, T> column)
    {
        var values = new T[rows.Count];
        for (var i = 0; i < values.Length; i++) values[i] = column(rows[i]);
        return new NpgsqlParameter<T[]> { TypedValue = values };
    }

    private static NpgsqlParameter P<T>(T value) => value switch
    {
        null => new NpgsqlParameter { Value = DBNull.Value },
        // timestamptz takes UTC offsets only.
        DateTimeOffset t => new NpgsqlParameter<DateTimeOffset> { TypedValue = t.ToUniversalTime() },
        _ => new NpgsqlParameter<T> { TypedValue = value },
    };
}

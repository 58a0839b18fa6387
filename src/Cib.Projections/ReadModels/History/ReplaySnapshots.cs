using System.Text.Json;
using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;
using Npgsql;
using NpgsqlTypes;
using StatusModel = Cib.Projections.ReadModels.ClusterStatus.ClusterStatus;

namespace Cib.Projections.ReadModels.History;

/// <summary>
/// A replay snapshot (migration 0009, decision 0013): the status read model as of log position <see cref="Position"/>
/// (every status event at or before it folded, none after), in the stored status's JSON shape, and the configuration
/// as of it as the events that define it from nothing (<see cref="Configuration"/>; null when those did not rebuild it
/// exactly: the reader then folds the configuration stream).
/// </summary>
public sealed record ReplaySnapshot(int Version, long Position, StatusSnapshot.StatusPart Status, IReadOnlyList<ReplaySnapshot.DefiningEvent>? Configuration = null)
{
    /// <summary>The shape's version: a snapshot of another version is not read (the reader folds from an older one, or from 0).</summary>
    public const int CurrentVersion = 2;

    /// <summary>One configuration event, by its stored name, as the log stores it.</summary>
    public sealed record DefiningEvent(string Type, JsonElement Data);

    public static ReplaySnapshot Capture(long position, StatusModel status, ClusterConfiguration configuration) =>
        new(CurrentVersion, position, StatusSnapshot.CaptureStatus(status), DefiningEvents(configuration));

    public StatusModel Restore() => StatusSnapshot.RestoreStatus(Status);

    /// <summary>The configuration as of the snapshot, or null when the snapshot does not hold it.</summary>
    public ClusterConfiguration? RestoreConfiguration() => Configuration is null ? null
        : ConfigurationDecider.Fold(Configuration.Select(d => EventUpcasts.Read(d.Type, d.Data.GetRawText(), CibEventLog.Json) as IConfigurationEvent
            ?? throw new InvalidOperationException($"'{d.Type}' in a replay snapshot is not a configuration event")));

    /// <summary>
    /// The configuration events that build <paramref name="configuration"/> from nothing: the difference from the empty
    /// configuration, decided as one change (pure; a fixed time, so that a snapshot is a function of the log alone), kept
    /// only when folding them gives the configuration back exactly.
    /// </summary>
    private static IReadOnlyList<DefiningEvent>? DefiningEvents(ClusterConfiguration configuration)
    {
        var decided = ConfigurationDecider.Decide(new ChangeConfiguration(0, ConfigurationDiff.Between(ClusterConfiguration.Empty, configuration),
            DateTimeOffset.UnixEpoch, Cib.Domain.Primitives.Actor.System("replay-snapshot")), ClusterConfiguration.Empty);
        if (!decided.IsAccepted || ConfigurationDecider.Fold(decided.Events) != configuration) return null;
        return [.. decided.Events.Select(e => new DefiningEvent(EventCatalog.NameOf(e.GetType()), JsonSerializer.SerializeToElement(e, e.GetType(), CibEventLog.Json)))];
    }
}

/// <summary>
/// The state of the cluster as of a log position: the configuration and the status, and where the fold started (the
/// snapshot's position, 0 when there was none) and how many events it folded after it.
/// </summary>
public sealed record ReplayState(long Position, ClusterConfiguration Configuration, StatusModel Status, long From, long Folded);

/// <summary>
/// Replay of a past state from the replay snapshots (<c>cib.ha_replay_snapshots</c>, decision 0013): the latest
/// snapshot at or before the position, restored, with the log after it folded on, and the configuration as of the
/// position. Without a snapshot it folds the log from 0. The log is read a page at a time, never all at once.
/// The snapshots are written by the stored history's fold (<see cref="StoredHistory"/>, every
/// <see cref="DefaultInterval"/> positions) and are a pure function of the log up to their position, so the state
/// read here equals the fold of the whole log up to the position.
/// </summary>
public sealed class ReplaySnapshots(NpgsqlDataSource db, string schema = CibStore.DefaultSchema)
{
    /// <summary>The table, one of the stored history's (<see cref="StoredHistory.Tables"/>).</summary>
    public const string Table = "ha_replay_snapshots";

    /// <summary>Positions between two snapshots: a snapshot at every multiple of this.</summary>
    public const long DefaultInterval = 10_000;

    private readonly CibEventLog _log = new(db, schema);

    /// <summary>The configuration and status as of <paramref name="position"/>.</summary>
    public async Task<ReplayState> StateAtAsync(long position, CancellationToken ct = default)
    {
        ReplaySnapshot? snapshot;
        await using (var conn = await db.OpenConnectionAsync(ct))
            snapshot = await LatestAsync(conn, null, schema, position, ct);
        var from = snapshot?.Position ?? 0;
        // The configuration from the snapshot (else its stream as of the snapshot), folded on with the log like the status.
        var configuration = snapshot is null ? ClusterConfiguration.Empty
            : snapshot.RestoreConfiguration() ?? (await ConfigurationReader.LoadAsync(_log, ct, atPosition: from)).State;
        var (status, folded) = await FoldAsync(db, schema, snapshot?.Restore() ?? StatusModel.Empty, from, position, ct,
            e => configuration = ConfigurationDecider.Evolve(configuration, e));
        return new ReplayState(position, configuration, status, from, folded);
    }

    /// <summary>
    /// The state as of <paramref name="position"/> from a state already known (<paramref name="known"/>, as of an earlier
    /// position: a report walks its transitions in order), or from a snapshot when there is one after it.
    /// </summary>
    public async Task<ReplayState> StateAtAsync(long position, ReplayState? known, CancellationToken ct = default)
    {
        if (known is null || known.Position > position) return await StateAtAsync(position, ct);
        ReplaySnapshot? snapshot;
        await using (var conn = await db.OpenConnectionAsync(ct))
            snapshot = await LatestAsync(conn, null, schema, position, ct);
        if (snapshot is not null && snapshot.Position > known.Position) return await StateAtAsync(position, ct);
        var configuration = known.Configuration;
        var (status, folded) = await FoldAsync(db, schema, known.Status, known.Position, position, ct,
            e => configuration = ConfigurationDecider.Evolve(configuration, e));
        return new ReplayState(position, configuration, status, known.From, known.Folded + folded);
    }

    /// <summary>The stored snapshots' positions, in order.</summary>
    public async Task<IReadOnlyList<long>> PositionsAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT position FROM {schema}.{Table} ORDER BY position");
        var positions = new List<long>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) positions.Add(r.GetInt64(0));
        return positions;
    }

    /// <summary>The stored snapshots as stored (their JSON text, position order): what tests compare.</summary>
    public async Task<IReadOnlyList<(long Position, string Data)>> AllAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT position, data::text FROM {schema}.{Table} ORDER BY position");
        var all = new List<(long, string)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) all.Add((r.GetInt64(0), r.GetString(1)));
        return all;
    }

    private const int PageSize = 10_000;

    /// <summary>The latest snapshot of the current shape at or before <paramref name="position"/>.</summary>
    internal static async Task<ReplaySnapshot?> LatestAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, long position, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            SELECT data::text FROM {schema}.{Table} WHERE position <= $1 AND (data ->> 'version')::int = $2 ORDER BY position DESC LIMIT 1
            """, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = ReplaySnapshot.CurrentVersion });
        return await cmd.ExecuteScalarAsync(ct) is string json ? JsonSerializer.Deserialize<ReplaySnapshot>(json, CibEventLog.Json) : null;
    }

    /// <summary>The command that stores <paramref name="snapshot"/> (replacing one at its position).</summary>
    internal static NpgsqlBatchCommand Write(string schema, ReplaySnapshot snapshot)
    {
        var cmd = new NpgsqlBatchCommand($"""
            INSERT INTO {schema}.{Table} (position, data) VALUES ($1, $2)
            ON CONFLICT (position) DO UPDATE SET data = excluded.data, written_at = clock_timestamp()
            """);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshot.Position });
        cmd.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Jsonb, TypedValue = JsonSerializer.Serialize(snapshot, CibEventLog.Json) });
        return cmd;
    }

    /// <summary>
    /// The status events of the log in (<paramref name="after"/>, <paramref name="upTo"/>] folded onto
    /// <paramref name="status"/>, read a page at a time: the next page is read from the store while this one's events
    /// are read from their JSON and folded (the two halves of the cost, about equal). Returns the events read.
    /// </summary>
    internal static async Task<(StatusModel Status, long Folded)> FoldAsync(NpgsqlDataSource db, string schema, StatusModel status, long after, long upTo,
        CancellationToken ct, Action<IConfigurationEvent>? configuration = null)
    {
        var folded = 0L;
        var next = after < upTo ? ReadPageAsync(db, schema, after, upTo, ct) : null;
        while (next is not null)
        {
            var page = await next;
            next = page.Count == PageSize && page[^1].Sequence < upTo ? ReadPageAsync(db, schema, page[^1].Sequence, upTo, ct) : null;
            foreach (var (sequence, type, json) in page)
            {
                // Only status events change the status (and configuration events the configuration, when it is asked
                // for): the others (the users') are not read.
                if (EventCatalog.TypeOf(type) is { } known && !typeof(IStatusEvent).IsAssignableFrom(known)
                    && !(configuration is not null && typeof(IConfigurationEvent).IsAssignableFrom(known))) continue;
                var data = EventUpcasts.Read(type, json, CibEventLog.Json)
                           ?? throw new InvalidOperationException($"unknown event type '{type}' at sequence {sequence}");
                if (data is IStatusEvent s) status = status.Apply(s, sequence);
                else if (data is IConfigurationEvent c) configuration?.Invoke(c);
            }
            folded += page.Count;
        }
        return (status, folded);
    }

    private static async Task<List<(long Sequence, string Type, string Json)>> ReadPageAsync(NpgsqlDataSource db, string schema, long after, long upTo,
        CancellationToken ct)
    {
        // Off the caller's thread at once: the caller reads the previous page's JSON meanwhile.
        await Task.Yield();
        await using var cmd = db.CreateCommand(
            $"SELECT seq_id, type, data FROM {schema}.mt_events WHERE seq_id > $1 AND seq_id <= $2 AND is_archived = FALSE ORDER BY seq_id LIMIT $3");
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = PageSize });
        var page = new List<(long, string, string)>(PageSize);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) page.Add((r.GetInt64(0), r.GetString(1), r.GetString(2)));
        return page;
    }
}

/// <summary>
/// The stored history's part that writes the replay snapshots: the status read model (and the configuration the history
/// hands over at the batch's start) folded along with the history's batches, the status kept in memory between them (the active controller folds a batch every second), written as a snapshot at
/// each multiple of the interval a batch reaches. Not current with a batch's start (a new process, another writer
/// folded since), it restores the latest snapshot at or before the start and folds the log up to it (at most the
/// interval's events), in that batch. The log is read from <paramref name="logSchema"/>, the snapshots from and to <paramref name="schema"/>.
/// </summary>
internal sealed class ReplaySnapshotWriter(NpgsqlDataSource db, string schema, long interval, string logSchema)
{
    private StatusModel? _status;
    private long _position = -1;

    /// <summary>
    /// The batch of the history's fold: <paramref name="events"/> are the log's events in (<paramref name="after"/>,
    /// <paramref name="upTo"/>], in order, every one of them (the history folds a prefix without holes). The snapshots due
    /// are added to <paramref name="write"/>, the batch's writes.
    /// </summary>
    public async Task FoldAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long after, long upTo, IReadOnlyList<HistoryEvent> events,
        ClusterConfiguration configuration, NpgsqlBatch write, CancellationToken ct)
    {
        if (upTo <= after) return;
        StatusModel status;
        if (_status is not null && _position == after) status = _status;
        else if (after == 0) status = StatusModel.Empty;
        else
        {
            // Not current (a new writer, another writer folded since): from the latest snapshot, at once, so that the
            // writer is warm before its next snapshot is due (a controller pays this once when it takes the role).
            var snapshot = await ReplaySnapshots.LatestAsync(conn, tx, schema, after, ct);
            (status, _) = await ReplaySnapshots.FoldAsync(db, logSchema, snapshot?.Restore() ?? StatusModel.Empty, snapshot?.Position ?? 0, after, ct);
        }
        var next = (after / interval + 1) * interval;
        foreach (var e in events)
        {
            for (; next < e.Sequence && next <= upTo; next += interval)
                write.BatchCommands.Add(ReplaySnapshots.Write(schema, ReplaySnapshot.Capture(next, status, configuration)));
            if (e.Data is IStatusEvent s) status = status.Apply(s, e.Sequence);
            else if (e.Data is IConfigurationEvent c) configuration = ConfigurationDecider.Evolve(configuration, c);
        }
        for (; next <= upTo; next += interval)
            write.BatchCommands.Add(ReplaySnapshots.Write(schema, ReplaySnapshot.Capture(next, status, configuration)));
        // Kept even if the transaction then fails: the next batch starts where the stored position is, and this one's
        // position no longer matches it (or, matching, is the same prefix of the log folded).
        (_status, _position) = (status, upTo);
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Cib.Domain;
using Cib.Domain.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace Cib.Projections.Store;

/// <summary>One stored event as the node runtime reads it: its place in the log, its stream and its data.</summary>
public sealed record LoggedEvent(long Sequence, string StreamId, long Version, object Data, string EventTypeName, DateTimeOffset Timestamp, Guid Id = default);

/// <summary>
/// Who appends and why: the metadata every appended event carries (correlation, causation, user name, headers), and,
/// when the appender must know it beforehand (to name it as the cause of what follows), the id of the one event appended.
/// </summary>
public sealed record AppendMetadata(string? CorrelationId, string? CausationId, string? UserName, IReadOnlyDictionary<string, object> Headers,
    Guid? EventId = null)
{
    /// <summary>
    /// The one metadata stamper, for every write path (the configuration writer's Marten session, the controller, the node
    /// runtimes): the actor (user name and <c>actor</c> header), the correlation and causation ids, a fresh change id that
    /// groups the events of one append, the reason, the client's request id (idempotent repeats), and any further headers (the controller's step, the commands of a
    /// configuration change).
    /// </summary>
    public static AppendMetadata Stamp(CommandMetadata meta, string? reason = null, IReadOnlyDictionary<string, object>? headers = null, Guid? eventId = null)
    {
        var all = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [CommandMetadata.ActorHeader] = meta.Actor.ToString(),
            [CommandMetadata.ChangeHeader] = Guid.CreateVersion7().ToString(),
        };
        if (reason is not null) all[CommandMetadata.ReasonHeader] = reason;
        if (meta.RequestId is not null) all[CommandMetadata.RequestHeader] = meta.RequestId;
        foreach (var (key, value) in headers ?? new Dictionary<string, object>()) all[key] = value;
        return new AppendMetadata(meta.CorrelationId, meta.CausationId, meta.Actor.ToString(), all, eventId);
    }
}

/// <summary>
/// The CIB event log through plain Npgsql, for the resident node runtime: Marten's tables (<c>mt_events</c>,
/// <c>mt_streams</c>) with the project's append function (<c>ha_append_events</c>, migration 0012: what Marten's
/// <c>mt_quick_append_events</c> does for one stream, set-based for events of many streams in one statement), the
/// event names of <see cref="EventCatalog"/> and the JSON of Marten's System.Text.Json serializer as
/// <see cref="CibStore"/> configures it. Events written here are ordinary Marten events and the other way round
/// (tests compare both ways). It exists because building Marten's DocumentStore costs the node ~25 MB of resident
/// memory (docs/node-runtime.md); everything else (API, CLI, projections) keeps using Marten.
/// </summary>
public sealed class CibEventLog(NpgsqlDataSource db, string schema = CibStore.DefaultSchema)
{
    /// <summary>Marten's tenant of a store without multi-tenancy.</summary>
    public const string DefaultTenant = "*DEFAULT*";

    /// <summary>
    /// The options Marten's SystemTextJsonSerializer uses with <c>EnumStorage.AsString</c>, <c>Casing.CamelCase</c>
    /// and the customisation in <see cref="CibStore.Configure"/>.
    /// </summary>
    public static JsonSerializerOptions Json { get; } = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var o = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, AllowOutOfOrderMetadataProperties = true };
        o.Converters.Add(new JsonStringEnumConverter());
        o.Converters.Add(new ActorJsonConverter());
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

    private const string Columns = "seq_id, stream_id, version, data, type, timestamp, id";

    /// <summary>The sequence number of the newest committed event (0 for an empty log): one index lookup.</summary>
    public async Task<long> HeadAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT coalesce(max(seq_id), 0) FROM {schema}.mt_events");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The position of the last event committed at or before <paramref name="time"/> (0 when none was).</summary>
    public async Task<long> PositionAtAsync(DateTimeOffset time, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT coalesce(max(seq_id), 0) FROM {schema}.mt_events WHERE timestamp <= $1");
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Every event after <paramref name="after"/> up to and including <paramref name="position"/>, in order, read a page at a time.</summary>
    public async IAsyncEnumerable<LoggedEvent> ReadUpToAsync(long position, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default,
        long after = 0)
    {
        while (after < position)
        {
            // No more than the positions left: a short tail reads its events, not a whole page past them.
            var page = await ReadAfterAsync(after, (int)Math.Min(10_000, position - after), ct);
            if (page.Count == 0) yield break;
            foreach (var e in page)
            {
                if (e.Sequence > position) yield break;
                yield return e;
            }
            after = page[^1].Sequence;
        }
    }

    /// <summary>The events after <paramref name="position"/> in sequence order, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<LoggedEvent>> ReadAfterAsync(long position, int limit, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            $"SELECT {Columns} FROM {schema}.mt_events WHERE seq_id > $1 AND is_archived = FALSE ORDER BY seq_id LIMIT $2");
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadAsync(cmd, ct);
    }

    /// <summary>A stream's events in version order (empty when the stream does not exist), those at log positions up to <paramref name="upTo"/>.</summary>
    public async Task<IReadOnlyList<LoggedEvent>> FetchStreamAsync(string stream, CancellationToken ct = default, long upTo = long.MaxValue)
    {
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM {schema}.mt_events WHERE stream_id = $1 AND seq_id <= $2 ORDER BY version");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        return await ReadAsync(cmd, ct);
    }

    /// <summary>The events of <paramref name="stream"/> stamped with the client's request id (a repeat finds what the first request appended).</summary>
    public async Task<IReadOnlyList<LoggedEvent>> FindByRequestAsync(string stream, string requestId, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            $"SELECT {Columns} FROM {schema}.mt_events WHERE stream_id = $1 AND headers ->> '{CommandMetadata.RequestHeader}' = $2 ORDER BY version");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = requestId });
        return await ReadAsync(cmd, ct);
    }

    /// <summary>
    /// Appends to the end of a stream (started when new) in one statement. Two appends to the same stream take turns on
    /// the stream's row: the second waits for the first to commit and goes after it; neither fails.
    /// </summary>
    public Task AppendAsync(string stream, IReadOnlyList<object> events, AppendMetadata meta, CancellationToken ct = default) =>
        AppendAsync(stream, events, meta, controllerTerm: null, ct);

    /// <summary>
    /// Appends as the controller of <paramref name="controllerTerm"/> when it is given: the store checks, in the same
    /// transaction, that the term is still the latest <c>ControllerElected</c>'s (migration 0003) and refuses the append
    /// otherwise (<see cref="ControllerDeposedException"/>): a deposed controller appends nothing.
    /// </summary>
    public async Task AppendAsync(string stream, IReadOnlyList<object> events, AppendMetadata meta, long? controllerTerm, CancellationToken ct = default)
    {
        if (events.Count == 0) return;
        if (meta.EventId is not null && events.Count != 1) throw new ArgumentException("an event id names one event", nameof(meta));
        Guid[] ids = meta.EventId is { } id ? [id] : [.. events.Select(_ => Guid.NewGuid())];
        var headers = JsonSerializer.Serialize(meta.Headers, Json);
        await AppendCheckedAsync(controllerTerm is { } term ? ("ha_require_controller_term", term) : null,
            [.. events.Select((e, i) => (stream, e, meta, ids[i], headers))], ct);
    }

    /// <summary>
    /// Appends a controller's election: the store checks, in the same transaction, that its term is the next one (the
    /// latest recorded term plus one, migration 0015) and refuses it otherwise (<see cref="ControllerDeposedException"/>):
    /// two nodes never take the same term.
    /// </summary>
    public Task AppendElectionAsync(ControllerElected elected, AppendMetadata meta, CancellationToken ct = default) =>
        AppendCheckedAsync(("ha_require_next_controller_term", elected.Term),
            [(StreamIds.Controller, elected, meta, meta.EventId ?? Guid.NewGuid(), JsonSerializer.Serialize(meta.Headers, Json))], ct);

    /// <summary>
    /// The rows appended in one round trip and one implicit transaction, after the controller-term check
    /// <paramref name="termCheck"/> names (a function of migrations 0003 and 0015) when one is given: the check and the
    /// append commit together or not at all.
    /// </summary>
    private async Task AppendCheckedAsync((string Function, long Term)? termCheck,
        IReadOnlyList<(string Stream, object Event, AppendMetadata Meta, Guid Id, string Headers)> rows, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        if (termCheck is { } c)
        {
            var check = new NpgsqlBatchCommand($"SELECT {schema}.{c.Function}($1)");
            check.Parameters.Add(new NpgsqlParameter<long> { TypedValue = c.Term });
            batch.BatchCommands.Add(check);
        }
        batch.BatchCommands.Add(AppendCommand(rows, DateTimeOffset.UtcNow));
        try
        {
            // One round trip, one implicit transaction: the check and the append commit together or not at all.
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == ControllerDeposedException.SqlState)
        {
            throw new ControllerDeposedException(e.MessageText, e);
        }
    }

    /// <summary>
    /// Appends events of any streams, each with its own metadata and event id (<see cref="AppendMetadata.EventId"/>, or a
    /// new one), in the order given, in one round trip and one statement (migration 0012): the log positions follow the
    /// order given. For the node runtimes' outboxes (what a node queued, in one append) and the store benchmark's loader.
    /// </summary>
    public async Task AppendInOrderAsync(IReadOnlyList<(string Stream, object Event, AppendMetadata Meta)> appends, CancellationToken ct = default)
    {
        if (appends.Count == 0) return;
        var headers = new Dictionary<AppendMetadata, string>(ReferenceEqualityComparer.Instance);
        var rows = new List<(string, object, AppendMetadata, Guid, string)>(appends.Count);
        foreach (var (stream, e, meta) in appends)
        {
            if (!headers.TryGetValue(meta, out var json)) headers[meta] = json = JsonSerializer.Serialize(meta.Headers, Json);
            rows.Add((stream, e, meta, meta.EventId ?? Guid.NewGuid(), json));
        }
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(AppendCommand(rows, DateTimeOffset.UtcNow));
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>One call of the set-based append function (migration 0012) for events of any streams, in order, each with its own metadata.</summary>
    private NpgsqlBatchCommand AppendCommand(IReadOnlyList<(string Stream, object Event, AppendMetadata Meta, Guid Id, string Headers)> events, DateTimeOffset now)
    {
        var cmd = new NpgsqlBatchCommand($"SELECT {schema}.ha_append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar, TypedValue = [.. events.Select(e => e.Stream)] });
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. events.Select(e => e.Id)] });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar, TypedValue = [.. events.Select(e => EventCatalog.NameOf(e.Event.GetType()))] });
        cmd.Parameters.Add(new NpgsqlParameter<string[]>
        {
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar,
            TypedValue = [.. events.Select(e => $"{e.Event.GetType().FullName}, {e.Event.GetType().Assembly.GetName().Name}")],
        });
        cmd.Parameters.Add(new NpgsqlParameter<string[]>
        {
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
            TypedValue = [.. events.Select(e => JsonSerializer.Serialize(e.Event, e.Event.GetType(), Json))],
        });
        cmd.Parameters.Add(new NpgsqlParameter<string?[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar, TypedValue = [.. events.Select(e => e.Meta.CausationId)] });
        cmd.Parameters.Add(new NpgsqlParameter<string?[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar, TypedValue = [.. events.Select(e => e.Meta.CorrelationId)] });
        cmd.Parameters.Add(new NpgsqlParameter<string?[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, TypedValue = [.. events.Select(e => (string?)e.Headers)] });
        cmd.Parameters.Add(new NpgsqlParameter<string?[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar, TypedValue = [.. events.Select(e => e.Meta.UserName)] });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        return cmd;
    }

    /// <summary>Which of <paramref name="ids"/> the log holds (an index lookup each: migration 0010).</summary>
    public async Task<IReadOnlySet<Guid>> StoredAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT id FROM {schema}.mt_events WHERE id = ANY($1)");
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. ids] });
        var stored = new HashSet<Guid>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) stored.Add(r.GetGuid(0));
        return stored;
    }

    /// <summary>The unique index on event ids (migration 0010): an event is in the log once.</summary>
    public const string EventIdIndex = "ix_mt_events_id";

    /// <summary>The append carried an event whose id the log already holds: nothing of it was appended.</summary>
    public static bool IsRepeatedEvent(Exception e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: EventIdIndex }
        || e.InnerException is { } inner && IsRepeatedEvent(inner);

    private static async Task<IReadOnlyList<LoggedEvent>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var events = new List<LoggedEvent>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var name = r.GetString(4);
            // A retired name (an older version of an event) is read as the current event through its upcast.
            var data = EventUpcasts.Read(name, r.GetString(3), Json)
                       ?? throw new InvalidOperationException($"unknown event type '{name}' at sequence {r.GetInt64(0)}");
            events.Add(new LoggedEvent(r.GetInt64(0), r.GetString(1), r.GetInt64(2), data, name, r.GetFieldValue<DateTimeOffset>(5), r.GetGuid(6)));
        }
        return events;
    }
}

/// <summary>The store refused an append of a controller whose term is no longer the latest: it was deposed and must step down.</summary>
public sealed class ControllerDeposedException(string message, Exception inner) : Exception(message, inner)
{
    /// <summary>The SQLSTATE <c>cib.ha_require_controller_term</c> raises.</summary>
    public const string SqlState = "HA001";
}

using Npgsql;
using Polly;
using Polly.Retry;

namespace Soak;

/// <summary>
/// The soak's own reads of the log (plain SQL on <c>cib.mt_events</c>, as the store's superuser from the host, through
/// the multi-host string that finds the primary): the controller to crash, the ledger's check, the events around a
/// violation. A read during a store failover is tried again for up to 60 s.
/// </summary>
public sealed class StoreReader(string connection) : IDisposable
{
    private readonly NpgsqlDataSource _db = NpgsqlDataSource.Create(connection + ";Command Timeout=5;Timeout=3");

    private static readonly ResiliencePipeline Retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>().Handle<TimeoutException>(),
            MaxRetryAttempts = 120,
            Delay = TimeSpan.FromMilliseconds(500),
            BackoffType = DelayBackoffType.Constant,
            OnRetry = _ => { NpgsqlConnection.ClearAllPools(); return ValueTask.CompletedTask; },
        })
        .Build();

    /// <summary>The node of the latest controller election.</summary>
    public Task<string?> ControllerAsync() => Retry.ExecuteAsync(async ct =>
    {
        await using var cmd = _db.CreateCommand("SELECT data->>'node' FROM cib.mt_events WHERE type = 'cib.controller_elected.v1' ORDER BY seq_id DESC LIMIT 1");
        return await cmd.ExecuteScalarAsync(ct) as string;
    }).AsTask();

    /// <summary>The primary's replicas that stream from it.</summary>
    public Task<long> StreamingReplicasAsync() => Retry.ExecuteAsync(async ct =>
    {
        await using var cmd = _db.CreateCommand("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }).AsTask();

    /// <summary>The values the log holds for cluster property <paramref name="name"/> (every set, in order).</summary>
    public Task<IReadOnlySet<long>> PropertyValuesAsync(string name) => Retry.ExecuteAsync(async ct =>
    {
        await using var cmd = _db.CreateCommand(
            "SELECT data->>'value' FROM cib.mt_events WHERE stream_id = 'configuration' AND type = 'cib.cluster_property_set.v1' AND data->>'name' = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        var values = new HashSet<long>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) if (long.TryParse(r.GetString(0), out var v)) values.Add(v);
        return (IReadOnlySet<long>)values;
    }).AsTask();

    /// <summary>
    /// The log's facts between two instants (by the store's timestamps): membership, fencing, operations other than
    /// successful recurring monitors, edits and elections; the ledger's own appends and the controller's bookkeeping of
    /// transitions (planned, dispatched, aborted, completed) left out.
    /// </summary>
    public Task<IReadOnlyList<string>> EventsBetweenAsync(DateTimeOffset from, DateTimeOffset to, string ledgerProperty, int max = 60) => Retry.ExecuteAsync(async ct =>
    {
        await using var cmd = _db.CreateCommand("""
            SELECT seq_id, timestamp, type, data::text FROM cib.mt_events
            WHERE timestamp BETWEEN $1 AND $2 AND NOT (type = 'cib.cluster_property_set.v1' AND data->>'name' = $3)
              AND type NOT IN ('cib.action_dispatched.v1', 'cib.transition_planned.v1', 'cib.transition_aborted.v1', 'cib.transition_completed.v1')
              AND NOT (type = 'cib.resource_operation_succeeded.v1' AND data->>'operation' = 'monitor' AND data->>'intervalMs' <> '0')
            ORDER BY seq_id LIMIT $4
            """);
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ledgerProperty });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
        var lines = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var data = r.GetString(3);
            lines.Add($"{r.GetInt64(0),7} {r.GetFieldValue<DateTimeOffset>(1):HH:mm:ss.fff} {r.GetString(2)} {(data.Length > 160 ? data[..160] + "…" : data)}");
        }
        return (IReadOnlyList<string>)lines;
    }).AsTask();

    public void Dispose() => _db.Dispose();
}

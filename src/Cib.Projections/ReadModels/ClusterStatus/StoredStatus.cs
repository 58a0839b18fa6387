using System.Text.Json;
using Cib.Projections.Store;
using Npgsql;
using NpgsqlTypes;

namespace Cib.Projections.ReadModels.ClusterStatus;

/// <summary>
/// The stored cluster status (migration 0004, table <c>cib.ha_read_models</c>, row <see cref="Name"/>): a
/// <see cref="StatusSnapshot"/> as JSON with its log position. Written by the active controller as it follows the log
/// (docs/decisions/0007), read by a controller taking over and by anyone who wants the status without folding the log.
/// Plain Npgsql, as <see cref="CibEventLog"/>: the node runtime that hosts the controller does not build Marten's store.
/// </summary>
public sealed class StoredStatus(NpgsqlDataSource db, string schema = CibStore.DefaultSchema)
{
    public const string Name = "cluster-status";

    /// <summary>
    /// Stores the snapshot as the controller of <paramref name="controllerTerm"/>: refused (<see cref="ControllerDeposedException"/>)
    /// when that term is no longer the latest, and a no-op when a snapshot of a later position is stored already. True when written.
    /// </summary>
    public async Task<bool> WriteAsync(StatusSnapshot snapshot, long controllerTerm, CancellationToken ct = default)
    {
        await using var batch = db.CreateBatch();
        var check = new NpgsqlBatchCommand($"SELECT {schema}.ha_require_controller_term($1)");
        check.Parameters.Add(new NpgsqlParameter<long> { TypedValue = controllerTerm });
        batch.BatchCommands.Add(check);
        var write = new NpgsqlBatchCommand($"""
            INSERT INTO {schema}.ha_read_models (name, position, data) VALUES ($1, $2, $3)
            ON CONFLICT (name) DO UPDATE SET position = excluded.position, data = excluded.data, written_at = clock_timestamp()
            WHERE {schema}.ha_read_models.position < excluded.position
            """);
        write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Name });
        write.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshot.Position });
        write.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Jsonb, TypedValue = JsonSerializer.Serialize(snapshot, CibEventLog.Json) });
        batch.BatchCommands.Add(write);
        try
        {
            // One implicit transaction: the term check and the write commit together or not at all.
            await batch.ExecuteNonQueryAsync(ct);
            return write.RecordsAffected == 1;
        }
        catch (PostgresException e) when (e.SqlState == ControllerDeposedException.SqlState)
        {
            throw new ControllerDeposedException(e.MessageText, e);
        }
    }

    /// <summary>The stored snapshot, or null when there is none or it is of another shape version.</summary>
    public async Task<StatusSnapshot?> ReadAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT data FROM {schema}.ha_read_models WHERE name = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Name });
        if (await cmd.ExecuteScalarAsync(ct) is not string json) return null;
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("version", out var v) || v.GetInt32() != StatusSnapshot.CurrentVersion) return null;
        return doc.RootElement.Deserialize<StatusSnapshot>(CibEventLog.Json);
    }
}

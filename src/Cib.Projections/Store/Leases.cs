using Cib.Domain.Nodes;
using Npgsql;

namespace Cib.Projections.Store;

/// <summary>
/// Node leases in <c>cib.ha_leases</c>. Renewals are frequent and carry no news, so they are rows, not events;
/// times come from the store's clock so that every node and the controller share one.
/// </summary>
public sealed class Leases(NpgsqlDataSource db)
{
    public async Task RenewAsync(string node, string incarnation, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            "INSERT INTO cib.ha_leases(node, incarnation, renewed_at) VALUES (@n, @i, clock_timestamp()) " +
            "ON CONFLICT (node) DO UPDATE SET incarnation = excluded.incarnation, renewed_at = excluded.renewed_at");
        cmd.Parameters.AddWithValue("n", node);
        cmd.Parameters.AddWithValue("i", incarnation);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Removes the lease of a runtime that shuts down cleanly (only its own incarnation's).</summary>
    public async Task ReleaseAsync(string node, string incarnation, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("DELETE FROM cib.ha_leases WHERE node = @n AND incarnation = @i");
        cmd.Parameters.AddWithValue("n", node);
        cmd.Parameters.AddWithValue("i", incarnation);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Every lease and the store's clock, read in one statement.</summary>
    public async Task<(IReadOnlyList<LeaseObservation> Leases, DateTimeOffset Now)> ObserveAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT node, incarnation, renewed_at, clock_timestamp() FROM cib.ha_leases ORDER BY node");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var leases = new List<LeaseObservation>();
        DateTimeOffset? now = null;
        while (await reader.ReadAsync(ct))
        {
            leases.Add(new LeaseObservation(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
            now = reader.GetFieldValue<DateTimeOffset>(3);
        }
        return (leases, now ?? await StoreClock.NowAsync(db, ct));
    }
}

/// <summary>The store's clock: the one time every node agrees on.</summary>
public static class StoreClock
{
    public static async Task<DateTimeOffset> NowAsync(NpgsqlDataSource db, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT clock_timestamp()");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return reader.GetFieldValue<DateTimeOffset>(0);
    }
}

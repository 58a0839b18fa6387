using Cib.Domain.Nodes;
using Npgsql;

namespace Cib.Projections.Store;

/// <summary>
/// Node leases in <c>cib.ha_leases</c>. Renewals are frequent and carry no news, so they are rows, not events;
/// times come from the store's clock so that every node and the controller share one. Each renewal also keeps
/// <c>cib.ha_store_liveness</c> (migration 0011): when the store last came back after an outage.
/// </summary>
public sealed class Leases(NpgsqlDataSource db)
{
    /// <summary>
    /// Renews the node's lease; in the same statement, notes the renewal in the store's liveness, which starts a new
    /// "up since" when nobody renewed for longer than <paramref name="outageGap"/> (the store was away:
    /// <c>LeaseLoss.OutageGap</c>).
    /// </summary>
    public async Task RenewAsync(string node, string incarnation, TimeSpan outageGap, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            "WITH renewed AS (INSERT INTO cib.ha_leases(node, incarnation, renewed_at) VALUES (@n, @i, clock_timestamp()) " +
            "ON CONFLICT (node) DO UPDATE SET incarnation = excluded.incarnation, renewed_at = excluded.renewed_at RETURNING renewed_at) " +
            "INSERT INTO cib.ha_store_liveness(id, last_write, up_since) SELECT 1, renewed_at, renewed_at FROM renewed " +
            "ON CONFLICT (id) DO UPDATE SET last_write = excluded.last_write, " +
            "up_since = CASE WHEN excluded.last_write - cib.ha_store_liveness.last_write > @gap THEN excluded.last_write " +
            "ELSE cib.ha_store_liveness.up_since END, " +
            "outage = CASE WHEN excluded.last_write - cib.ha_store_liveness.last_write > @gap " +
            "THEN excluded.last_write - cib.ha_store_liveness.last_write ELSE cib.ha_store_liveness.outage END");
        cmd.Parameters.AddWithValue("n", node);
        cmd.Parameters.AddWithValue("i", incarnation);
        cmd.Parameters.AddWithValue("gap", outageGap);
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

    /// <summary>
    /// Every lease, the store's clock, and its liveness: the latest renewal of anyone's, the first renewal after the
    /// store's latest outage (both null before any renewal) and how long that outage was; read in one statement.
    /// </summary>
    public async Task<(IReadOnlyList<LeaseObservation> Leases, DateTimeOffset Now, DateTimeOffset? LastRenewal, StoreReturn? LastReturn)> ObserveAsync(
        CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            "SELECT l.node, l.incarnation, l.renewed_at, now.t, up.up_since, up.last_write, up.outage FROM (SELECT clock_timestamp() AS t) now " +
            "LEFT JOIN cib.ha_store_liveness up ON up.id = 1 LEFT JOIN cib.ha_leases l ON TRUE ORDER BY l.node");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var leases = new List<LeaseObservation>();
        DateTimeOffset now = default;
        DateTimeOffset? lastRenewal = null;
        StoreReturn? lastReturn = null;
        while (await reader.ReadAsync(ct))
        {
            now = reader.GetFieldValue<DateTimeOffset>(3);
            lastReturn = reader.IsDBNull(4) ? null : new StoreReturn(reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<TimeSpan>(6));
            lastRenewal = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5);
            if (!reader.IsDBNull(0))
                leases.Add(new LeaseObservation(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return (leases, now, lastRenewal, lastReturn);
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

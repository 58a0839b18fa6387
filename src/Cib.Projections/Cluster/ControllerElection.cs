using Cib.Projections.Store;
using Npgsql;

namespace Cib.Projections.Cluster;

/// <summary>
/// Exactly one active controller: the holder of a PostgreSQL session advisory lock on a dedicated
/// connection. When the holder's process dies its connection closes and the lock is free at once;
/// a holder that loses its connection stops acting as controller (<see cref="IsHeldAsync"/>).
/// </summary>
public sealed class ControllerElection(string connectionString) : IAsyncDisposable
{
    /// <summary>The advisory lock key of the controller role.</summary>
    public const long LockKey = 0x4841_4354_524C; // "HACTRL"

    private readonly NpgsqlDataSource _source = StoreDataSource.Dedicated(connectionString, "ha-controller");
    private NpgsqlConnection? _connection;

    public bool IsLeader => _connection is not null;

    /// <summary>Tries once to become the controller; true when this instance holds the role.</summary>
    public async Task<bool> TryAcquireAsync(CancellationToken ct = default)
    {
        if (_connection is not null) return await IsHeldAsync(ct);
        var conn = _source.CreateConnection();
        try
        {
            await conn.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(@k)", conn);
            cmd.Parameters.AddWithValue("k", LockKey);
            if ((bool)(await cmd.ExecuteScalarAsync(ct))!)
            {
                _connection = conn;
                return true;
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The store is unreachable: not the controller.
        }
        await conn.DisposeAsync();
        return false;
    }

    /// <summary>True while the lock's connection answers; drops the role when it does not.</summary>
    public async Task<bool> IsHeldAsync(CancellationToken ct = default)
    {
        if (_connection is null) return false;
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT 1", _connection);
            cmd.CommandTimeout = 2;
            await cmd.ExecuteScalarAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or System.IO.IOException)
        {
            await ReleaseAsync();
            return false;
        }
    }

    /// <summary>Gives the role up (closing the connection frees the lock).</summary>
    public async Task ReleaseAsync()
    {
        var conn = _connection;
        _connection = null;
        if (conn is not null) await conn.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync();
        await _source.DisposeAsync();
    }
}

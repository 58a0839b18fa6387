using Cib.Projections.Store;
using Npgsql;
using System.IO;

namespace NodeRuntime.Controller;

/// <summary>
/// Exactly one active controller: the holder of a PostgreSQL session advisory lock on a dedicated
/// connection. When the holder's process dies its connection closes and the lock is free at once;
/// a holder that loses its connection stops acting as controller (<see cref="IsHeldAsync"/>).
/// A holder cut off from the store keeps its session until the server notices the dead peer (TCP
/// keep-alives, seconds): a standby whose view says the holder's node is lost (its lease expired) ends
/// that session itself (<see cref="DeposeLostAsync"/>), which also fences the lost controller off the store.
/// </summary>
public sealed class ControllerElection(string connectionString, string? node = null) : IAsyncDisposable
{
    /// <summary>The lock connection's application name: it names the holder's node, so a standby can tell whose it is.</summary>
    public const string ApplicationPrefix = "ha-controller:";

    /// <summary>The advisory lock key of the controller role.</summary>
    public const long LockKey = 0x4841_4354_524C; // "HACTRL"

    private readonly NpgsqlDataSource _source = StoreDataSource.Dedicated(connectionString, ApplicationPrefix + (node ?? "?"));
    private NpgsqlDataSource? _plain;
    private NpgsqlConnection? _connection;

    public bool IsLeader => _connection is not null;

    /// <summary>How long one call of the election (acquire, hold check, depose) may take, whatever the link does.</summary>
    public static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(2);

    /// <summary>Tries once to become the controller; true when this instance holds the role.</summary>
    public async Task<bool> TryAcquireAsync(CancellationToken ct = default)
    {
        if (_connection is not null) return await IsHeldAsync(ct);
        var conn = _source.CreateConnection();
        try
        {
            var acquired = await StoreDeadline.RunAsync(async c =>
            {
                await conn.OpenAsync(c);
                await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(@k)", conn);
                cmd.Parameters.AddWithValue("k", LockKey);
                return (bool)(await cmd.ExecuteScalarAsync(c))!;
            }, CallDeadline + CallDeadline, TimeProvider.System, ct);
            if (acquired)
            {
                _connection = conn;
                return true;
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or IOException
                                      || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            // The store is unreachable: not the controller.
        }
        _ = Close(conn);
        return false;
    }

    /// <summary>
    /// True while the lock's connection answers within <see cref="CallDeadline"/>; drops the role when it does not (a
    /// broken session, a restarted store, a silent link: a check that does not answer is no answer).
    /// </summary>
    public async Task<bool> IsHeldAsync(CancellationToken ct = default)
    {
        if (_connection is not { } conn) return false;
        try
        {
            await StoreDeadline.RunAsync(async c =>
            {
                await using var cmd = new NpgsqlCommand("SELECT 1", conn);
                await cmd.ExecuteScalarAsync(c);
            }, CallDeadline, TimeProvider.System, ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or IOException
                                      || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            await ReleaseAsync();
            return false;
        }
    }

    /// <summary>
    /// Ends the session holding the role when the holder's node has been silent for longer than the lease timeout (by
    /// the store's clock): that node is lost, and its controller must neither keep the role nor append. Returns how
    /// many sessions were ended (0 or 1); the role is then free for <see cref="TryAcquireAsync"/> (the termination is
    /// waited for, up to 2 s: a signalled backend releases its locks only when it has exited).
    /// </summary>
    public async Task<int> DeposeLostAsync(TimeSpan leaseTimeout, CancellationToken ct = default)
    {
        try
        {
            _plain ??= StoreDataSource.Create(connectionString);
            return await StoreDeadline.RunAsync(c => TerminateLostHolderAsync(leaseTimeout, c), CallDeadline + CallDeadline, TimeProvider.System, ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or IOException
                                      || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            return 0;
        }
    }

    private async Task<int> TerminateLostHolderAsync(TimeSpan leaseTimeout, CancellationToken ct)
    {
        await using var conn = await _plain!.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            SELECT count(*) FILTER (WHERE pg_terminate_backend(a.pid, 2000))
            FROM pg_locks l
            JOIN pg_stat_activity a ON a.pid = l.pid
            JOIN cib.ha_leases h ON a.application_name = @prefix || h.node
            WHERE l.locktype = 'advisory' AND l.granted
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND (l.classid::bigint << 32) + l.objid::bigint = @k
              AND h.renewed_at < clock_timestamp() - @timeout
            """, conn);
        cmd.Parameters.AddWithValue("prefix", ApplicationPrefix);
        cmd.Parameters.AddWithValue("k", LockKey);
        cmd.Parameters.AddWithValue("timeout", leaseTimeout);
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Gives the role up (closing the connection frees the lock).</summary>
    public async Task ReleaseAsync()
    {
        var conn = _connection;
        _connection = null;
        if (conn is not null) await Close(conn).WaitAsync(CallDeadline).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Closes a connection (which frees the lock at once on a live session); on a dead link the close itself may wait
    /// for the socket, so callers wait for it at most <see cref="CallDeadline"/> and it finishes in the background.
    /// </summary>
    private static Task Close(NpgsqlConnection conn) =>
        Task.Run(async () =>
        {
            try { await conn.DisposeAsync(); }
            catch (Exception) { /* the session is gone either way */ }
        });

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync();
        await _source.DisposeAsync();
        if (_plain is not null) await _plain.DisposeAsync();
    }
}

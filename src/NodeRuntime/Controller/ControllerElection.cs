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
    /// <summary>The backend of the lock's session: ended from another session when the lock connection cannot be closed.</summary>
    private int _backend;
    /// <summary>The last check on the lock's connection, which may still run after it was given up at its deadline.</summary>
    private Task _inFlight = Task.CompletedTask;

    public bool IsLeader => _connection is not null;

    /// <summary>How long one call of the election (acquire, hold check, depose) may take, whatever the link does.</summary>
    public static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(2);

    /// <summary>Tries once to become the controller; true when this instance holds the role.</summary>
    public async Task<bool> TryAcquireAsync(CancellationToken ct = default)
    {
        if (_connection is not null) return await IsHeldAsync(ct);
        var conn = _source.CreateConnection();
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var attempt = AcquireOnAsync(conn, cts.Token);
        try
        {
            if (await attempt.WaitAsync(CallDeadline + CallDeadline, TimeProvider.System, ct))
            {
                (_connection, _backend, _inFlight) = (conn, conn.ProcessID, Task.CompletedTask);
                cts.Dispose();
                return true;
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or IOException
                                      || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            // The store is unreachable: not the controller.
        }
        catch (OperationCanceledException)
        {
            await cts.CancelAsync();
            _ = AbandonAsync(conn, attempt, cts);
            throw;
        }
        await cts.CancelAsync();
        // The attempt may still be running (it was given up at its deadline): the connection closes once it has ended,
        // so that a lock it got late is freed, never kept by a connection nobody uses.
        _ = AbandonAsync(conn, attempt, cts);
        return false;
    }

    private static async Task<bool> AcquireOnAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(@k)", conn);
        cmd.Parameters.AddWithValue("k", LockKey);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task AbandonAsync(NpgsqlConnection conn, Task attempt, CancellationTokenSource cts)
    {
        try { await attempt; } catch (Exception) { /* given up */ }
        await Close(conn);
        cts.Dispose();
    }

    /// <summary>
    /// True while the lock's connection answers within <see cref="CallDeadline"/>; drops the role when it does not (a
    /// broken session, a restarted store, a silent link: a check that does not answer is no answer).
    /// </summary>
    public async Task<bool> IsHeldAsync(CancellationToken ct = default)
    {
        if (_connection is not { } conn) return false;
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var check = PingAsync(conn, cts.Token);
        _inFlight = check;
        _ = check.ContinueWith(static (t, state) => { _ = t.Exception; ((CancellationTokenSource)state!).Dispose(); }, cts,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await check.WaitAsync(CallDeadline, TimeProvider.System, ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or IOException
                                      || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            CancelUnlessEnded(cts);
            await ReleaseAsync();
            return false;
        }
        catch (OperationCanceledException)
        {
            CancelUnlessEnded(cts);
            throw;
        }
    }

    /// <summary>Cancels a check still running; one that has ended has had its token source disposed already.</summary>
    private static void CancelUnlessEnded(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static async Task PingAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT 1", conn);
        await cmd.ExecuteScalarAsync(ct);
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

    /// <summary>
    /// Gives the role up: closing the connection frees the lock. A close that fails or does not end within
    /// <see cref="CallDeadline"/> (a check abandoned at its deadline may still hold the connection: Npgsql refuses to close
    /// a busy one) is followed by ending the session from another one, so that the lock is free whenever the store answers:
    /// a controller that gave the role up must never keep others from taking it.
    /// </summary>
    public async Task ReleaseAsync()
    {
        var conn = _connection;
        _connection = null;
        if (conn is null) return;
        // A connection is closed once nothing runs on it: a check given up at its deadline may still.
        await _inFlight.WaitAsync(CallDeadline).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var close = Close(conn);
        await ((Task)close).WaitAsync(CallDeadline).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (close.IsCompletedSuccessfully && close.Result) return;
        try
        {
            _plain ??= StoreDataSource.Create(connectionString);
            await StoreDeadline.RunAsync(async c =>
            {
                await using var terminate = _plain.CreateCommand("SELECT pg_terminate_backend(@pid, 2000)");
                terminate.Parameters.AddWithValue("pid", _backend);
                await terminate.ExecuteScalarAsync(c);
            }, CallDeadline, TimeProvider.System);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or IOException or OperationCanceledException)
        {
            // The store does not answer: it ends the session itself when it notices the connection is gone.
        }
    }

    /// <summary>
    /// Closes a connection (which frees the lock at once on a live session); on a dead link the close itself may wait
    /// for the socket, so callers wait for it at most <see cref="CallDeadline"/> and it finishes in the background.
    /// True when the close went through.
    /// </summary>
    private static Task<bool> Close(NpgsqlConnection conn) =>
        Task.Run(async () =>
        {
            try
            {
                await conn.DisposeAsync();
                return true;
            }
            catch (Exception)
            {
                return false;
            }
        });

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync();
        await _source.DisposeAsync();
        if (_plain is not null) await _plain.DisposeAsync();
    }
}

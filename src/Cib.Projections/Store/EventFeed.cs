using Npgsql;

namespace Cib.Projections.Store;

/// <summary>
/// Every event of the log in global sequence order, pushed: a LISTEN on <c>cib_events</c> (NOTIFY from a
/// trigger on every append) wakes the reader, with a slow poll as a safety net.
/// Sequence numbers are taken before commit, so a later number can become visible before an earlier one;
/// the feed never hands out an event past a hole until the hole fills or is older than <see cref="GapTimeout"/>
/// (a rolled-back append leaves a hole forever).
/// </summary>
public sealed class EventFeed(NpgsqlDataSource db, string connectionString) : IAsyncDisposable
{
    private readonly CibEventLog _log = new(db);

    public TimeSpan GapTimeout { get; init; } = TimeSpan.FromSeconds(3);
    public TimeSpan SafetyPoll { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How old a hole must be, beyond the end of the transactions that could fill it, before it is passed.</summary>
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromMilliseconds(50);

    private NpgsqlDataSource? _listenerSource;
    private NpgsqlConnection? _listener;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _disposed = new();
    private long? _gapAt;
    private DateTimeOffset _gapSince;
    private long _gapXmax;
    private DateTime _gapSeenAt;

    /// <summary>True while the feed holds back events behind a hole that may still fill: decisions should wait.</summary>
    public bool Behind => _gapAt is not null;

    public long Position { get; private set; }

    /// <summary>The highest sequence number appended so far: where a reader that wants only new events starts.</summary>
    public static async Task<long> HeadAsync(NpgsqlDataSource db, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT coalesce(max(seq_id), 0) FROM cib.mt_events");
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task StartAsync(long position, CancellationToken ct = default)
    {
        Position = position;
        _listenerSource = StoreDataSource.Dedicated(connectionString, "ha-event-feed");
        _listener = await ListenAsync(ct);
        _ = Task.Run(() => PumpAsync(ct), CancellationToken.None);
    }

    /// <summary>How long to wait before listening again after the listening connection broke.</summary>
    public TimeSpan RelistenDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    private async Task<NpgsqlConnection> ListenAsync(CancellationToken ct)
    {
        var listener = await _listenerSource!.OpenConnectionAsync(ct);
        listener.Notification += (_, _) => _signal.Release();
        await using var cmd = new NpgsqlCommand("LISTEN cib_events", listener);
        await cmd.ExecuteNonQueryAsync(ct);
        return listener;
    }

    /// <summary>
    /// Takes notifications in; when the listening connection breaks (the store restarted, a cut link came back and the
    /// server had ended the session), wakes the reader (notifications may have been missed) and listens again.
    /// </summary>
    private async Task PumpAsync(CancellationToken ct)
    {
        // No cancellation token reaches Npgsql's wait: a token cancelled after the connection is gone would make its
        // callback throw into whoever cancels. The pump wakes at least once a second to look at the tokens instead.
        while (!ct.IsCancellationRequested && !_disposed.IsCancellationRequested)
        {
            try
            {
                if (_listener is null)
                {
                    using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, _disposed.Token);
                    _listener = await StoreDeadline.RunAsync(ListenAsync, TimeSpan.FromSeconds(5), TimeProvider.System, both.Token);
                    _signal.Release();
                }
                while (!ct.IsCancellationRequested && !_disposed.IsCancellationRequested && _listener is { } listener)
                    await listener.WaitAsync(TimeSpan.FromSeconds(1));
            }
            catch (Exception) when (!ct.IsCancellationRequested && !_disposed.IsCancellationRequested)
            {
                // The listening connection broke (or could not be opened): the reader polls meanwhile.
                var broken = Interlocked.Exchange(ref _listener, null);
                if (broken is not null) await broken.DisposeAsync().AsTask().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                _signal.Release();
                await Task.Delay(RelistenDelay, _disposed.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (Exception)
            {
                return;
            }
        }
    }

    /// <summary>Waits until something may have been appended (a notification) or the safety poll is due.</summary>
    public async Task WaitAsync(TimeSpan? atMost = null, CancellationToken ct = default)
    {
        var limit = atMost ?? SafetyPoll;
        if (_gapAt is not null && limit > TimeSpan.FromMilliseconds(50)) limit = TimeSpan.FromMilliseconds(50);
        await _signal.WaitAsync(limit, ct);
        while (_signal.CurrentCount > 0) await _signal.WaitAsync(0, ct);
    }

    /// <summary>The events after <see cref="Position"/> that are safe to hand out, in sequence order; advances the position.</summary>
    public async Task<IReadOnlyList<LoggedEvent>> ReadAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        // The snapshot comes first: when every transaction that was running at the hole's discovery had ended
        // before this query began, the query sees whatever they committed, so a hole still there is permanent.
        var (xminBefore, _, _, openBefore) = _gapAt is null ? (0L, 0L, default, 0L) : await SnapshotAsync(_gapSeenAt, ct);
        var batch = await _log.ReadAfterAsync(Position, 2000, ct);
        var ready = new List<LoggedEvent>(batch.Count);
        var expected = Position + 1;
        foreach (var e in batch)
        {
            if (e.Sequence != expected)
            {
                if (_gapAt != expected)
                {
                    _gapAt = expected;
                    _gapSince = now;
                    (_, _gapXmax, _gapSeenAt, _) = await SnapshotAsync(null, ct);
                    break;
                }
                // A transaction takes its sequence number before it gets a transaction id (that comes with its first
                // write), so the xid snapshot alone cannot see it: no transaction of this database that began before
                // the hole was seen may still be open either, and the hole must be a little old. Failing all that, a
                // hole is given up after GapTimeout.
                var settled = xminBefore >= _gapXmax && openBefore == 0 && now - _gapSince >= SettleTime;
                if (!settled && now - _gapSince < GapTimeout) break;
            }
            ready.Add(e);
            expected = e.Sequence + 1;
            _gapAt = null;
        }
        if (ready.Count > 0) Position = ready[^1].Sequence;
        return ready;
    }

    /// <summary>
    /// The server's transaction snapshot, its clock, and how many transactions of this database other than ours are
    /// open that began at or before <paramref name="since"/> (none counted when null).
    /// </summary>
    private async Task<(long Xmin, long Xmax, DateTime ServerNow, long OpenSince)> SnapshotAsync(DateTime? since, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT txid_snapshot_xmin(s), txid_snapshot_xmax(s), clock_timestamp(),
                   (SELECT count(*) FROM pg_stat_activity a
                     WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.xact_start <= @since)
            FROM txid_current_snapshot() s
            """);
        cmd.Parameters.Add(new NpgsqlParameter("since", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = since is { } t ? t : DBNull.Value });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetInt64(0), r.GetInt64(1), r.GetDateTime(2), r.GetInt64(3));
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        var l = Interlocked.Exchange(ref _listener, null);
        if (l is not null) await l.DisposeAsync();
        if (_listenerSource is not null) await _listenerSource.DisposeAsync();
        // The pump may still release the signal on its way out: it is not disposed, only dropped.
    }
}

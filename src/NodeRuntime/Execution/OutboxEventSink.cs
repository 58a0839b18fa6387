using System.Collections.Concurrent;
using Cib.Domain;
using Cib.Projections.Store;

namespace NodeRuntime.Execution;

/// <summary>
/// Where the node runtime's events go first. <see cref="AppendAsync"/> only queues the event and returns: no caller
/// (an action's result, a recurring monitor, a fence, the lease-loss stops) ever waits on the store. A delivery loop
/// of its own sends the queue in order, each append under a hard deadline (<see cref="StoreDeadline"/>); at the
/// first failure it goes offline and keeps everything until <see cref="Resume"/> (the lease watch calls it while
/// events wait, and on reconnecting), so nothing the node did while cut off is lost from the log.
/// An append abandoned at its deadline may still have reached the store; it is sent again, so such an event can
/// appear twice in the log (idempotent appends are the replicated-store issue's).
/// </summary>
public sealed class OutboxEventSink : IEventSink, IAsyncDisposable
{
    private readonly IEventSink _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _deadline;
    private readonly ConcurrentQueue<ICibEvent> _pending = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _delivering = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task? _loop;
    private volatile bool _offline;

    /// <param name="store">The sink that reaches the store.</param>
    /// <param name="time">The clock of the deadlines.</param>
    /// <param name="deadline">How long one append may take before it counts as failed (default 2 s).</param>
    public OutboxEventSink(IEventSink store, TimeProvider? time = null, TimeSpan? deadline = null)
    {
        _store = store;
        _time = time ?? TimeProvider.System;
        _deadline = deadline ?? TimeSpan.FromSeconds(2);
    }

    public int Pending => _pending.Count;
    public bool IsOffline => _offline;

    /// <summary>Events delivered to the store so far.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);
    private long _delivered;

    /// <summary>Keep events from now on without trying the store (the lease is lost).</summary>
    public void GoOffline() => _offline = true;

    /// <summary>Try the store again now (in the background).</summary>
    public void Resume()
    {
        _offline = false;
        Wake();
    }

    public Task AppendAsync(ICibEvent @event, CancellationToken ct = default)
    {
        _pending.Enqueue(@event);
        if (!_offline) Wake();
        return Task.CompletedTask;
    }

    /// <summary>Delivers every kept event in order, now; stops (and goes offline) at the first that fails. Returns how many went out.</summary>
    public async Task<int> FlushAsync(CancellationToken ct = default)
    {
        await _delivering.WaitAsync(ct);
        try
        {
            _offline = false;
            var sent = 0;
            while (_pending.TryPeek(out var next))
            {
                try
                {
                    await StoreDeadline.RunAsync(c => _store.AppendAsync(next, c), _deadline, _time, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    _offline = true;
                    return sent;
                }
                _pending.TryDequeue(out _);
                Interlocked.Increment(ref _delivered);
                sent++;
            }
            return sent;
        }
        finally
        {
            _delivering.Release();
        }
    }

    /// <summary>Delivers what waits, trying again at <paramref name="retry"/> intervals, until the queue is empty (true) or the time is up (false).</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout, TimeSpan retry, CancellationToken ct = default)
    {
        var until = _time.GetUtcNow() + timeout;
        while (true)
        {
            await FlushAsync(ct);
            if (_pending.IsEmpty) return true;
            if (_time.GetUtcNow() >= until) return false;
            await Task.Delay(retry, _time, ct);
        }
    }

    private void Wake()
    {
        lock (_gate) _loop ??= Task.Run(DeliverLoopAsync);
        _wake.Release();
    }

    private async Task DeliverLoopAsync()
    {
        try
        {
            while (true)
            {
                await _wake.WaitAsync(_stop.Token);
                if (_offline || _pending.IsEmpty) continue;
                await FlushAsync(_stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Task? loop;
        lock (_gate) loop = _loop;
        if (loop is not null) await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}

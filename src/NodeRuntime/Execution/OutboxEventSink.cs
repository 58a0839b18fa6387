using System.Collections.Concurrent;
using Cib.Domain;
using Cib.Projections.Store;

namespace NodeRuntime.Execution;

/// <summary>
/// Where the node runtime's events go first. <see cref="AppendAsync"/> only queues the event (under the id it will be
/// appended with) and returns: no caller (an action's result, a recurring monitor, a fence, the lease-loss stops) ever
/// waits on the store. A delivery loop of its own sends the queue in order, what waits (up to
/// <see cref="NodeReports.MaxBatch"/>) in one append of one transaction, under a hard deadline
/// (<see cref="StoreDeadline"/>); at the first failure it goes offline and keeps everything until <see cref="Resume"/>
/// (the lease watch calls it while events wait, and on reconnecting), so nothing the node did while cut off is lost from
/// the log. Nothing is appended twice either (decision 0015): an append whose outcome is unknown (its deadline passed,
/// the connection broke) may have committed, now or later; its events stay at the head of the queue and go out again
/// under the same ids, and when one of them is stored already, the store refuses the whole append
/// (<see cref="CibEventLog.IsRepeatedEvent"/>): the outbox then asks which of them the log holds and drops those.
/// </summary>
public sealed class OutboxEventSink : IEventSink, IAsyncDisposable
{
    private readonly IReportStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _deadline;
    private readonly ConcurrentQueue<NodeReport> _pending = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _delivering = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task? _loop;
    private volatile bool _offline;

    /// <param name="store">The store side: appends and the question which ids it holds.</param>
    /// <param name="time">The clock of the deadlines and of the events' ids.</param>
    /// <param name="deadline">How long one append may take before it counts as failed (default 2 s).</param>
    public OutboxEventSink(IReportStore store, TimeProvider? time = null, TimeSpan? deadline = null)
    {
        _store = store;
        _time = time ?? TimeProvider.System;
        _deadline = deadline ?? TimeSpan.FromSeconds(2);
    }

    public int Pending => _pending.Count;
    public bool IsOffline => _offline;

    /// <summary>Events delivered to the store so far (those found stored after an append of unknown outcome included).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);
    private long _delivered;

    /// <summary>Appends made so far (each carries up to <see cref="NodeReports.MaxBatch"/> events).</summary>
    public long Appends => Interlocked.Read(ref _appends);
    private long _appends;

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
        _pending.Enqueue(NodeReport.Queued(@event, _time.GetUtcNow()));
        if (!_offline) Wake();
        return Task.CompletedTask;
    }

    /// <summary>Delivers every kept event in order, now; stops (and goes offline) at the first append that fails. Returns how many went out.</summary>
    public async Task<int> FlushAsync(CancellationToken ct = default)
    {
        await _delivering.WaitAsync(ct);
        try
        {
            _offline = false;
            var sent = 0;
            while (!_pending.IsEmpty)
            {
                // Only this loop takes from the queue: its head stays put while an append is on its way.
                var batch = _pending.Take(NodeReports.MaxBatch).ToList();
                try
                {
                    await StoreDeadline.RunAsync(c => _store.AppendAsync(batch, c), _deadline, _time, ct);
                }
                catch (Exception e) when (CibEventLog.IsRepeatedEvent(e))
                {
                    // An earlier append whose outcome was unknown did commit: nothing of this one was appended. What
                    // is stored is a prefix of the head (appends go in order, each whole or not at all): drop it.
                    try
                    {
                        var stored = await StoreDeadline.RunAsync(c => _store.StoredAsync([.. batch.Select(r => r.Id)], c), _deadline, _time, ct);
                        sent += Dequeue(batch.TakeWhile(r => stored.Contains(r.Id)).Count());
                        continue;
                    }
                    catch (Exception again) when (again is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        _offline = true;
                        return sent;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    _offline = true;
                    return sent;
                }
                Interlocked.Increment(ref _appends);
                sent += Dequeue(batch.Count);
            }
            return sent;
        }
        finally
        {
            _delivering.Release();
        }
    }

    private int Dequeue(int count)
    {
        for (var i = 0; i < count; i++) _pending.TryDequeue(out _);
        Interlocked.Add(ref _delivered, count);
        return count;
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

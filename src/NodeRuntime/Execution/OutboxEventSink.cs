using System.Collections.Concurrent;
using Cib.Domain;

namespace NodeRuntime.Execution;

/// <summary>
/// A sink that keeps events while the store is unreachable (or an append fails) and delivers them,
/// in order, when <see cref="FlushAsync"/> runs after reconnecting: nothing the node did while cut off
/// is lost from the log.
/// </summary>
public sealed class OutboxEventSink(IEventSink store) : IEventSink
{
    private readonly ConcurrentQueue<ICibEvent> _pending = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private volatile bool _offline;

    public int Pending => _pending.Count;
    public bool IsOffline => _offline;

    public void GoOffline() => _offline = true;

    public async Task AppendAsync(ICibEvent @event, CancellationToken ct = default)
    {
        if (_offline || !_pending.IsEmpty)
        {
            _pending.Enqueue(@event);
            return;
        }
        try
        {
            await store.AppendAsync(@event, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _offline = true;
            _pending.Enqueue(@event);
        }
    }

    /// <summary>Delivers every kept event in order; stops (and stays offline) at the first that fails. Returns how many went out.</summary>
    public async Task<int> FlushAsync(CancellationToken ct = default)
    {
        await _flushing.WaitAsync(ct);
        try
        {
            _offline = false;
            var sent = 0;
            while (_pending.TryPeek(out var next))
            {
                try
                {
                    await store.AppendAsync(next, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _offline = true;
                    return sent;
                }
                _pending.TryDequeue(out _);
                sent++;
            }
            return sent;
        }
        finally
        {
            _flushing.Release();
        }
    }
}

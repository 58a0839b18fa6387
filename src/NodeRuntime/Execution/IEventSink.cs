using System.Collections.Concurrent;
using Cib.Domain;
using Cib.Projections.Store;

namespace NodeRuntime.Execution;

/// <summary>Where the node runtime reports what happened: every operation result and fencing outcome.</summary>
public interface IEventSink
{
    Task AppendAsync(ICibEvent @event, CancellationToken ct = default);
}

/// <summary>
/// The store side of the outbox (<see cref="OutboxEventSink"/>): appends a node's reports in order in one transaction
/// (all of them or none), and says which event ids the log holds.
/// </summary>
public interface IReportStore
{
    Task AppendAsync(IReadOnlyList<NodeReport> reports, CancellationToken ct = default);

    Task<IReadOnlySet<Guid>> StoredAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct = default);
}

/// <summary>Keeps events in memory in arrival order: for the CLI, the benchmark and tests that watch what a runtime reports.</summary>
public sealed class RecordingEventSink : IEventSink
{
    private readonly ConcurrentQueue<ICibEvent> _events = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public IReadOnlyList<ICibEvent> Events => [.. _events];

    public Task AppendAsync(ICibEvent @event, CancellationToken ct = default)
    {
        _events.Enqueue(@event);
        _arrived.Release();
        return Task.CompletedTask;
    }

    /// <summary>Waits until an event matching <paramref name="match"/> has arrived (or the timeout passes, then false).</summary>
    public async Task<bool> WaitForAsync(Func<ICibEvent, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!_events.Any(match))
        {
            try { await _arrived.WaitAsync(cts.Token); }
            catch (OperationCanceledException) { return _events.Any(match); }
        }
        return true;
    }
}

using System.Collections.Concurrent;
using Cib.Domain.Operations;
using Cib.Domain.Resources;

namespace NodeRuntime.Execution;

/// <summary>
/// Recurring monitors, one loop per (resource, interval) from the primitive's <c>op monitor
/// interval=...</c> definitions. Only a change of result becomes an event: the first failure after
/// a success (reported as soon as that monitor run ends, not at the next interval), and the first
/// success after a failure (a recovery). A steady state reports nothing.
/// </summary>
public sealed class RecurringMonitors(IResourceExecutor executor, IEventSink sink, TimeProvider time) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Resource, long IntervalMs), Loop> _loops = new();
    private readonly IResourceExecutor _executor = executor;
    private readonly IEventSink _sink = sink;
    private readonly TimeProvider _time = time;

    /// <summary>Monitors currently scheduled, as (resource, interval ms).</summary>
    public IReadOnlyCollection<(string Resource, long IntervalMs)> Active => [.. _loops.Keys];

    /// <summary>Starts every recurring monitor the primitive defines (after its start succeeded). Returns how many.</summary>
    public int StartAll(Primitive resource)
    {
        var n = 0;
        foreach (var op in resource.Operations.Where(o => o.Name == Operations.Monitor && o.IsRecurring))
        {
            Start(resource, op.Interval.Milliseconds);
            n++;
        }
        return n;
    }

    /// <summary>Starts one monitor. The baseline is "running" (rc 0): the first run's success reports nothing.</summary>
    public void Start(Primitive resource, long intervalMs, OperationOutcome? baseline = null)
    {
        var key = (resource.Id, intervalMs);
        var loop = new Loop(this, ActionRequest.For(resource, Operations.Monitor, intervalMs), baseline);
        if (_loops.TryAdd(key, loop)) loop.Run();
    }

    /// <summary>Cancels every monitor of the resource (before a stop) and waits for a running one to end.</summary>
    public async Task StopAsync(string resourceId)
    {
        foreach (var key in _loops.Keys.Where(k => k.Resource == resourceId).ToList())
            if (_loops.TryRemove(key, out var loop)) await loop.CancelAsync();
    }

    public async Task StopAllAsync()
    {
        foreach (var key in _loops.Keys.ToList())
            if (_loops.TryRemove(key, out var loop)) await loop.CancelAsync();
    }

    public ValueTask DisposeAsync() => new(StopAllAsync());

    private sealed class Loop(RecurringMonitors owner, ActionRequest request, OperationOutcome? baseline)
    {
        private readonly CancellationTokenSource _cts = new();
        private Task _task = Task.CompletedTask;
        private OperationOutcome? _last = baseline;
        private bool _lastOk = baseline?.Succeeded ?? true;

        public void Run() => _task = Task.Run(RunAsync);

        public async Task CancelAsync()
        {
            await _cts.CancelAsync();
            try { await _task; } catch (OperationCanceledException) { }
            _cts.Dispose();
        }

        private async Task RunAsync()
        {
            var ct = _cts.Token;
            var interval = TimeSpan.FromMilliseconds(request.IntervalMs);
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(interval, owner._time, ct);
                var outcome = await owner._executor.ExecuteAsync(request, ct);
                if (ct.IsCancellationRequested) return;
                if (outcome.Succeeded != _lastOk || (!outcome.Succeeded && !outcome.SameResultAs(_last)))
                {
                    try
                    {
                        await owner._sink.AppendAsync(outcome.ToEvent(), ct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // Not reported: keep the old result so the change is reported again on the next run.
                        continue;
                    }
                }
                _last = outcome;
                _lastOk = outcome.Succeeded;
            }
        }
    }
}

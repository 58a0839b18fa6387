using Cib.Domain.Operations;
using NodeRuntime.Execution;

namespace NodeRuntime.Fencing;

/// <summary>
/// The recurring monitor of a fence device (is it reachable?), reported like a resource monitor on the
/// device's id: only a change (unreachable, reachable again) becomes an event.
/// </summary>
public sealed class FenceDeviceMonitor(string nodeName, IFenceDevice device, TimeSpan interval, TimeSpan timeout, IEventSink sink, TimeProvider time) : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private Task _loop = Task.CompletedTask;
    private bool _lastOk = true;

    /// <summary>The latest result, or null before the first run.</summary>
    public FenceResult? Last { get; private set; }

    public void Start() => _loop = Task.Run(() => RunAsync(_cts.Token));

    /// <summary>One monitor run; reports an event when the result changed.</summary>
    public async Task<FenceResult> CheckAsync(CancellationToken ct = default)
    {
        var result = await device.MonitorAsync(timeout, ct);
        Last = result;
        if (result.Succeeded != _lastOk)
        {
            var origin = new OperationOrigin(null, null);
            var ms = (long)interval.TotalMilliseconds;
            await sink.AppendAsync(result.Succeeded
                ? new ResourceOperationSucceeded(device.Id, nodeName, Operations.Monitor, ms, OcfRc.Success, origin, result.DurationMs, result.OutputTail, null, time.GetUtcNow())
                : new ResourceOperationFailed(device.Id, nodeName, Operations.Monitor, ms, OcfRc.GenericError, OperationStatus.Error, origin, result.DurationMs, result.OutputTail, result.Reason, time.GetUtcNow()), ct);
        }
        _lastOk = result.Succeeded;
        return result;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try { await CheckAsync(ct); }
                catch (Exception e) when (e is not OperationCanceledException) { /* the sink failed: the next run reports again */ }
                await Task.Delay(interval, time, ct);
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        await _loop;
        _cts.Dispose();
    }
}

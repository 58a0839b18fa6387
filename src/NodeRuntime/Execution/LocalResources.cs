using System.Collections.Concurrent;
using Cib.Domain.Operations;
using Cib.Domain.Resources;

namespace NodeRuntime.Execution;

/// <summary>
/// The executor the rest of the runtime uses: it remembers which primitives run here (start and probe results say
/// so, a stop says not), in the order they began to run, and can be frozen, so that the lease-loss policy can stop
/// "every local resource" (last started first, which keeps a group's and an order's stop order) or "start nothing new".
/// </summary>
public sealed class LocalResources(IResourceExecutor inner, TimeProvider? time = null) : IResourceExecutor
{
    private readonly ConcurrentDictionary<string, (Primitive Primitive, long Order)> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, Task> _startsInFlight = new();
    private long _order;
    private volatile string? _frozenBecause;

    public string NodeName => inner.NodeName;

    /// <summary>Primitives believed to run on this node, in the order they began to run here.</summary>
    public IReadOnlyList<Primitive> Running => [.. _running.Values.OrderBy(r => r.Order).Select(r => r.Primitive)];

    /// <summary>The order to stop everything in: the last started first.</summary>
    public IReadOnlyList<Primitive> StopOrder => [.. Running.Reverse()];

    public bool IsFrozen => _frozenBecause is not null;

    /// <summary>Refuse every start (and promote) from now on, saying why.</summary>
    public void Freeze(string reason) => _frozenBecause = reason;

    public void Thaw() => _frozenBecause = null;

    /// <summary>
    /// Completes when every start (or promote) that got past the freeze before it was set has ended (each is bounded by
    /// its own timeout): after <see cref="Freeze"/> and this, <see cref="Running"/> no longer grows.
    /// </summary>
    public Task StartsSettledAsync() => Task.WhenAll(_startsInFlight.Values);

    public async Task<OperationOutcome> ExecuteAsync(ActionRequest request, CancellationToken ct = default)
    {
        var starting = request.Operation is Operations.Start or Operations.Promote;
        if (!starting) return Track(request, await inner.ExecuteAsync(request, ct));

        // Registered before the freeze is read: a start either sees the freeze or is seen by StartsSettledAsync.
        var id = Interlocked.Increment(ref _order);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _startsInFlight[id] = done.Task;
        try
        {
            if (_frozenBecause is { } why)
                return new OperationOutcome(request.Resource.Id, NodeName, request.Operation, request.IntervalMs, OcfRc.GenericError,
                    OperationStatus.Cancelled, false, request.Origin, 0, null, $"refused: {why}", (time ?? TimeProvider.System).GetUtcNow());
            return Track(request, await inner.ExecuteAsync(request, ct));
        }
        finally
        {
            _startsInFlight.TryRemove(id, out _);
            done.SetResult();
        }
    }

    private OperationOutcome Track(ActionRequest request, OperationOutcome outcome)
    {
        var id = request.Resource.Id;
        switch (request.Operation)
        {
            case Operations.Start when outcome.Succeeded:
                Began(request.Resource);
                break;
            case Operations.Start when outcome.Status == OperationStatus.Timeout:
                // A start that timed out may have half-started: it must be stopped, so keep it.
                Began(request.Resource);
                break;
            case Operations.Stop when outcome.Succeeded:
                _running.TryRemove(id, out _);
                break;
            case Operations.Monitor when outcome.Status == OperationStatus.Done:
                if (outcome.Rc is OcfRc.Success or OcfRc.RunningPromoted) Began(request.Resource);
                else if (outcome.Rc == OcfRc.NotRunning) _running.TryRemove(id, out _);
                break;
        }
        return outcome;
    }

    /// <summary>Known to run from now on; a primitive already known keeps its place in the order.</summary>
    private void Began(Primitive primitive)
    {
        var order = Interlocked.Increment(ref _order);
        _running.AddOrUpdate(primitive.Id, (primitive, order), (_, known) => (primitive, known.Order));
    }
}

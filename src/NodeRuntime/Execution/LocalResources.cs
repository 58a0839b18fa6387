using System.Collections.Concurrent;
using Cib.Domain.Operations;
using Cib.Domain.Resources;

namespace NodeRuntime.Execution;

/// <summary>
/// The executor the rest of the runtime uses: it remembers which primitives run here (start and
/// probe results say so, a stop says not) and can be frozen, so that the lease-loss policy can stop
/// "every local resource" or "start nothing new".
/// </summary>
public sealed class LocalResources(IResourceExecutor inner, TimeProvider? time = null) : IResourceExecutor
{
    private readonly ConcurrentDictionary<string, Primitive> _running = new(StringComparer.Ordinal);
    private volatile string? _frozenBecause;

    public string NodeName => inner.NodeName;

    /// <summary>Primitives believed to run on this node, by id.</summary>
    public IReadOnlyList<Primitive> Running => [.. _running.Values.OrderBy(p => p.Id, StringComparer.Ordinal)];

    public bool IsFrozen => _frozenBecause is not null;

    /// <summary>Refuse every start (and promote) from now on, saying why.</summary>
    public void Freeze(string reason) => _frozenBecause = reason;

    public void Thaw() => _frozenBecause = null;

    public async Task<OperationOutcome> ExecuteAsync(ActionRequest request, CancellationToken ct = default)
    {
        if (_frozenBecause is { } why && request.Operation is Operations.Start or Operations.Promote)
            return new OperationOutcome(request.Resource.Id, NodeName, request.Operation, request.IntervalMs, OcfRc.GenericError,
                OperationStatus.Cancelled, false, request.Origin, 0, null, $"refused: {why}", (time ?? TimeProvider.System).GetUtcNow());

        var outcome = await inner.ExecuteAsync(request, ct);
        Track(request, outcome);
        return outcome;
    }

    private void Track(ActionRequest request, OperationOutcome outcome)
    {
        var id = request.Resource.Id;
        switch (request.Operation)
        {
            case Operations.Start when outcome.Succeeded:
                _running[id] = request.Resource;
                break;
            case Operations.Start when outcome.Status == OperationStatus.Timeout:
                // A start that timed out may have half-started: it must be stopped, so keep it.
                _running[id] = request.Resource;
                break;
            case Operations.Stop when outcome.Succeeded:
                _running.TryRemove(id, out _);
                break;
            case Operations.Monitor when outcome.Status == OperationStatus.Done:
                if (outcome.Rc is OcfRc.Success or OcfRc.RunningPromoted) _running[id] = request.Resource;
                else if (outcome.Rc == OcfRc.NotRunning) _running.TryRemove(id, out _);
                break;
        }
    }
}

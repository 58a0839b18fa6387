using Cib.Domain.Configuration;
using Cib.Domain.Operations;
using Cib.Domain.Resources;

namespace NodeRuntime.Execution;

/// <summary>
/// Probes at join: asks every configured primitive's agent (fence devices excepted: they are not
/// resources that run on a node) whether it already runs here, in parallel, and reports each outcome,
/// so the planner knows the truth after the runtime restarts.
/// </summary>
public sealed class ProbeRoutine(IResourceExecutor executor, IEventSink sink)
{
    public async Task<IReadOnlyList<OperationOutcome>> ProbeAllAsync(ClusterConfiguration configuration, OperationOrigin? origin = null, CancellationToken ct = default)
    {
        var primitives = configuration.Primitives.Where(p => !p.IsFenceDevice).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
        var outcomes = await Task.WhenAll(primitives.Select(p => ProbeAsync(p, origin, ct)));
        return outcomes;
    }

    private async Task<OperationOutcome> ProbeAsync(Primitive p, OperationOrigin? origin, CancellationToken ct)
    {
        var outcome = await executor.ExecuteAsync(ActionRequest.Probe(p, origin), ct);
        await sink.AppendAsync(outcome.ToEvent(), ct);
        return outcome;
    }
}

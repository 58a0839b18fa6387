using Cib.Domain;
using Cib.Domain.Fencing;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Projections.Store;

namespace NodeRuntime.Execution;

/// <summary>
/// Appends node runtime events to the CIB log: operation results to the resource's stream, fencing
/// outcomes to the target's fencing stream, stamped by the one stamper (<see cref="AppendMetadata.Stamp"/>) with this
/// node as the actor, the transition as correlation id and the action it answers as causation id. Through <see cref="CibEventLog"/>, not Marten
/// (the node's memory, docs/node-runtime.md); the events are the same Marten events.
/// </summary>
public sealed class EventLogSink(CibEventLog log, string nodeName) : IEventSink, IReportStore
{
    public Task AppendAsync(ICibEvent @event, CancellationToken ct = default) => AppendAsync([NodeReport.Queued(@event, DateTimeOffset.UtcNow)], ct);

    /// <summary>
    /// The reports in one append (two appends to one stream take turns on its row, so there is no conflict to retry);
    /// nothing is retried here: the outbox in front keeps what failed and sends it again.
    /// </summary>
    public Task AppendAsync(IReadOnlyList<NodeReport> reports, CancellationToken ct = default) => log.AppendReportsAsync(nodeName, reports, ct);

    public Task<IReadOnlySet<Guid>> StoredAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct = default) => log.StoredAsync(ids, ct);
}

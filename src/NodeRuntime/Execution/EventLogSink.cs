using Cib.Domain;
using Cib.Domain.Fencing;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Projections.Store;
using Polly;
using Polly.Retry;

namespace NodeRuntime.Execution;

/// <summary>
/// Appends node runtime events to the CIB log: operation results to the resource's stream, fencing
/// outcomes to the target's fencing stream, stamped by the one stamper (<see cref="AppendMetadata.Stamp"/>) with this
/// node as the actor, the transition as correlation id and the action it answers as causation id. Through <see cref="CibEventLog"/>, not Marten
/// (the node's memory, docs/node-runtime.md); the events are the same Marten events.
/// </summary>
public sealed class EventLogSink(CibEventLog log, string nodeName) : IEventSink, IReportStore
{
    /// <summary>
    /// Two appends racing for the same stream (this node's report and an admin's clean-up of the resource) make one fail
    /// with a concurrency conflict: that one is appended again (up to 4 more times, 10 ms apart and growing). Nothing else
    /// is retried here: the outbox in front keeps a failed event and sends it again.
    /// </summary>
    private static readonly ResiliencePipeline ConflictRetry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(CibEventLog.IsConcurrencyConflict),
            MaxRetryAttempts = 4,
            BackoffType = DelayBackoffType.Linear,
            Delay = TimeSpan.FromMilliseconds(10),
            UseJitter = false,
        })
        .Build();

    public Task AppendAsync(ICibEvent @event, CancellationToken ct = default) => AppendAsync([NodeReport.Queued(@event, DateTimeOffset.UtcNow)], ct);

    public async Task AppendAsync(IReadOnlyList<NodeReport> reports, CancellationToken ct = default) =>
        await ConflictRetry.ExecuteAsync(async c => await log.AppendReportsAsync(nodeName, reports, c), ct);

    public Task<IReadOnlySet<Guid>> StoredAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct = default) => log.StoredAsync(ids, ct);
}

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
public sealed class EventLogSink(CibEventLog log, string nodeName) : IEventSink
{
    /// <summary>
    /// Two appends racing for the same stream (a monitor result and an action result) make one fail with a
    /// concurrency conflict: that one is appended again (up to 4 more times, 10 ms apart and growing). Nothing else
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

    public async Task AppendAsync(ICibEvent @event, CancellationToken ct = default)
    {
        var meta = AppendMetadata.Stamp(MetadataOf(nodeName, @event));
        var stream = StreamOf(@event);
        await ConflictRetry.ExecuteAsync(async c => await log.AppendAsync(stream, [@event], meta, c), ct);
    }

    public static string StreamOf(ICibEvent e) => StreamIds.OfNodeReport(e);

    /// <summary>This node's report stamped as every node runtime stamps it (<see cref="CommandMetadata.OfNodeReport"/>).</summary>
    public static CommandMetadata MetadataOf(string nodeName, ICibEvent e) => CommandMetadata.OfNodeReport(e, CommandMetadata.For(Actor.Node(nodeName)));
}

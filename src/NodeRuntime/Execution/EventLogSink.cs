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
/// outcomes to the target's fencing stream, stamped with this node as the actor (the <c>actor</c> header and the
/// user name) and the transition or fencing request as correlation id. Through <see cref="CibEventLog"/>, not Marten
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
        var actor = Actor.Node(nodeName).ToString();
        var headers = new Dictionary<string, object>(StringComparer.Ordinal) { [CommandMetadata.ActorHeader] = actor };
        var meta = new AppendMetadata(CorrelationOf(@event), null, actor, headers);
        var stream = StreamOf(@event);
        await ConflictRetry.ExecuteAsync(async c => await log.AppendAsync(stream, [@event], meta, c), ct);
    }

    public static string StreamOf(ICibEvent e) => e switch
    {
        ResourceOperationSucceeded s => StreamIds.ResourceOn(s.Resource, s.Node),
        ResourceOperationFailed f => StreamIds.ResourceOn(f.Resource, f.Node),
        NodeFenced n => StreamIds.Fencing(n.Target),
        FencingFailed f => StreamIds.Fencing(f.Target),
        FencedNodePowerOnFailed p => StreamIds.Fencing(p.Target),
        _ => throw new ArgumentException($"{e.GetType().Name} is not an event the node runtime reports", nameof(e)),
    };

    private static string? CorrelationOf(ICibEvent e) => e switch
    {
        ResourceOperationSucceeded s => s.Origin.TransitionId,
        ResourceOperationFailed f => f.Origin.TransitionId,
        NodeFenced n => n.RequestId,
        FencingFailed f => f.RequestId,
        FencedNodePowerOnFailed p => p.RequestId,
        _ => null,
    };
}

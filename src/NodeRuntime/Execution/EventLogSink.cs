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

    public static string StreamOf(ICibEvent e) => e switch
    {
        ResourceOperationSucceeded s => StreamIds.ResourceOn(s.Resource, s.Node),
        ResourceOperationFailed f => StreamIds.ResourceOn(f.Resource, f.Node),
        NodeFenced n => StreamIds.Fencing(n.Target),
        FencingFailed f => StreamIds.Fencing(f.Target),
        FencedNodePowerOnFailed p => StreamIds.Fencing(p.Target),
        _ => throw new ArgumentException($"{e.GetType().Name} is not an event the node runtime reports", nameof(e)),
    };

    /// <summary>
    /// A result's correlation is its transition; its causation is the action it answers (<c>t42/3</c>, the
    /// <c>ActionDispatched</c> of transition t42's action 3; a fence's request id has that form). A result of no
    /// transition (a recurring monitor, a probe at join) is its own cause.
    /// </summary>
    public static CommandMetadata MetadataOf(string nodeName, ICibEvent e)
    {
        var (transition, action) = e switch
        {
            ResourceOperationSucceeded s => (s.Origin.TransitionId, s.Origin.ActionId),
            ResourceOperationFailed f => (f.Origin.TransitionId, f.Origin.ActionId),
            NodeFenced n => Split(n.RequestId),
            FencingFailed f => Split(f.RequestId),
            FencedNodePowerOnFailed p => Split(p.RequestId),
            _ => (null, null),
        };
        var own = CommandMetadata.For(Actor.Node(nodeName));
        return transition is null ? own : own with { CorrelationId = transition, CausationId = action is { } a ? $"{transition}/{a}" : transition };
    }

    private static (string? Transition, int? Action) Split(string requestId)
    {
        var slash = requestId.LastIndexOf('/');
        return slash > 0 && int.TryParse(requestId[(slash + 1)..], out var action) ? (requestId[..slash], action) : (requestId, null);
    }
}

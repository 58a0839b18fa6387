using Cib.Domain;
using Cib.Domain.Fencing;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;

namespace Cib.Projections.Store;

/// <summary>
/// Who asked, and which request (correlation) and event or command (causation) led here. The causation id names the
/// cause: an event's id (Marten's <c>id</c>), or, for what a transition's action caused, the action
/// (<c>t42/3</c>: transition t42, action 3; its <c>ActionDispatched</c>). A command that starts a chain (an admin's change,
/// a node's clean shutdown) is its own cause: <see cref="For"/> gives it one id for both.
/// <see cref="RequestId"/>, when the client names its request (as an HTTP client's <c>Idempotency-Key</c> would), makes
/// a repeat of the command idempotent: the write path finds the events stamped with it and
/// answers what it answered the first time, appending nothing.
/// </summary>
public sealed record CommandMetadata(Actor Actor, string CorrelationId, string? CausationId = null, string? RequestId = null)
{
    public const string RequestHeader = "request-id";
    public const string ActorHeader = "actor";
    public const string ReasonHeader = "reason";
    public const string CommandsHeader = "commands";
    public const string ChangeHeader = "change";

    /// <summary>
    /// What a node runtime's report carries: its transition as correlation, the action it answers as causation
    /// (<c>t42/3</c>: the <c>ActionDispatched</c> of transition t42's action 3; a fence's request id has that form). A
    /// result of no transition (a recurring monitor, a probe at join) is its own cause: <paramref name="own"/>, the
    /// node's own command metadata.
    /// </summary>
    public static CommandMetadata OfNodeReport(ICibEvent e, CommandMetadata own)
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
        return transition is null ? own : own with { CorrelationId = transition, CausationId = action is { } a ? $"{transition}/{a}" : transition };
    }

    private static (string? Transition, int? Action) Split(string requestId)
    {
        var slash = requestId.LastIndexOf('/');
        return slash > 0 && int.TryParse(requestId[(slash + 1)..], out var action) ? (requestId[..slash], action) : (requestId, null);
    }

    /// <summary>A new command of <paramref name="actor"/>: a fresh id, its correlation and its causation.</summary>
    public static CommandMetadata For(Actor actor)
    {
        var id = Guid.CreateVersion7().ToString();
        return new(actor, id, id);
    }
}

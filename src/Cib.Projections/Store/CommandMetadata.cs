using Cib.Domain.Primitives;

namespace Cib.Projections.Store;

/// <summary>Who asked, and which request (correlation) and event or command (causation) led here.</summary>
public sealed record CommandMetadata(Actor Actor, string CorrelationId, string? CausationId = null)
{
    public const string ActorHeader = "actor";
    public const string ReasonHeader = "reason";
    public const string CommandsHeader = "commands";
    public const string ChangeHeader = "change";

    public static CommandMetadata For(Actor actor) => new(actor, Guid.CreateVersion7().ToString());
}

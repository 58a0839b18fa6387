using Cib.Domain.Primitives;
using Cib.Domain.Users;
using Cib.Projections.Store;

namespace Audit.Api.Commands;

/// <summary>
/// Who sends the command in this request, with which role, and the client's name for the request (the
/// <c>Idempotency-Key</c> header): filled from the authenticated request, never from its body.
/// </summary>
public sealed class CommandContext
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public Actor? Actor { get; set; }
    public UserRole? Role { get; set; }
    public string? RequestId { get; set; }

    /// <summary>The configuration version the client based a change on (<c>If-Match</c>), if it named one.</summary>
    public long? ExpectedVersion { get; set; }

    /// <summary>The metadata every event of this command carries: the actor, a fresh correlation, and the request id.</summary>
    public CommandMetadata Metadata() =>
        CommandMetadata.For(Actor ?? throw new InvalidOperationException("a command without an authenticated actor")) with { RequestId = RequestId };
}

/// <summary>A cluster command: what role it needs (checked by <see cref="AuthorizeBehavior{TMessage, TResponse}"/>, once for every way in).</summary>
public interface IClusterCommand : Mediator.ICommand<CommandResult>, IRequiresRole;

/// <summary>A query of the cluster (status, configuration, history, replay): the role it needs, checked like a command's.</summary>
public interface IClusterQuery<out TResponse> : Mediator.IQuery<TResponse>, IRequiresRole;

/// <summary>What the one authorisation reads, for commands and queries alike.</summary>
public interface IRequiresRole
{
    UserRole Needs { get; }
}

/// <summary>
/// What a command did: the events it appended (none when there was nothing to change), whether this was a repeat of a
/// request already carried out, and the transition the cluster now calls for (<see cref="Transition"/>: the planner's
/// summary on the configuration and status right after the append, empty when nothing needs doing; the active
/// controller plans and records the transition itself).
/// </summary>
public sealed record CommandResult(IReadOnlyList<AppendedEvent> Events, long? ConfigurationVersion, bool Repeated)
{
    public IReadOnlyList<string> Transition { get; init; } = [];
}

/// <summary>One appended event: its stored name and its data.</summary>
public sealed record AppendedEvent(string Type, object Data);

/// <summary>The user's role does not allow the command.</summary>
public sealed class ForbiddenException(string message) : Exception(message);

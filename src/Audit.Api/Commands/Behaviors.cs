using Cib.Domain.Users;
using Mediator;

namespace Audit.Api.Commands;

/// <summary>
/// The one authorisation of commands and queries, whatever sends them (an API endpoint, hactl through it, the console):
/// a role below the message's <see cref="IRequiresRole.Needs"/> is refused before the handler runs.
/// </summary>
public sealed class AuthorizeBehavior<TMessage, TResponse>(CommandContext context) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IRequiresRole, IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (context.Actor is null || context.Role is not { } role)
            throw new UnauthorizedAccessException("a command or query needs an authenticated user");
        if (role < message.Needs)
            throw new ForbiddenException($"{message.GetType().Name} needs the {message.Needs.ToString().ToLowerInvariant()} role; {context.Actor.Name} is {role.ToString().ToLowerInvariant()}");
        return next(message, cancellationToken);
    }
}

/// <summary>
/// Every command's answer carries the transition its events call for: the planner's summary on the configuration and
/// the status right after the append (what the active controller plans next, unless something else happens first).
/// A refused command, a repeat, or one that changed nothing has none.
/// </summary>
public sealed class TransitionBehavior<TMessage, TResponse>(Status.StatusFeed feed, TimeProvider time) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IClusterCommand
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var response = await next(message, cancellationToken);
        if (response is not CommandResult { Repeated: false, Events.Count: > 0 } result) return response;
        // The state right after the append: the status feed's, with the log after it (the command's events included).
        var (configuration, status, position) = await feed.StateAsync(cancellationToken);
        var plan = Cib.Projections.Planning.TransitionPlanner.Plan(configuration, status, position, time.GetUtcNow());
        return (TResponse)(object)(result with { Transition = [.. plan.Summary] });
    }
}

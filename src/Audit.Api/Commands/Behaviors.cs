using Cib.Domain.Users;
using Mediator;

namespace Audit.Api.Commands;

/// <summary>
/// The one authorisation of commands, whatever sends them (an API endpoint today, the console next): a role below the
/// command's <see cref="IClusterCommand.Needs"/> is refused before the handler runs.
/// </summary>
public sealed class AuthorizeBehavior<TMessage, TResponse>(CommandContext context) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IClusterCommand
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (context.Actor is null || context.Role is not { } role)
            throw new UnauthorizedAccessException("a command needs an authenticated user");
        if (role < message.Needs)
            throw new ForbiddenException($"{message.GetType().Name} needs the {message.Needs.ToString().ToLowerInvariant()} role; {context.Actor.Name} is {role.ToString().ToLowerInvariant()}");
        return next(message, cancellationToken);
    }
}

namespace Cib.Domain.Primitives;

/// <summary>
/// A command that cannot be carried out in the current state. <see cref="Code"/> is stable
/// (used by the API's problem+json "type"), <see cref="Message"/> names the command and the state.
/// </summary>
public sealed record DomainError(string Code, string Message, string? Subject = null)
{
    public override string ToString() => Subject is null ? $"{Code}: {Message}" : $"{Code} ({Subject}): {Message}";
}

/// <summary>Raised by the write path when a decider refuses a command.</summary>
public sealed class DomainException(IReadOnlyList<DomainError> errors)
    : Exception(string.Join("; ", errors.Select(e => e.ToString())))
{
    public IReadOnlyList<DomainError> Errors { get; } = errors;
}

/// <summary>Either the events a command produced or the errors that refused it.</summary>
public readonly record struct Decision<TEvent>(IReadOnlyList<TEvent> Events, IReadOnlyList<DomainError> Errors)
{
    public bool IsAccepted => Errors.Count == 0;
    public static Decision<TEvent> Accept(IReadOnlyList<TEvent> events) => new(events, []);
    public static Decision<TEvent> Refuse(params DomainError[] errors) => new([], errors);
    public static Decision<TEvent> Refuse(IReadOnlyList<DomainError> errors) => new([], errors);
}

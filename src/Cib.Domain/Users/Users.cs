using System.Collections.Immutable;
using Cib.Domain.Primitives;

namespace Cib.Domain.Users;

/// <summary>
/// What a user may do: an auditor reads (status, configuration, history); an operator also runs resource and node
/// commands, clean-ups and fencing; an admin also changes the configuration and the users. Each role includes the ones before it.
/// </summary>
public enum UserRole { Auditor, Operator, Admin }

/// <summary>An event of the users stream (who may use the API, with which role). Passwords are never events: their hashes live beside the log.</summary>
public interface IUserEvent : ICibEvent
{
    string Name { get; }
}

public sealed record UserAdded(string Name, UserRole Role, DateTimeOffset At) : IUserEvent;
public sealed record UserRoleChanged(string Name, UserRole Role, DateTimeOffset At) : IUserEvent;
/// <summary>The user's password was set anew (the hash is not in the log: an auditor reading the log must not read it).</summary>
public sealed record UserPasswordChanged(string Name, DateTimeOffset At) : IUserEvent;
public sealed record UserRemoved(string Name, DateTimeOffset At) : IUserEvent;

public abstract record UserCommand(string Name);
public sealed record AddUser(string Name, UserRole Role) : UserCommand(Name);
public sealed record ChangeUserRole(string Name, UserRole Role) : UserCommand(Name);
public sealed record ChangeUserPassword(string Name) : UserCommand(Name);
public sealed record RemoveUser(string Name) : UserCommand(Name);

/// <summary>The users and their roles, folded from the users stream.</summary>
public sealed record UsersState(ImmutableSortedDictionary<string, UserRole> Roles)
{
    public static readonly UsersState Empty = new(ImmutableSortedDictionary.Create<string, UserRole>(StringComparer.Ordinal));

    public UserRole? RoleOf(string name) => Roles.TryGetValue(name, out var r) ? r : null;
}

public static class UserDecider
{
    /// <summary>A user name: 1 to 64 of letters, digits, '.', '_', '-' and '@', starting with a letter or digit (no separators, quotes or control characters).</summary>
    public static bool IsValidName(string name) =>
        name.Length is >= 1 and <= 64 && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@');

    public static Decision<IUserEvent> Decide(UserCommand command, UsersState state, DateTimeOffset at)
    {
        if (!IsValidName(command.Name))
            return Decision<IUserEvent>.Refuse(new DomainError("user-name-invalid",
                "a user name is 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit", command.Name));
        var current = state.RoleOf(command.Name);
        if (command is AddUser add)
            return current is null
                ? Decision<IUserEvent>.Accept([new UserAdded(add.Name, add.Role, at)])
                : Decision<IUserEvent>.Refuse(new DomainError("user-exists", $"user {add.Name} exists already", add.Name));
        if (current is not { } role)
            return Decision<IUserEvent>.Refuse(new DomainError("user-unknown", $"there is no user {command.Name}", command.Name));
        // The cluster must never lose its last admin: nobody could then manage users again but from the store host.
        var lastAdmin = role == UserRole.Admin && state.Roles.Count(r => r.Value == UserRole.Admin) == 1;
        return command switch
        {
            ChangeUserRole c when c.Role == role => Decision<IUserEvent>.Accept([]),
            ChangeUserRole c when lastAdmin => Decision<IUserEvent>.Refuse(new DomainError("last-admin", $"{c.Name} is the last admin", c.Name)),
            ChangeUserRole c => Decision<IUserEvent>.Accept([new UserRoleChanged(c.Name, c.Role, at)]),
            ChangeUserPassword p => Decision<IUserEvent>.Accept([new UserPasswordChanged(p.Name, at)]),
            RemoveUser r when lastAdmin => Decision<IUserEvent>.Refuse(new DomainError("last-admin", $"{r.Name} is the last admin", r.Name)),
            RemoveUser r => Decision<IUserEvent>.Accept([new UserRemoved(r.Name, at)]),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, "unknown user command"),
        };
    }

    public static UsersState Evolve(UsersState state, IUserEvent e) => e switch
    {
        UserAdded a => state with { Roles = state.Roles.SetItem(a.Name, a.Role) },
        UserRoleChanged c => state with { Roles = state.Roles.SetItem(c.Name, c.Role) },
        UserRemoved r => state with { Roles = state.Roles.Remove(r.Name) },
        _ => state,
    };

    public static UsersState Fold(IEnumerable<IUserEvent> events) => events.Aggregate(UsersState.Empty, Evolve);
}

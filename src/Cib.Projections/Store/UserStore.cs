using Cib.Domain;
using Cib.Domain.Primitives;
using Cib.Domain.Users;
using Marten;
using Microsoft.AspNetCore.Identity;

namespace Cib.Projections.Store;

/// <summary>
/// The users: who may use the API and with which role (events of the <see cref="StreamIds.Users"/> stream, written
/// through the one stamper like every append) and their password hashes (<c>cib.ha_credentials</c>, migration 0005, in
/// the same transaction as the event, never in the log). Hashing is ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>
/// (PBKDF2 with a random salt); a hash of an older format is rehashed on the next successful check.
/// </summary>
public sealed class UserStore(IDocumentStore store)
{
    /// <summary>The shortest password accepted.</summary>
    public const int MinimumPasswordLength = 12;

    private static readonly PasswordHasher<string> Hasher = new();

    public async Task<(UsersState State, long Version)> LoadAsync(CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(StreamIds.Users, token: ct);
        return (UserDecider.Fold(events.Select(e => e.Data).OfType<IUserEvent>()), events.Count == 0 ? 0 : events[^1].Version);
    }

    /// <summary>
    /// Carries out one user command as <paramref name="meta"/>'s actor. <paramref name="password"/> is required when adding
    /// a user or changing a password, and ignored otherwise. Refusals are <see cref="DomainException"/>s with stable codes.
    /// </summary>
    public async Task<IReadOnlyList<IUserEvent>> ChangeAsync(UserCommand command, string? password, CommandMetadata meta, CancellationToken ct = default)
    {
        var needsPassword = command is AddUser or ChangeUserPassword;
        await using var session = store.LightweightSession();
        var events = await session.Events.FetchStreamAsync(StreamIds.Users, token: ct);
        var state = UserDecider.Fold(events.Select(e => e.Data).OfType<IUserEvent>());
        var decision = UserDecider.Decide(command, state, DateTimeOffset.UtcNow);
        if (!decision.IsAccepted) throw new DomainException(decision.Errors);
        if (needsPassword && (password ?? "").Length < MinimumPasswordLength)
            throw new DomainException([new DomainError("password-too-short", $"a password has at least {MinimumPasswordLength} characters", command.Name)]);
        if (decision.Events.Count == 0) return [];
        ConfigurationWriter.Stamp(session, meta, $"user {command.GetType().Name} {command.Name}", null);
        session.Events.Append(StreamIds.Users, (events.Count == 0 ? 0 : events[^1].Version) + decision.Events.Count, decision.Events.Cast<object>().ToArray());
        if (needsPassword)
            session.QueueSqlCommand("""
                INSERT INTO cib.ha_credentials (name, hash) VALUES (?, ?)
                ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, changed_at = clock_timestamp()
                """, command.Name, Hasher.HashPassword(command.Name, password!));
        if (command is RemoveUser)
            session.QueueSqlCommand("DELETE FROM cib.ha_credentials WHERE name = ?", command.Name);
        await session.SaveChangesAsync(ct);
        return decision.Events;
    }

    /// <summary>The user's role when the password is theirs; null otherwise (unknown user, removed user, wrong password: one answer).</summary>
    public async Task<UserRole?> VerifyAsync(string name, string password, CancellationToken ct = default)
    {
        if (!UserDecider.IsValidName(name)) return null;
        await using var session = store.LightweightSession();
        var hash = (await session.AdvancedSql.QueryAsync<string>("SELECT hash FROM cib.ha_credentials WHERE name = ?", ct, name)).SingleOrDefault();
        if (hash is null)
        {
            // Spend the same time as a check, so that a wrong name is not told apart from a wrong password by the clock.
            Hasher.VerifyHashedPassword(name, Decoy, password);
            return null;
        }
        var result = Hasher.VerifyHashedPassword(name, hash, password);
        if (result == PasswordVerificationResult.Failed) return null;
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            session.QueueSqlCommand("UPDATE cib.ha_credentials SET hash = ? WHERE name = ? AND hash = ?", Hasher.HashPassword(name, password), name, hash);
            await session.SaveChangesAsync(ct);
        }
        return (await RoleOfAsync(name, ct));
    }

    /// <summary>The user's current role, or null when there is no such user (any more).</summary>
    public async Task<UserRole?> RoleOfAsync(string name, CancellationToken ct = default) => (await LoadAsync(ct)).State.RoleOf(name);

    private static readonly string Decoy = Hasher.HashPassword("decoy", "a password nobody has");
}

using System.Security.Claims;
using System.Security.Cryptography;
using Npgsql;

namespace Audit.Api.Security;

/// <summary>
/// Logouts that every node's API honours (<c>cib.ha_revoked_sessions</c>, migration 0014). Each session cookie and bearer
/// token carries a random session id (<see cref="ClaimType"/>) from its login; a logout records that id until the
/// credential would have expired anyway, and a credential whose id is recorded is treated as no credential at all (401).
/// The check is one primary-key lookup per authenticated request, beside the user's role that is read for each request
/// too (<see cref="CurrentUser"/>), so a logout at one node's API holds at once at every other.
/// </summary>
public sealed class SessionRevocations(NpgsqlDataSource store)
{
    public const string ClaimType = "ha-sid";

    public static Claim NewClaim() => new(ClaimType, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));

    public async Task RevokeAsync(string sid, DateTimeOffset expiresAt, CancellationToken ct)
    {
        await using var command = store.CreateCommand(
            "INSERT INTO cib.ha_revoked_sessions (sid, expires_at) VALUES ($1, $2) ON CONFLICT (sid) DO NOTHING");
        command.Parameters.AddWithValue(sid);
        command.Parameters.AddWithValue(expiresAt.UtcDateTime);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<bool> IsRevokedAsync(string sid, CancellationToken ct)
    {
        await using var command = store.CreateCommand("SELECT EXISTS (SELECT 1 FROM cib.ha_revoked_sessions WHERE sid = $1)");
        command.Parameters.AddWithValue(sid);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }
}

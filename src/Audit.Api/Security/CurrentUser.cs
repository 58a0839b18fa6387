using System.Security.Claims;
using Cib.Projections.Store;

namespace Audit.Api.Security;

/// <summary>
/// A token names a user and the role it had at login; the users stream says what holds now. A removed user's token stops
/// working at once (the request is anonymous, so 401), and a changed role applies at once.
/// </summary>
public sealed class CurrentUser(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http, UserStore users, SessionRevocations revocations)
    {
        if (http.User.Identity is { IsAuthenticated: true, Name: { } name } identity)
        {
            // A credential ended by a logout is no credential (credentials from before session ids carry none).
            var sid = http.User.FindFirst(SessionRevocations.ClaimType);
            var role = sid is not null && await revocations.IsRevokedAsync(sid.Value, http.RequestAborted)
                ? null
                : await users.RoleOfAsync(name, http.RequestAborted);
            http.User = role is null
                ? new ClaimsPrincipal(new ClaimsIdentity())
                : new ClaimsPrincipal(new ClaimsIdentity(
                    new[] { new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role.Value.ToString()) }.Concat(sid is null ? [] : [sid]),
                    identity.AuthenticationType));
        }
        await next(http);
    }
}

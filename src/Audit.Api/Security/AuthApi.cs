using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Cib.Projections.Store;
using Microsoft.AspNetCore.Authentication.BearerToken;

namespace Audit.Api.Security;

/// <summary>Login: a user name and password for a bearer token (the response of ASP.NET Core's bearer token handler: tokenType, accessToken, expiresIn).</summary>
public static class AuthApi
{
    public const string LoginPolicy = "login";
    /// <summary>The default scheme: a bearer token when the request has an Authorization header, else the console's session cookie.</summary>
    public const string Scheme = "token-or-session";
    public const string SessionScheme = "session";

    public sealed record LoginRequest([property: Required] string Name, [property: Required] string Password);

    public static void MapAuthApi(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/token", (LoginRequest login, UserStore users, CancellationToken ct) =>
            SignInAsync(login, users, BearerTokenDefaults.AuthenticationScheme, ct)).AllowAnonymous().RequireRateLimiting(LoginPolicy)
          .WithName("Login").WithSummary("a bearer token for a user name and password (rate limited per client)")
          .Produces<Microsoft.AspNetCore.Authentication.BearerToken.AccessTokenResponse>()
          .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapPost("/auth/session", (LoginRequest login, UserStore users, CancellationToken ct) => SignInAsync(login, users, SessionScheme, ct))
            .AllowAnonymous().RequireRateLimiting(LoginPolicy)
            .WithName("StartSession").WithSummary("the console's login: a session cookie (HttpOnly, SameSite=Strict) for a user name and password (rate limited)")
            .Produces(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapDelete("/auth/session", async (HttpContext http, SessionRevocations revocations, IConfiguration config, TimeProvider time, CancellationToken ct) =>
            {
                // The cookie's session ends everywhere, not only in this browser: a copy of it is refused from now on.
                if (http.User.Identity?.AuthenticationType == SessionScheme && http.User.FindFirst(SessionRevocations.ClaimType) is { } sid)
                    await revocations.RevokeAsync(sid.Value, time.GetUtcNow() + CredentialLifetime(config), ct);
                return Results.SignOut(authenticationSchemes: [SessionScheme]);
            }).AllowAnonymous()
            .WithName("EndSession").WithSummary("log the console out: the session ends at every node's API and the cookie is removed").Produces(StatusCodes.Status200OK);
        api.MapDelete("/auth/token", async (HttpContext http, SessionRevocations revocations, IConfiguration config, TimeProvider time, CancellationToken ct) =>
            {
                if (http.User.Identity?.AuthenticationType != BearerTokenDefaults.AuthenticationScheme)
                    return Problems.Result(StatusCodes.Status400BadRequest, "not-a-token", "this request carries no bearer token to end (the console logs out at DELETE /auth/session)");
                if (http.User.FindFirst(SessionRevocations.ClaimType) is not { } sid)
                    return Problems.Result(StatusCodes.Status400BadRequest, "token-without-session",
                        "this token was issued before logouts were recorded and cannot be ended; it expires by itself");
                await revocations.RevokeAsync(sid.Value, time.GetUtcNow() + CredentialLifetime(config), ct);
                return Results.NoContent();
            })
            .WithMetadata(new AppendsNothing())
            .WithName("Logout").WithSummary("end the bearer token the request carries, at every node's API (hactl logout); any user, for their own token")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized);
    }

    /// <summary>How long a token or session cookie can live (Api:TokenHours, 8 by default): a recorded logout need not outlive it.</summary>
    public static TimeSpan CredentialLifetime(IConfiguration config) => TimeSpan.FromHours(config.GetValue("Api:TokenHours", 8));

    private static async Task<IResult> SignInAsync(LoginRequest login, UserStore users, string scheme, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(login.Name) || string.IsNullOrEmpty(login.Password))
            return Problems.Result(StatusCodes.Status400BadRequest, "login-incomplete", "a login needs a name and a password");
        var role = await users.VerifyAsync(login.Name, login.Password, ct);
        if (role is null) return Problems.Result(StatusCodes.Status401Unauthorized, "login-failed", "unknown user or wrong password");
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, login.Name), new Claim(ClaimTypes.Role, role.Value.ToString()),
            SessionRevocations.NewClaim()], scheme);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: scheme);
    }
}

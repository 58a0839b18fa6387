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
        api.MapDelete("/auth/session", () => Results.SignOut(authenticationSchemes: [SessionScheme])).AllowAnonymous()
            .WithName("EndSession").WithSummary("log the console out: the session cookie is removed").Produces(StatusCodes.Status200OK);
    }

    private static async Task<IResult> SignInAsync(LoginRequest login, UserStore users, string scheme, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(login.Name) || string.IsNullOrEmpty(login.Password))
            return Problems.Result(StatusCodes.Status400BadRequest, "login-incomplete", "a login needs a name and a password");
        var role = await users.VerifyAsync(login.Name, login.Password, ct);
        if (role is null) return Problems.Result(StatusCodes.Status401Unauthorized, "login-failed", "unknown user or wrong password");
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, login.Name), new Claim(ClaimTypes.Role, role.Value.ToString())], scheme);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: scheme);
    }
}

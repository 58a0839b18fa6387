using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Cib.Projections.Store;
using Microsoft.AspNetCore.Authentication.BearerToken;

namespace Audit.Api.Security;

/// <summary>Login: a user name and password for a bearer token (the response of ASP.NET Core's bearer token handler: tokenType, accessToken, expiresIn).</summary>
public static class AuthApi
{
    public const string LoginPolicy = "login";

    public sealed record LoginRequest([property: Required] string Name, [property: Required] string Password);

    public static void MapAuthApi(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/token", async (LoginRequest login, UserStore users, CancellationToken ct) =>
        {
            if (string.IsNullOrEmpty(login.Name) || string.IsNullOrEmpty(login.Password))
                return Problems.Result(StatusCodes.Status400BadRequest, "login-incomplete", "a login needs a name and a password");
            var role = await users.VerifyAsync(login.Name, login.Password, ct);
            if (role is null) return Problems.Result(StatusCodes.Status401Unauthorized, "login-failed", "unknown user or wrong password");
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, login.Name), new Claim(ClaimTypes.Role, role.Value.ToString())],
                BearerTokenDefaults.AuthenticationScheme);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: BearerTokenDefaults.AuthenticationScheme);
        }).AllowAnonymous().RequireRateLimiting(LoginPolicy)
          .WithName("Login").WithSummary("a bearer token for a user name and password (rate limited per client)")
          .Produces<Microsoft.AspNetCore.Authentication.BearerToken.AccessTokenResponse>()
          .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);
    }
}

using Audit.Api.Security;
using Cib.Domain.Primitives;
using Cib.Domain.Users;
using Cib.Projections.Store;

namespace Audit.Api.Users;

/// <summary>Users and roles (admins only): list, add, change role or password, remove. The actor of each change is the logged-in admin.</summary>
public static class UsersApi
{
    public sealed record UserView(string Name, UserRole Role);
    public sealed record NewUser(string Name, UserRole Role, string Password);
    public sealed record UserChange(UserRole? Role, string? Password);

    public static void MapUsersApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").RequireAuthorization(Roles.Admin);
        users.MapGet("/", async (UserStore store, CancellationToken ct) =>
            (await store.LoadAsync(ct)).State.Roles.Select(r => new UserView(r.Key, r.Value)).ToList());
        users.MapPost("/", async (NewUser body, UserStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.ChangeAsync(new AddUser(body.Name, body.Role), body.Password, Meta(http), ct);
            return Results.Created($"{ApiHost.ApiBase}/users/{body.Name}", new UserView(body.Name, body.Role));
        });
        users.MapPatch("/{name}", async (string name, UserChange body, UserStore store, HttpContext http, CancellationToken ct) =>
        {
            if (body.Role is { } role) await store.ChangeAsync(new ChangeUserRole(name, role), null, Meta(http), ct);
            if (body.Password is { } password) await store.ChangeAsync(new ChangeUserPassword(name), password, Meta(http), ct);
            return Results.NoContent();
        });
        users.MapDelete("/{name}", async (string name, UserStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.ChangeAsync(new RemoveUser(name), null, Meta(http), ct);
            return Results.NoContent();
        });
    }

    /// <summary>The authenticated user is the actor: never a name the client supplies.</summary>
    public static CommandMetadata Meta(HttpContext http) => CommandMetadata.For(Actor.User(http.User.Identity!.Name!));
}

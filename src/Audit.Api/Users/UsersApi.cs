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
            (await store.LoadAsync(ct)).State.Roles.Select(r => new UserView(r.Key, r.Value)).ToList())
            .WithName("ListUsers").WithSummary("the users and their roles");
        users.MapPost("/", async (NewUser body, UserStore store, HttpContext http, CancellationToken ct) =>
        {
            // JSON may leave out what the record requires, or carry a role by a number no role has.
            if (string.IsNullOrEmpty(body.Name) || string.IsNullOrEmpty(body.Password))
                return Problems.Result(StatusCodes.Status400BadRequest, "user-incomplete", "a new user needs a name, a role and a password");
            if (!Enum.IsDefined(body.Role))
                return UnknownRole();
            await store.ChangeAsync(new AddUser(body.Name, body.Role), body.Password, Meta(http), ct);
            return Results.Created($"{ApiHost.ApiBase}/users/{body.Name}", new UserView(body.Name, body.Role));
        }).WithName("AddUser").WithSummary("create a user with a role and a password (at least 12 characters)")
          .Produces<UserView>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        users.MapPatch("/{name}", async (string name, UserChange body, UserStore store, HttpContext http, CancellationToken ct) =>
        {
            if (body.Role is { } unknown && !Enum.IsDefined(unknown))
                return UnknownRole();
            if (body.Role is { } role) await store.ChangeAsync(new ChangeUserRole(name, role), null, Meta(http), ct);
            if (body.Password is { } password) await store.ChangeAsync(new ChangeUserPassword(name), password, Meta(http), ct);
            return Results.NoContent();
        }).WithName("ChangeUser").WithSummary("change a user's role and/or password")
          .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        users.MapDelete("/{name}", async (string name, UserStore store, HttpContext http, CancellationToken ct) =>
        {
            await store.ChangeAsync(new RemoveUser(name), null, Meta(http), ct);
            return Results.NoContent();
        }).WithName("RemoveUser").WithSummary("remove a user: its tokens stop working at once")
          .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    /// <summary>400 role-unknown: JSON may carry a role by a number no role has.</summary>
    private static IResult UnknownRole() =>
        Problems.Result(StatusCodes.Status400BadRequest, "role-unknown", $"unknown role: expected one of {string.Join(", ", Enum.GetNames<UserRole>())}");

    /// <summary>The authenticated user is the actor: never a name the client supplies.</summary>
    public static CommandMetadata Meta(HttpContext http) => CommandMetadata.For(Actor.User(http.User.Identity!.Name!));
}

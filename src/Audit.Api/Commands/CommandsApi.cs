using System.Security.Claims;
using Cib.Domain.Primitives;
using Cib.Domain.Users;
using Mediator;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;

namespace Audit.Api.Commands;

/// <summary>
/// The operators' commands over HTTP: each endpoint turns the request into a command and sends it through the mediator,
/// whose pipeline authorises it (<see cref="AuthorizeBehavior{TMessage, TResponse}"/>); the handler appends through the
/// one write path. A repeat with the same <c>Idempotency-Key</c> gets the first answer (<c>repeated: true</c>).
/// </summary>
public static class CommandsApi
{
    /// <summary>The node of a move or ban, and optionally its lifetime (ISO 8601 duration, e.g. PT1H).</summary>
    public sealed record NodeBody(string Node, string? Lifetime = null);
    public sealed record MaintenanceBody([property: System.Text.Json.Serialization.JsonRequired] bool Enabled);

    public static void MapCommandsApi(this RouteGroupBuilder api)
    {
        var commands = api.MapGroup("").AddEndpointFilter(FillContext);
        var resources = commands.MapGroup("/resources/{id}");
        Command(resources.MapPost("/start", (string id) => new SetTargetRole(id, "Started")), "StartResource", "crm resource start: target-role=Started");
        Command(resources.MapPost("/stop", (string id) => new SetTargetRole(id, "Stopped")), "StopResource", "crm resource stop: target-role=Stopped");
        Command(resources.MapPost("/manage", (string id) => new SetManaged(id, true)), "ManageResource", "crm resource manage: is-managed=true");
        Command(resources.MapPost("/unmanage", (string id) => new SetManaged(id, false)), "UnmanageResource", "crm resource unmanage: is-managed=false");
        Command(resources.MapPost("/cleanup", (string id, string? node) => new Cleanup(id, node)), "CleanupResource",
            "crm resource cleanup: forget the resource's failures (?node=N: on one node)");
        Command(resources.MapPost("/refresh", (string id, string? node) => new Refresh(id, node)), "RefreshResource",
            "crm resource refresh: forget the resource's operation history (?node=N: on one node), so probes rediscover it");
        Command(resources.MapPost("/restart", (string id, int? timeout) => new Restart(id, TimeSpan.FromSeconds(Math.Clamp(timeout ?? 60, 1, 600)))),
            "RestartResource", "crm resource restart: stop, wait until it runs nowhere (?timeout=S, default 60), start again");
        Command(resources.MapDelete("/failcounts", (string id, string? node) => new DeleteFailCount(id, node)), "DeleteFailCount",
            "crm resource failcount ID delete: reset the fail counts (?node=N: on one node); the history stays");
        resources.MapGet("/failcounts", async (string id, ISender sender, CancellationToken ct) =>
            await sender.Send(new Queries.GetFailCounts(id), ct) is { } counts
                ? Results.Ok(counts)
                : Problems.Result(StatusCodes.Status404NotFound, "unknown-resource", $"no such resource '{id}'"))
          .WithName("GetFailCounts").WithSummary("crm resource failcount ID show: the fail counts per node (a group: its members')")
          .Produces<List<StatusView.FailCountView>>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        Command(resources.MapPost("/move", (string id, NodeBody body) => new Move(id, body.Node, body.Lifetime)), "MoveResource",
            "crm resource move: location cli-prefer-ID, INFINITY on the node (with a lifetime: until its end)");
        Command(resources.MapPost("/ban", (string id, NodeBody body) => new Ban(id, body.Node, body.Lifetime)), "BanResource",
            "crm resource ban: location cli-ban-ID-on-NODE, -INFINITY (with a lifetime: until its end)");
        Command(resources.MapPost("/clear", (string id) => new Clear(id)), "ClearResource", "crm resource clear: drop what move and ban left");
        var nodes = commands.MapGroup("/nodes/{name}");
        Command(nodes.MapPost("/standby", (string name) => new SetStandby(name, true)), "StandbyNode", "crm node standby");
        Command(nodes.MapPost("/online", (string name) => new SetStandby(name, false)), "OnlineNode", "crm node online");
        Command(nodes.MapPost("/maintenance", (string name) => new SetNodeMaintenanceMode(name, true)), "NodeMaintenance", "crm node maintenance");
        Command(nodes.MapPost("/fence", (string name) => new Fence(name)), "FenceNode",
            "crm node fence: the cluster fences the node through its devices, recorded like any fencing");
        Command(nodes.MapPost("/ready", (string name) => new SetNodeMaintenanceMode(name, false)), "NodeReady", "crm node ready");
        Command(commands.MapPost("/cluster/cleanup", (string? node) => new CleanupAll(node)), "CleanupAll",
            "crm resource cleanup (no resource): every resource that failed, as a clean-up of each (?node=N: on one node)");
        Command(resources.MapPost("/maintenance", (string id, MaintenanceBody body) => new SetResourceMaintenance(id, body.Enabled)), "ResourceMaintenance",
            "crm resource maintenance ID on|off: meta maintenance (neither started, stopped nor monitored)");
        Command(commands.MapPost("/cluster/maintenance", (MaintenanceBody body) => new SetClusterMaintenance(body.Enabled)), "ClusterMaintenance",
            "property maintenance-mode: the whole cluster unmanaged, or managed again");
    }

    /// <summary>Each endpoint's body only builds the command; this sends it and answers with what it did.</summary>
    private static void Command(RouteHandlerBuilder endpoint, string name, string summary) =>
        endpoint.AddEndpointFilter(async (invocation, next) =>
            {
                var command = (IClusterCommand)(await next(invocation))!;
                var sender = invocation.HttpContext.RequestServices.GetRequiredService<ISender>();
                return Results.Ok(await sender.Send(command, invocation.HttpContext.RequestAborted));
            })
            .WithName(name).WithSummary(summary)
            .Produces<CommandResult>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

    /// <summary>The actor and role are the authenticated user's; the request id is the client's Idempotency-Key (plain printable text, at most 200 characters).</summary>
    public static async ValueTask<object?> FillContext(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        var context = http.RequestServices.GetRequiredService<CommandContext>();
        if (http.User.Identity?.Name is { } name && Enum.TryParse<UserRole>(http.User.FindFirstValue(ClaimTypes.Role), out var role))
            (context.Actor, context.Role) = (Actor.User(name), role);
        if (http.Request.Headers[CommandContext.IdempotencyHeader].FirstOrDefault() is { } key)
        {
            if (key.Length is 0 or > 200 || key.Any(c => c < 0x21 || c > 0x7e))
                return Problems.Result(StatusCodes.Status400BadRequest, "idempotency-key-invalid", "an Idempotency-Key is 1 to 200 printable ASCII characters");
            context.RequestId = key;
        }
        if (http.Request.Headers.IfMatch.Count > 0)
        {
            if (!Configuration.ConfigurationApi.TryVersion(http.Request.Headers.IfMatch.ToString(), out var expected))
                return Problems.Result(StatusCodes.Status400BadRequest, "if-match-invalid", "If-Match is the configuration version in quotes, e.g. \"12\"");
            context.ExpectedVersion = expected;
        }
        return await next(invocation);
    }
}

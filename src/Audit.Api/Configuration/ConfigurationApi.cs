using System.Text;
using Audit.Api.Commands;
using Audit.Api.Security;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Resources;
using Cib.Interop.Crm;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;
using Marten;
using Microsoft.Net.Http.Headers;

namespace Audit.Api.Configuration;

/// <summary>
/// The configuration as crm text (or JSON), versioned: the <c>ETag</c> is the configuration version; a replace or update
/// names the version it was based on in <c>If-Match</c> (428 without, 412 when stale: another change came first). Verify
/// checks a text, or the stored configuration, and shows the transition it would cause, appending nothing.
/// </summary>
public static class ConfigurationApi
{
    public sealed record ConfigurationJson(long Version, IReadOnlyDictionary<string, string> Properties, IReadOnlyDictionary<string, string> ResourceDefaults,
        IReadOnlyDictionary<string, string> OperationDefaults, IReadOnlyList<NodeJson> Nodes, IReadOnlyList<object> Resources, IReadOnlyList<ConstraintData> Constraints);

    public sealed record NodeJson(string Name, IReadOnlyDictionary<string, string> Attributes);

    public sealed record ErrorJson(int Line, int Column, string Token, string Code, string Message);

    public sealed record VerifyJson(bool Valid, long Version, IReadOnlyList<ErrorJson> Errors, IReadOnlyList<string> Changes, IReadOnlyList<string> Transition);

    public sealed record LoadedJson(long PreviousVersion, long Version, IReadOnlyList<string> Changes, int Events, bool Repeated);

    public static void MapConfigurationApi(this RouteGroupBuilder api)
    {
        var configuration = api.MapGroup("/configuration");
        configuration.MapGet("/", async (HttpContext http, Mediator.ISender sender, CancellationToken ct) =>
        {
            var (state, version) = await sender.Send(new Queries.GetConfiguration(), ct);
            http.Response.Headers.ETag = ETag(version);
            return WantsJson(http) ? Results.Ok(Json(state, version)) : Results.Text(CrmRenderer.Render(state), "text/plain; charset=utf-8");
        }).AddEndpointFilter(CommandsApi.FillContext).WithName("GetConfiguration").WithSummary("the configuration as crm text (Accept: application/json for JSON); ETag = its version")
          .Produces<string>(StatusCodes.Status200OK, "text/plain").Produces<ConfigurationJson>(StatusCodes.Status200OK, "application/json");

        configuration.MapPut("/", async (HttpContext http, IDocumentStore store, CommandContext context, string? mode, CancellationToken ct) =>
        {
            if (http.Request.Headers.IfMatch.Count == 0)
                return Problems.Result(StatusCodes.Status428PreconditionRequired, "precondition-required",
                    "name the version the change is based on: If-Match: \"VERSION\" (GET gives it as the ETag)");
            if (!TryVersion(http.Request.Headers.IfMatch.ToString(), out var expected))
                return Problems.Result(StatusCodes.Status400BadRequest, "if-match-invalid", "If-Match is the configuration version in quotes, e.g. \"12\"");
            if (!TryMode(mode, out var loadMode))
                return Problems.Result(StatusCodes.Status400BadRequest, "mode-invalid", "mode is replace (the default) or update");
            var text = await ReadTextAsync(http, ct);
            try
            {
                var result = await new ConfigurationLoader(store).LoadAsync(text, loadMode, context.Metadata(), expected, $"configure load {loadMode.ToString().ToLowerInvariant()} (API)", ct);
                if (!result.IsApplied) return Invalid(result.Errors);
                var applied = result.Applied!;
                http.Response.Headers.ETag = ETag(applied.Version);
                return Results.Ok(new LoadedJson(applied.PreviousVersion, applied.Version, [.. result.Commands.Select(CommandText.Describe)], applied.Events.Count, applied.Repeated));
            }
            catch (StaleConfigurationException e)
            {
                return Problems.Result(StatusCodes.Status412PreconditionFailed, "stale", e.Message,
                    new Dictionary<string, object?> { ["expectedVersion"] = e.ExpectedVersion, ["currentVersion"] = e.ActualVersion });
            }
        }).RequireAuthorization(Roles.Admin).AddEndpointFilter(CommandsApi.FillContext).Accepts<string>("text/plain")
          .WithName("LoadConfiguration").WithSummary("replace (or ?mode=update) the configuration with crm text, based on the version in If-Match")
          .Produces<LoadedJson>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status412PreconditionFailed)
          .ProducesProblem(StatusCodes.Status428PreconditionRequired);

        // One value or one object at a time (admin), through the mediator like every command; If-Match optional.
        var edits = configuration.MapGroup("").AddEndpointFilter(CommandsApi.FillContext);
        foreach (var (path, section, words) in new[]
                 {
                     ("properties", ConfigurationSection.Property, "property"), ("rsc-defaults", ConfigurationSection.ResourceDefaults, "rsc_defaults"),
                     ("op-defaults", ConfigurationSection.OperationDefaults, "op_defaults"),
                 })
        {
            var name = string.Concat(words.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
            Edit(edits.MapPut($"/{path}/{{name}}", (string name, ValueBody body) => new SetConfigurationValue(section, name, body.Value)),
                $"Set{name}", $"crm configure {words} NAME=VALUE");
            Edit(edits.MapDelete($"/{path}/{{name}}", (string name) => new SetConfigurationValue(section, name, null)),
                $"Delete{name}", $"remove NAME from {words}");
        }
        configuration.MapGet("/objects/{id}", async (string id, IDocumentStore store, HttpContext http, CancellationToken ct) =>
        {
            var (state, version) = await ConfigurationReader.LoadAsync(store, ct);
            var only = Only(state, id);
            if (only is null) return Problems.Result(StatusCodes.Status404NotFound, "unknown-object", $"no resource, constraint or node '{id}'");
            http.Response.Headers.ETag = ETag(version);
            return Results.Text(CrmRenderer.Render(only), "text/plain; charset=utf-8");
        }).WithName("GetObject").WithSummary("one node, resource or constraint as crm text; ETag = the configuration version")
          .Produces<string>(StatusCodes.Status200OK, "text/plain").ProducesProblem(StatusCodes.Status404NotFound);
        Edit(edits.MapPut("/objects/{id}", async (string id, HttpContext http) => new PutObject(id, await ReadTextAsync(http, http.RequestAborted)))
            .Accepts<string>("text/plain"), "PutObject", "create or replace one object from its crm text (which defines that object only)");
        Edit(edits.MapDelete("/objects/{id}", (string id) => new DeleteObject(id)), "DeleteObject", "crm configure delete ID: a resource, constraint or node");

        configuration.MapPost("/verify", async (HttpContext http, IDocumentStore store, StoredStatus stored, CibEventLog log, string? mode, CancellationToken ct) =>
        {
            if (!TryMode(mode, out var loadMode))
                return Problems.Result(StatusCodes.Status400BadRequest, "mode-invalid", "mode is replace (the default) or update");
            var (current, version) = await ConfigurationReader.LoadAsync(store, ct);
            var text = await ReadTextAsync(http, ct);
            // No text: verify the stored configuration as it is.
            var parsed = CrmParser.Parse(text.Length == 0 ? CrmRenderer.Render(current) : text, loadMode == LoadMode.Replace || text.Length == 0 ? ClusterConfiguration.Empty : current);
            if (!parsed.IsSuccess)
                return Results.Ok(new VerifyJson(false, version, Errors(parsed.Errors), [], []));
            var proposed = parsed.Parsed!.Configuration;
            var commands = ConfigurationDiff.Between(current, proposed);
            var decided = ConfigurationDecider.Decide(new ChangeConfiguration(version, commands, DateTimeOffset.UtcNow, Cib.Domain.Primitives.Actor.System("verify")), current);
            if (!decided.IsAccepted)
                return Results.Ok(new VerifyJson(false, version, Errors([.. decided.Errors.Select(parsed.Parsed.Source.Locate)]), [.. commands.Select(CommandText.Describe)], []));
            var (status, position) = await StatusView.CurrentStatusAsync(stored, log, ct);
            var plan = TransitionPlanner.Plan(ConfigurationDecider.Fold(decided.Events, current), status, position, DateTimeOffset.UtcNow);
            return Results.Ok(new VerifyJson(true, version, [], [.. commands.Select(CommandText.Describe)], [.. plan.Summary]));
        }).Accepts<string>("text/plain")
          .WithMetadata(new AppendsNothing()).WithName("VerifyConfiguration").WithSummary("check crm text (or, with no body, the stored configuration): errors with line and column, the changes, and the transition it would cause; appends nothing")
          .Produces<VerifyJson>();
    }

    public sealed record ValueBody(string Value);

    /// <summary>An admin's edit: the endpoint builds the command, the mediator authorises and carries it out.</summary>
    private static void Edit(RouteHandlerBuilder endpoint, string name, string summary) =>
        endpoint.AddEndpointFilter(async (invocation, next) =>
            {
                var command = (Commands.IClusterCommand)(await next(invocation))!;
                var sender = invocation.HttpContext.RequestServices.GetRequiredService<Mediator.ISender>();
                var result = await sender.Send(command, invocation.HttpContext.RequestAborted);
                if (result.ConfigurationVersion is { } v) invocation.HttpContext.Response.Headers.ETag = ETag(v);
                return Results.Ok(result);
            })
            .RequireAuthorization(Roles.Admin).WithName(name).WithSummary(summary)
            .Produces<CommandResult>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

    /// <summary>The configuration holding one object (and the nodes and resources a constraint or group names, which render as references only).</summary>
    private static ClusterConfiguration? Only(ClusterConfiguration c, string id) =>
        c.Resources.TryGetValue(id, out var r) ? ClusterConfiguration.Empty with { Resources = ClusterConfiguration.Empty.Resources.Add(id, r) }
        : c.Constraints.TryGetValue(id, out var k) ? ClusterConfiguration.Empty with { Constraints = ClusterConfiguration.Empty.Constraints.Add(id, k) }
        : c.Nodes.TryGetValue(id, out var n) ? ClusterConfiguration.Empty with { Nodes = ClusterConfiguration.Empty.Nodes.Add(id, n) }
        : null;

    private static IResult Invalid(IReadOnlyList<ConfigurationError> errors) =>
        Problems.Result(StatusCodes.Status400BadRequest, "configuration-invalid", string.Join("; ", errors.Select(e => e.Format("configuration"))),
            new Dictionary<string, object?> { ["errors"] = Errors(errors) });

    private static List<ErrorJson> Errors(IEnumerable<ConfigurationError> errors) =>
        [.. errors.Select(e => new ErrorJson(e.Line, e.Column, e.Token, e.Code, e.Message))];

    private static async Task<string> ReadTextAsync(HttpContext http, CancellationToken ct)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct);
    }

    private static bool WantsJson(HttpContext http) =>
        http.Request.Headers.Accept.Any(a => a?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true);

    private static string ETag(long version) => new EntityTagHeaderValue($"\"{version}\"").ToString();

    public static bool TryVersion(string header, out long version)
    {
        version = 0;
        return EntityTagHeaderValue.TryParse(header, out var tag) && long.TryParse(tag.Tag.Value?.Trim('"'), out version) && version >= 0;
    }

    private static bool TryMode(string? mode, out LoadMode loadMode)
    {
        loadMode = mode is "update" ? LoadMode.Update : LoadMode.Replace;
        return mode is null or "replace" or "update";
    }

    private static ConfigurationJson Json(ClusterConfiguration c, long version) => new(
        version, Map(c.Properties), Map(c.ResourceDefaults), Map(c.OperationDefaults),
        [.. c.Nodes.Values.Select(n => new NodeJson(n.Name, Map(n.Attributes)))],
        [.. c.Resources.Values.Select(r => r switch
        {
            Primitive p => (object)PrimitiveData.From(p),
            Group g => GroupData.From(g),
            _ => throw new InvalidOperationException($"unknown resource kind {r.GetType().Name}"),
        })],
        [.. c.Constraints.Values.Select(ConstraintData.From)]);

    private static Dictionary<string, string> Map(Cib.Domain.Primitives.ValueMap map) => map.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
}

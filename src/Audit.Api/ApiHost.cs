using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Audit.Api.Agents;
using Audit.Api.Commands;
using Audit.Api.Configuration;
using Audit.Api.History;
using Audit.Api.Replay;
using Audit.Api.Report;
using Audit.Api.Security;
using Audit.Api.Status;
using Audit.Api.Users;
using Audit.Api.WebConsole;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Store;
using Marten;
using Mediator;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;
using OpenTelemetry.Metrics;
using Scalar.AspNetCore;

namespace Audit.Api;

/// <summary>
/// The API host (Pacemaker's Hawk port, 7630): HTTPS by default with the admin's certificate or a generated self-signed
/// one, plain HTTP only on loopback and only when asked (<c>Api:Listen=http-loopback</c>); bearer tokens for users of
/// the users stream; every endpoint needs a user unless it says otherwise; every error a problem+json with a stable code.
/// Settings: <c>Store:Connection</c> (or HA_CONNECTION), <c>Api:Port</c>, <c>Api:Listen</c>, <c>Api:Certificate</c>
/// (a PKCS#12 file), <c>Api:DataDir</c> (the generated certificate), <c>Api:LoginsPerMinute</c>. The token keys are in the store.
/// </summary>
public static class ApiHost
{
    public const string ApiBase = "/api/v1";

    public static void Configure(WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var connection = config["Store:Connection"] ?? Environment.GetEnvironmentVariable("HA_CONNECTION")
            ?? throw new InvalidOperationException("the API needs its store: set Store:Connection or HA_CONNECTION");
        var dataDir = config["Api:DataDir"] ?? "/var/lib/ha-api";
        var port = config.GetValue("Api:Port", 7630);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
            if (config["Api:Listen"] == "http-loopback")
                kestrel.ListenLocalhost(port);
            else
            {
                var certificate = TlsCertificate.Load(config["Api:Certificate"], dataDir);
                // What a client pins when the system does not trust the certificate (hactl login --fingerprint).
                Console.WriteLine($"ha-api: https on port {port}, certificate {certificate.Subject}, SHA-256 {TlsCertificate.Fingerprint(certificate)}");
                kestrel.ListenAnyIP(port, listen => listen.UseHttps(certificate));
            }
        });

        // Per-request lines from the framework (a dozen per request at Information) only when asked for
        // (Logging:LogLevel:Microsoft.AspNetCore=Information): the API's own warnings and errors always.
        if (config["Logging:LogLevel:Microsoft.AspNetCore"] is null) builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSingleton<IDocumentStore>(_ => CibStore.Create(connection));
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connection));
        builder.Services.AddSingleton(s => new UserStore(s.GetRequiredService<IDocumentStore>()));
        builder.Services.AddSingleton(s => new StoredStatus(s.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(s => new CibEventLog(s.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(s => new HistoryQueries(s.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(s => new ReplaySnapshots(s.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });

        // The keys that sign tokens: in the store every node's API shares, so a token works at any node's API.
        builder.Services.AddDataProtection().SetApplicationName("ha-api");
        builder.Services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
            .Configure<NpgsqlDataSource>((o, db) => o.XmlRepository = new StoreKeyRepository(db));
        // Bearer tokens for hactl and scripts; a cookie session for the console (HttpOnly, SameSite=Strict: a page of
        // another site cannot send it). A request with an Authorization header is judged by its token, else by its cookie.
        var hours = AuthApi.CredentialLifetime(config);
        builder.Services.AddSingleton(s => new SessionRevocations(s.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddAuthentication(AuthApi.Scheme)
            .AddPolicyScheme(AuthApi.Scheme, "bearer token or console session", o => o.ForwardDefaultSelector = http =>
                http.Request.Headers.Authorization.Count > 0 ? BearerTokenDefaults.AuthenticationScheme : AuthApi.SessionScheme)
            .AddBearerToken(o => o.BearerTokenExpiration = hours)
            .AddCookie(AuthApi.SessionScheme, o =>
            {
                o.Cookie.Name = "ha-session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                // Never sent over plain HTTP: the API speaks HTTPS (plain HTTP only on loopback, and only when asked).
                o.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                o.ExpireTimeSpan = hours;
                o.SlidingExpiration = true;
                // An API answers 401 and 403, it does not redirect to a login page.
                o.Events.OnRedirectToLogin = c => { c.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
                o.Events.OnRedirectToAccessDenied = c => { c.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
            });
        builder.Services.AddAuthorization(o =>
        {
            foreach (var (policy, roles) in Roles.Policies) o.AddPolicy(policy, p => p.RequireRole(roles));
            o.FallbackPolicy = o.GetPolicy(Roles.Read);
        });
        var logins = config.GetValue("Api:LoginsPerMinute", 10);
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(AuthApi.LoginPolicy, http => RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "local",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = logins, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.AddCode);
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Ha.EventSourced API";
            document.Info.Description = "Status, users and (to come) commands and configuration of the cluster. Log in at POST /api/v1/auth/token, "
                                        + "then send the token as 'Authorization: Bearer TOKEN'. Errors are application/problem+json with a stable 'code'.";
            return Task.CompletedTask;
        }));
        // /metrics: the cluster's figures and the API's request durations, in Prometheus' text format.
        builder.Services.AddSingleton<Metrics.ClusterMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(Metrics.ClusterMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());
        builder.Services.AddExceptionHandler<Problems.ExceptionHandler>();
        builder.Services.AddScoped<CommandContext>();
        builder.Services.AddScoped<CommandWrites>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<StatusFeed>();
        builder.Services.AddHostedService(s => s.GetRequiredService<StatusFeed>());
        builder.Services.AddSingleton<AgentCatalog>();
        builder.Services.AddConsole();
        builder.Services.AddMediator((MediatorOptions o) =>
        {
            o.ServiceLifetime = ServiceLifetime.Scoped;
            o.PipelineBehaviors = [typeof(AuthorizeBehavior<,>), typeof(TransitionBehavior<,>)];
        });
    }

    public static void Map(WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseMiddleware<CurrentUser>();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.Use(ConsolePages.RequireAntiforgeryAsync);

        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" })).AllowAnonymous();
        // The instruments are created with the service: resolve it before the first scrape. Any user may read (a scraper
        // sends an auditor's token); Api:MetricsAnonymous=true opens it to the network's scrapers without one.
        _ = app.Services.GetRequiredService<Metrics.ClusterMetrics>();
        var metrics = app.MapPrometheusScrapingEndpoint("/metrics");
        if (app.Configuration.GetValue("Api:MetricsAnonymous", false)) metrics.AllowAnonymous();
        // The API's description and an interactive reference, served from this host (no CDN, no web fonts fetched).
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/reference", o => o.DefaultFonts = false).AllowAnonymous();
        var api = app.MapGroup(ApiBase).AddEndpointFilter(ValidIds);
        api.MapAuthApi();
        api.MapStatusApi();
        api.MapUsersApi();
        api.MapCommandsApi();
        api.MapConfigurationApi();
        api.MapReplayApi();
        api.MapHistoryApi();
        api.MapReportApi();
        api.MapAgentsApi();
        // The web console: its pages at /, its files under /console.
        app.MapConsole();
    }

    /// <summary>
    /// Every id in a path (a resource, constraint, node or user name) can only be a name the cluster accepts: ASCII
    /// letters, digits and '_', '-', '.', ':', '@', at most 256 (so no path separator, quote, space, escape or control
    /// character reaches a handler, whatever it does with the id).
    /// </summary>
    private static ValueTask<object?> ValidIds(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        // A NUL cannot be stored or compared in PostgreSQL text: a query value holding one is refused here, not at the store.
        foreach (var (key, values) in invocation.HttpContext.Request.Query)
            if (values.Any(v => v is not null && v.Contains('\0')))
                return ValueTask.FromResult<object?>(Problems.Result(StatusCodes.Status400BadRequest, "query-invalid",
                    $"the query parameter {key} holds a NUL character"));
        foreach (var (key, value) in invocation.HttpContext.Request.RouteValues)
        {
            if (value is not string id) continue;
            // An agent's name may hold a slash in its type (stonith:external/libvirt), typed or encoded as %2F (which
            // routing leaves encoded); never an empty, "." or ".." part.
            var agent = key == AgentsApi.AgentRouteValue;
            var name = agent ? Uri.UnescapeDataString(id) : id;
            if (name.Length is 0 or > 256 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '@' || (agent && c == '/'))
                || (agent && name.Split('/').Any(part => part is "" or "." or "..")))
                return ValueTask.FromResult<object?>(Problems.Result(StatusCodes.Status400BadRequest, "id-invalid",
                    $"the {key} in the path is a name of ASCII letters, digits, '_', '-', '.', ':' or '@'{(agent ? " (and '/' between the parts of its type)" : "")} (at most 256)"));
        }
        return next(invocation);
    }
}

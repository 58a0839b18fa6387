using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using TestSupport;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>The API whose tokens and sessions are judged on a clock the test steps (the rest of the API keeps the real one).</summary>
public sealed class ExpiringTokensApiFactory : ApiFactory
{
    public FakeTimeProvider TokenClock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.PostConfigure<BearerTokenOptions>(BearerTokenDefaults.AuthenticationScheme, o => o.TimeProvider = TokenClock);
            services.PostConfigure<CookieAuthenticationOptions>(Security.AuthApi.SessionScheme, o => o.TimeProvider = TokenClock);
        });
    }
}

/// <summary>
/// Every endpoint of the API's routing table (a new one is covered the day it is mapped): without credentials, with an
/// expired or a tampered token, 401; an auditor on any write (a non-GET that may append), 403. The public endpoints are
/// the documented exceptions, listed here with the reason; an endpoint made public without being listed fails the test.
/// </summary>
public sealed class AuthMatrixTests(ExpiringTokensApiFactory api) : IClassFixture<ExpiringTokensApiFactory>
{
    /// <summary>The endpoints anyone may call, and why.</summary>
    private static readonly Dictionary<string, string> Public = new()
    {
        ["POST /api/v1/auth/token"] = "the login: it is how a token is got (rate limited)",
        ["POST /api/v1/auth/session"] = "the console's login (rate limited)",
        ["DELETE /api/v1/auth/session"] = "the console's logout: ends the caller's own session, if any, and removes its cookie; nothing else",
        ["GET /healthz"] = "the health check of load balancers and the lab",
        ["GET /openapi/{documentName}.json"] = "the API's description: no data",
        ["GET /login"] = "the console's login page",
        ["GET /console/{*path}"] = "the console's stylesheet and scripts: no data, needed by the login page",
    };

    /// <summary>The console's pages: anonymous on the route, each redirects to /login without a session (ConsolePages) and holds no data.</summary>
    private static bool IsConsolePage(string method, string route) =>
        method == "GET" && route is "/" or "/resources" or "/history" or "/replay";

    private static bool IsReference(string route) => route.StartsWith("/reference", StringComparison.Ordinal);

    private static string Concrete(string route) =>
        route.Replace("{id}", "nothing").Replace("{name}", "nobody").Replace("{documentName}", "v1").Replace("{transition}", "1")
            .Replace("{agent}", "ocf:heartbeat:Dummy").Replace("{*path}", "app.js").Replace("{**slug}", "");

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string route, string contentType)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var request = new HttpRequestMessage(new HttpMethod(method), Concrete(route));
        if (method is "POST" or "PUT" or "PATCH")
            request.Content = new StringContent(contentType == "text/plain" ? "node nowhere\n" : """{"node":"nowhere","enabled":false,"value":"x"}""", Encoding.UTF8, contentType);
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
    }

    private List<(string Method, string Route, bool Anonymous, bool AppendsNothing, string ContentType)> Endpoints()
    {
        var endpoints = RoleMatrixTests.Endpoints(api.Services).ToList();
        Assert.True(endpoints.Count > 30, $"only {endpoints.Count} endpoints found");
        return endpoints;
    }

    [Fact]
    public void The_public_endpoints_are_exactly_the_documented_ones()
    {
        var anonymous = Endpoints().Where(e => e.Anonymous && !IsConsolePage(e.Method, e.Route) && !IsReference(e.Route))
            .Select(e => $"{e.Method} {e.Route}").Order(StringComparer.Ordinal).ToList();

        Assert.Equal(Public.Keys.Order(StringComparer.Ordinal), anonymous);
    }

    [Fact]
    public async Task Without_credentials_and_with_an_expired_or_tampered_token_every_other_endpoint_is_401()
    {
        var admin = await api.ClientAsAsync("ada");
        var token = admin.DefaultRequestHeaders.Authorization!.Parameter!;
        var tampered = api.CreateClient();
        tampered.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token[..^4] + (token[^4..] == "AAAA" ? "BBBB" : "AAAA"));
        var garbage = api.CreateClient();
        garbage.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "'; DROP TABLE users; --\u00e9");
        var clients = new List<(string Who, HttpClient Client)> { ("nobody", api.CreateClient()), ("a tampered token", tampered), ("a garbage token", garbage) };
        var wrong = new List<string>();
        var guarded = Endpoints().Where(e => !e.Anonymous).ToList();

        async Task CheckAsync(string who, HttpClient client)
        {
            foreach (var (method, route, _, _, contentType) in guarded)
            {
                using var response = await SendAsync(client, method, route, contentType);
                if (response.StatusCode != HttpStatusCode.Unauthorized) wrong.Add($"{method} {route} with {who}: {(int)response.StatusCode}");
                else if (route.StartsWith("/api/", StringComparison.Ordinal) && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    wrong.Add($"{method} {route} with {who}: 401 without a problem+json body");
            }
        }

        foreach (var (who, client) in clients) await CheckAsync(who, client);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/users")).StatusCode);
        // The same admin's token, 8 hours and a minute later (Api:TokenHours: 8).
        api.TokenClock.Advance(TimeSpan.FromHours(8) + TimeSpan.FromMinutes(1));
        await CheckAsync("an expired token", admin);
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task An_auditor_is_refused_every_write()
    {
        var auditor = await api.ClientAsAsync("aude");
        var log = new Cib.Projections.Store.CibEventLog(api.Db.DataSource);
        var wrong = new List<string>();
        var writes = Endpoints().Where(e => e.Method != "GET" && !e.Anonymous && !e.AppendsNothing).ToList();
        Assert.NotEmpty(writes);
        foreach (var (method, route, _, _, contentType) in writes)
        {
            var head = await log.HeadAsync();
            using var response = await SendAsync(auditor, method, route, contentType);
            if (response.StatusCode != HttpStatusCode.Forbidden || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                wrong.Add($"{method} {route}: {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType}");
            if (await log.HeadAsync() != head) wrong.Add($"{method} {route}: the log grew");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>
    /// The store's client authentication is ./ha's own (pg_hba_write; the tests' PostgreSQL is started by it): the
    /// components' roles need their password over TCP. Only loopback can be tried here, not the lab's subnet.
    /// </summary>
    [Theory]
    [InlineData("ha_node")]
    [InlineData("ha_api")]
    public async Task The_store_refuses_a_component_role_without_its_password(string role)
    {
        var server = new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString);
        var noPassword = new NpgsqlConnectionStringBuilder { Host = server.Host, Port = server.Port, Database = "postgres", Username = role, Pooling = false, Timeout = 10 };
        await using (var conn = new NpgsqlConnection(noPassword.ConnectionString))
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => conn.OpenAsync());

        noPassword.Password = "not-" + Guid.NewGuid().ToString("N");
        await using var wrong = new NpgsqlConnection(noPassword.ConnectionString);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => wrong.OpenAsync());
        // 28P01: password authentication failed (a trust line would have let it in, or said the role does not exist).
        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
    }
}

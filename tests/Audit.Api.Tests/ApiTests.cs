using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Users;
using Cib.Projections.Store;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>The API against a real PostgreSQL: who may do what, what a stranger gets, and that bad input is a 4xx problem.</summary>
public sealed class ApiTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Health_answers_without_a_user()
    {
        var response = await api.CreateClient().GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Without_a_token_every_endpoint_is_401_problem_json()
    {
        var client = api.CreateClient();
        await Problem.AssertAsync(await client.GetAsync("/api/v1/status"), 401, "unauthenticated");
        await Problem.AssertAsync(await client.GetAsync("/api/v1/users"), 401, "unauthenticated");
        await Problem.AssertAsync(await client.PostAsJsonAsync("/api/v1/users", new { name = "x", role = "Admin", password = ApiFactory.Password }), 401, "unauthenticated");
        client.DefaultRequestHeaders.Authorization = new("Bearer", "not-a-token");
        await Problem.AssertAsync(await client.GetAsync("/api/v1/status"), 401, "unauthenticated");
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_user_get_the_same_401()
    {
        var client = api.CreateClient();
        await Problem.AssertAsync(await client.PostAsJsonAsync("/api/v1/auth/token", new { name = "ada", password = "wrong password!" }), 401, "login-failed");
        await Problem.AssertAsync(await client.PostAsJsonAsync("/api/v1/auth/token", new { name = "nobody", password = ApiFactory.Password }), 401, "login-failed");
        await Problem.AssertAsync(await client.PostAsJsonAsync("/api/v1/auth/token", new { name = "../etc", password = ApiFactory.Password }), 401, "login-failed");
    }

    public static TheoryData<string, string, string, int> Matrix => new()
    {
        // user, method, path, expected status
        { "aude", "GET", "/api/v1/status", 200 },
        { "otto", "GET", "/api/v1/status", 200 },
        { "ada", "GET", "/api/v1/status", 200 },
        { "aude", "GET", "/api/v1/users", 403 },
        { "otto", "GET", "/api/v1/users", 403 },
        { "ada", "GET", "/api/v1/users", 200 },
        { "aude", "POST", "/api/v1/users", 403 },
        { "otto", "POST", "/api/v1/users", 403 },
        { "aude", "DELETE", "/api/v1/users/ada", 403 },
        { "otto", "PATCH", "/api/v1/users/otto", 403 },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_role_may_do_what_it_is_for_and_nothing_more(string user, string method, string path, int expected)
    {
        var client = await api.ClientAsAsync(user);
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PATCH")
            request.Content = JsonContent.Create(new { name = $"new-{Guid.NewGuid():N}"[..12], role = "Auditor", password = ApiFactory.Password });
        var response = await client.SendAsync(request);
        if (expected == 403) await Problem.AssertAsync(response, 403, "forbidden");
        else Assert.Equal(expected, (int)response.StatusCode);
    }

    [Fact]
    public async Task An_admin_adds_a_user_as_themself_and_bad_input_is_a_4xx()
    {
        var admin = await api.ClientAsAsync("ada");
        var name = $"u{Guid.NewGuid():N}"[..10];
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { name, role = "Operator", password = ApiFactory.Password });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        // The actor is the logged-in admin, whatever the body says.
        var added = (await api.Db.Store.QuerySession().Events.FetchStreamAsync(StreamIds.Users)).Last();
        Assert.Equal("user:ada", added.UserName);

        await Problem.AssertAsync(await admin.PostAsJsonAsync("/api/v1/users", new { name, role = "Operator", password = ApiFactory.Password }), 409, "user-exists");
        await Problem.AssertAsync(await admin.PostAsJsonAsync("/api/v1/users", new { name = "short", role = "Operator", password = "short" }), 400, "password-too-short");
        await Problem.AssertAsync(await admin.PostAsJsonAsync("/api/v1/users", new { name = "bad/name", role = "Operator", password = ApiFactory.Password }), 400, "user-name-invalid");
        await Problem.AssertAsync(await admin.PostAsync("/api/v1/users", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json")), 400, "bad-request");
        await Problem.AssertAsync(await admin.PostAsJsonAsync("/api/v1/users", new { name = "x", role = "Emperor", password = ApiFactory.Password }), 400, "bad-request");
        await Problem.AssertAsync(await admin.DeleteAsync("/api/v1/users/nobody"), 404, "user-unknown");
        await Problem.AssertAsync(await admin.GetAsync("/api/v1/no-such-thing"), 404, "not-found");
    }

    [Fact]
    public async Task A_removed_users_token_stops_working_at_once_and_a_role_change_applies_at_once()
    {
        var admin = await api.ClientAsAsync("ada");
        var name = $"r{Guid.NewGuid():N}"[..10];
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/users", new { name, role = "Admin", password = ApiFactory.Password })).StatusCode);
        var them = await api.ClientAsAsync(name);
        Assert.Equal(HttpStatusCode.OK, (await them.GetAsync("/api/v1/users")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PatchAsJsonAsync($"/api/v1/users/{name}", new { role = "Auditor" })).StatusCode);
        await Problem.AssertAsync(await them.GetAsync("/api/v1/users"), 403, "forbidden");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/users/{name}")).StatusCode);
        await Problem.AssertAsync(await them.GetAsync("/api/v1/status"), 401, "unauthenticated");
        await Problem.AssertAsync(await api.CreateClient().PostAsJsonAsync("/api/v1/auth/token", new { name, password = ApiFactory.Password }), 401, "login-failed");
    }

    [Fact]
    public async Task The_last_admin_cannot_be_removed_or_demoted()
    {
        var admin = await api.ClientAsAsync("ada");
        var users = await admin.GetFromJsonAsync<JsonElement>("/api/v1/users");
        var admins = users.EnumerateArray().Where(u => u.GetProperty("role").GetString() == "Admin").Select(u => u.GetProperty("name").GetString()!).ToList();
        // Other tests add admins; demote them all but ada first (through the store, as a bootstrap would), then try ada.
        var store = new UserStore(api.Db.Store);
        foreach (var other in admins.Where(a => a != "ada"))
            await store.ChangeAsync(new ChangeUserRole(other, UserRole.Auditor), null, CommandMetadata.For(Actor.System("test")));
        await Problem.AssertAsync(await admin.DeleteAsync("/api/v1/users/ada"), 409, "last-admin");
        await Problem.AssertAsync(await admin.PatchAsJsonAsync("/api/v1/users/ada", new { role = "Operator" }), 409, "last-admin");
    }

    [Fact]
    public async Task Status_shows_nodes_and_resources_from_the_log_as_json_and_as_crm_mon_text()
    {
        var writer = new ConfigurationWriter(api.Db.Store);
        var (_, version) = await ConfigurationReader.LoadAsync(api.Db.Store);
        await writer.ChangeAsync(new ChangeConfiguration(version, [
            new DefineNode("node1"), new DefineNode("node2"),
            new DefinePrimitive(Primitive.Create("vip", "ocf:heartbeat:IPaddr2")), new DefinePrimitive(Primitive.Create("web", "ocf:heartbeat:apache")),
            new DefineGroup(Group.Create("site", "vip", "web")),
        ], DateTimeOffset.UtcNow, Actor.User("ada")), CommandMetadata.For(Actor.User("ada")));
        var log = new CibEventLog(api.Db.DataSource);
        var at = DateTimeOffset.UtcNow;
        var origin = new Cib.Domain.Operations.OperationOrigin("t1", 1);
        await log.AppendAsync(StreamIds.Node("node1"), [new NodeJoined("node1", "i1", "lease", at)], AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller("node1"))));
        foreach (var r in new[] { "vip", "web" })
            await log.AppendAsync(StreamIds.ResourceOn(r, "node1"), [new Cib.Domain.Operations.ResourceOperationSucceeded(r, "node1", "start", 0, 0, origin, 5, null, null, at)],
                AppendMetadata.Stamp(CommandMetadata.For(Actor.Node("node1"))));

        var client = await api.ClientAsAsync("aude");
        var json = await client.GetFromJsonAsync<JsonElement>("/api/v1/status");
        Assert.Contains(json.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString() == "node1" && n.GetProperty("state").GetString() == "online");
        Assert.Contains(json.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString() == "node2" && n.GetProperty("state").GetString() == "offline");
        var site = json.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "site");
        Assert.Equal("Started", site.GetProperty("role").GetString());
        Assert.Equal(["vip", "web"], site.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString()));

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/status");
        request.Headers.Accept.ParseAdd("text/plain");
        var text = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        Assert.Contains("* Online: [ node1 ]", text);
        Assert.Contains("* Resource Group: site:", text);
        Assert.Contains("vip\t(ocf:heartbeat:IPaddr2):\t Started node1", text);
    }
}

/// <summary>Logins are rate limited per client: the third within a minute is a 429 problem.</summary>
public sealed class LoginRateTests(StingyApiFactory api) : IClassFixture<StingyApiFactory>
{
    [Fact]
    public async Task Too_many_logins_get_429()
    {
        var client = api.CreateClient();
        for (var i = 0; i < 2; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.PostAsJsonAsync("/api/v1/auth/token", new { name = "ada", password = "wrong password!" })).StatusCode);
        await Problem.AssertAsync(await client.PostAsJsonAsync("/api/v1/auth/token", new { name = "ada", password = ApiFactory.Password }), 429, "too-many-requests");
    }
}

/// <summary>Every node runs the API on the one store: a token from one node's API is accepted by another's.</summary>
public sealed class SharedTokenKeysTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_token_from_one_nodes_api_works_at_another_nodes()
    {
        var first = await api.ClientAsAsync("aude");
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/api/v1/status")).StatusCode);
        // A second API host on the same store, with a data directory of its own (another machine).
        var otherDir = Directory.CreateTempSubdirectory("ha-api-other-").FullName;
        try
        {
            await using var other = api.WithWebHostBuilder(b => b.UseSetting("Api:DataDir", otherDir));
            var client = other.CreateClient();
            client.DefaultRequestHeaders.Authorization = first.DefaultRequestHeaders.Authorization;
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/status")).StatusCode);
            // And a token it signs is valid at the first.
            var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { name = "otto", password = ApiFactory.Password });
            using var token = JsonDocument.Parse(await login.Content.ReadAsStringAsync());
            var back = api.CreateClient();
            back.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("accessToken").GetString());
            Assert.Equal(HttpStatusCode.OK, (await back.GetAsync("/api/v1/status")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await api.CreateClient().GetAsync("/api/v1/status")).StatusCode);
        }
        finally
        {
            Directory.Delete(otherDir, true);
        }
    }
}

/// <summary>
/// The console's session: a cookie from the login, HttpOnly, Secure and SameSite=Strict, the same roles as a token, the
/// page's antiforgery token on whatever changes something, and a logout.
/// </summary>
public sealed class SessionTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_session_cookie_logs_in_like_a_token_and_logout_ends_it()
    {
        var browser = api.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, BaseAddress = new Uri("https://localhost") });
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/v1/status")).StatusCode);
        await Problem.AssertAsync(await browser.PostAsJsonAsync("/api/v1/auth/session", new { name = "aude", password = "wrong password!" }), 401, "login-failed");

        var login = await browser.PostAsJsonAsync("/api/v1/auth/session", new { name = "aude", password = ApiFactory.Password });
        Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync());
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/v1/status")).StatusCode);
        // A session's request that changes something carries the page's antiforgery token, else it is refused as it is.
        await Problem.AssertAsync(await browser.PostAsync("/api/v1/nodes/node1/standby", null), 403, "csrf-token-invalid");
        var page = await browser.GetStringAsync("/");
        var csrf = System.Text.RegularExpressions.Regex.Match(page, "name=\"ha-csrf\" content=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(csrf);
        // The same roles: an auditor's session may not command, token or not.
        using var standby = new HttpRequestMessage(HttpMethod.Post, "/api/v1/nodes/node1/standby") { Headers = { { "X-CSRF-TOKEN", csrf } } };
        await Problem.AssertAsync(await browser.SendAsync(standby), 403, "forbidden");

        Assert.True((await browser.DeleteAsync("/api/v1/auth/session")).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/v1/status")).StatusCode);
    }

    [Fact]
    public async Task A_copy_of_a_session_cookie_is_refused_after_the_logout()
    {
        var browser = api.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, BaseAddress = new Uri("https://localhost") });
        var login = await browser.PostAsJsonAsync("/api/v1/auth/session", new { name = "aude", password = ApiFactory.Password });
        Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync());
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie")).Split(';')[0];
        var copy = api.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, BaseAddress = new Uri("https://localhost") });
        copy.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/api/v1/status")).StatusCode);

        Assert.True((await browser.DeleteAsync("/api/v1/auth/session")).IsSuccessStatusCode);

        // The copy (taken off the wire, kept by another tab or machine) ends with the session, not only the browser's cookie.
        await Problem.AssertAsync(await copy.GetAsync("/api/v1/status"), 401, "unauthenticated");
        // A new login is a new session.
        var again = await browser.PostAsJsonAsync("/api/v1/auth/session", new { name = "aude", password = ApiFactory.Password });
        Assert.True(again.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/v1/status")).StatusCode);
    }

    [Fact]
    public async Task Logout_ends_that_bearer_token_at_every_api_and_no_other()
    {
        var first = await api.ClientAsAsync("aude");
        var second = await api.ClientAsAsync("aude");
        var token = first.DefaultRequestHeaders.Authorization!;
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/api/v1/status")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await first.DeleteAsync("/api/v1/auth/token")).StatusCode);

        await Problem.AssertAsync(await first.GetAsync("/api/v1/status"), 401, "unauthenticated");
        // Another API host on the same store (another node's API) refuses it too: the logout is in the store.
        await using var otherNode = new ApiFactory.OnSameStore(api);
        var replay = otherNode.CreateClient();
        replay.DefaultRequestHeaders.Authorization = token;
        await Problem.AssertAsync(await replay.GetAsync("/api/v1/status"), 401, "unauthenticated");
        // The user's other token is another session.
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/v1/status")).StatusCode);
        // Without a token there is nothing to end.
        await Problem.AssertAsync(await api.CreateClient().DeleteAsync("/api/v1/auth/token"), 401, "unauthenticated");
    }
}

/// <summary>/metrics: Prometheus' text format with the cluster's figures and the API's request durations; a user's token is needed.</summary>
public sealed class MetricsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Metrics_are_prometheus_text_for_a_user()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.CreateClient().GetAsync("/metrics")).StatusCode);
        var aude = await api.ClientAsAsync("aude");
        var log = new CibEventLog(api.Db.DataSource);
        await log.AppendAsync(StreamIds.Node("node1"), [new NodeJoined("node1", "i1", "lease", DateTimeOffset.UtcNow)],
            AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller("node1"))));
        Assert.Equal(HttpStatusCode.OK, (await aude.GetAsync("/api/v1/status")).StatusCode);
        // The exporter reads the instruments at the scrape; a first scrape may predate the request it measures.
        string text = "";
        for (var i = 0; i < 20 && !text.Contains("http_server_request_duration_seconds", StringComparison.Ordinal); i++)
        {
            var response = await aude.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync();
            if (!text.Contains("http_server_request_duration_seconds", StringComparison.Ordinal)) await Task.Delay(250);
        }
        Assert.Matches(@"(?m)^ha_log_position(\{[^}]*\})? [1-9]", text);
        // (Every API host of this test process exports the meters of the same name: a value may be another test's.)
        Assert.Matches(@"(?m)^ha_nodes(_ratio)?\{[^}]*state=""online""[^}]*\} [1-9]", text);
        Assert.Contains("ha_transitions_total", text);
        Assert.Contains("ha_status_lag", text);
        Assert.Contains("http_server_request_duration_seconds", text);
    }
}

using Microsoft.Extensions.DependencyInjection;
using System.Net.Http.Headers;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Store;
using System.Text;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>
/// Bad input to every endpoint of the routing table, as an admin (who may do anything, so a refusal is about the input):
/// malformed JSON, wrong types, unknown enum values, huge bodies, ids with path separators, quotes and control
/// characters, bad query values. The rule: never a 5xx; a body that is not what the endpoint reads is a 4xx; every 4xx
/// a problem+json; nothing appended to the log. Seeded (a failure names its seed and case).
/// </summary>
public sealed class ApiInputFuzzTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly string[] MalformedJson =
    [
        "{", "}", "[", "{\"node\":", "{\"node\" \"x\"}", "{'node':'x'}", "{\"node\":\"x\",}", "nul", "tru", "\"unterminated", "{\"a\":1}{",
        "\u0000", "{\"node\":\"\\u00\"}", "{\"node\":\"\\x41\"}", "[[[[[[[[[[", "[]", "null", "42", "\"a string\"",
        new string('[', 10_000) + new string(']', 10_000),
    ];

    /// <summary>Objects with fields left out or null: refused where the endpoint needs them (an endpoint whose fields are all optional takes them).</summary>
    private static readonly string[] MissingFields =
    [
        "{}", "{\"node\":null}", "{\"value\":null}", "{\"enabled\":null}", "{\"name\":null}", "{\"password\":null}", "{\"role\":null}",
        "{\"node\":null,\"value\":null,\"enabled\":null,\"name\":null,\"password\":null,\"role\":null,\"at\":null,\"edit\":null}",
    ];

    private static readonly string[] HostileIds =
    [
        "a%2Fb", "a%5Cb", "a%22b", "a'b", "a%0Ab", "a%0D%0Ab", "a%20b", "%24(touch%20x)", "%60id%60",
        "a;b", "a%7Cb", "%C3%A9", "%F0%9F%98%80", "%E2%80%AE", new string('a', 300), "a%25", "%FF",
    ];

    private static readonly string[] QueryKeys = ["format", "mode", "limit", "after", "since", "until", "at", "timeout", "node", "from", "to", "current", "resource", "type"];

    private static readonly string[] QueryValues = ["xml", "bogus", "-1", "0", "abc", "99999999999999999999", "1e9", "%00", "%0A", "'", "%22", "2026-13-45", "..%2F..", "P1Y", "true%00", ""];

    private static readonly string[] ResourceIds = ["nothing"];

    private static string Route(string route, string id) =>
        route.Replace("{id}", id).Replace("{name}", id).Replace("{documentName}", "v1").Replace("{transition}", id)
            .Replace("{agent}", id).Replace("{*path}", id).Replace("{**slug}", id);

    private static bool HasId(string route) => route.Contains("{id}") || route.Contains("{name}") || route.Contains("{transition}") || route.Contains("{agent}");

    private async Task<string?> ViolationAsync(HttpClient client, string method, string path, HttpContent? content, bool mustRefuse, bool logUnchanged = true)
    {
        var log = new Cib.Projections.Store.CibEventLog(api.Db.DataSource);
        var head = await log.HeadAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        var status = (int)response.StatusCode;
        var type = response.Content.Headers.ContentType?.MediaType;
        string? problem = null;
        if (status >= 500) problem = $"{status}";
        else if (mustRefuse && status < 400) problem = $"{status}, expected a 4xx";
        else if (status >= 400 && type != "application/problem+json") problem = $"{status} as {type ?? "no content type"}, expected application/problem+json";
        if (logUnchanged && await log.HeadAsync() != head) problem = (problem is null ? "" : problem + "; ") + "the log grew";
        return problem is null ? null : $"{method} {path}: {problem}";
    }

    private async Task<List<(string Method, string Route, string ContentType)>> BodyEndpointsAsync()
    {
        await Task.CompletedTask;
        return RoleMatrixTests.Endpoints(api.Services)
            .Where(e => e.Method is "POST" or "PUT" or "PATCH" && !e.Route.StartsWith("/api/v1/auth/", StringComparison.Ordinal))
            .Where(e => EndpointReadsBody(e.Method, e.Route))
            .Select(e => (e.Method, e.Route, e.ContentType)).ToList();
    }

    /// <summary>Whether the endpoint declares a body it reads (IAcceptsMetadata); the others ignore a body.</summary>
    private bool EndpointReadsBody(string method, string route) =>
        api.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints.OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Any(e => "/" + e.RoutePattern.RawText!.TrimStart('/') == route
                      && (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods.Contains(method) ?? false)
                      && e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>() is not null);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Malformed_json_bodies_are_4xx_problems_and_change_nothing(int seed)
    {
        var random = new Random(seed);
        var admin = await api.ClientAsAsync("ada");
        var endpoints = (await BodyEndpointsAsync()).Where(e => e.ContentType == "application/json").ToList();
        Assert.NotEmpty(endpoints);
        var wrong = new List<string>();
        foreach (var (method, route, _) in endpoints)
            for (var i = 0; i < 12; i++)
            {
                var body = MalformedJson[random.Next(MalformedJson.Length)];
                if (random.Next(4) == 0) body = body[..random.Next(body.Length + 1)] + (char)random.Next(0, 0x3000);
                // A body of this endpoint's own shape with one field wrong: the ids are a resource, node or user that exists.
                var path = Route(route, route.Contains("{name}") && route.Contains("users") ? "aude" : "nothing");
                if (await ViolationAsync(admin, method, path, new StringContent(body, Encoding.UTF8, "application/json"), mustRefuse: true) is { } v)
                    wrong.Add($"seed {seed}: {v} body {body[..Math.Min(body.Length, 80)]}");
            }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Distinct().Take(40)));
    }

    [Fact]
    public async Task Bodies_with_fields_left_out_or_null_are_never_5xx()
    {
        // Ids that exist, so that the handlers themselves read the bodies (an unknown id is refused before).
        var (_, version) = await ConfigurationReader.LoadAsync(api.Db.Store);
        await new ConfigurationWriter(api.Db.Store).ChangeAsync(new ChangeConfiguration(version, [
            new DefineNode("node1"), new DefinePrimitive(Primitive.Create("vip", "ocf:heartbeat:IPaddr2")),
        ], DateTimeOffset.UtcNow, Actor.User("ada")), CommandMetadata.For(Actor.User("ada")));
        var admin = await api.ClientAsAsync("ada");
        var wrong = new List<string>();
        foreach (var (method, route, _) in (await BodyEndpointsAsync()).Where(e => e.ContentType == "application/json"))
            foreach (var body in MissingFields)
            {
                var path = Route(route, route.Contains("users") ? "aude" : route.Contains("/nodes/") ? "node1" : route.Contains("/resources/") ? "vip" : "nothing");
                if (await ViolationAsync(admin, method, path, new StringContent(body, Encoding.UTF8, "application/json"), mustRefuse: false, logUnchanged: false) is { } v)
                    wrong.Add($"{v} body {body}");
            }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        // "enabled" has no default: left out, it is not taken for false (maintenance off).
        var log = new CibEventLog(api.Db.DataSource);
        var head = await log.HeadAsync();
        foreach (var path in new[] { "/api/v1/cluster/maintenance", "/api/v1/resources/vip/maintenance" })
            Assert.Equal(400, (int)(await admin.PostAsync(path, new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(head, await log.HeadAsync());
    }

    [Fact]
    public async Task Bodies_that_are_not_utf8_or_huge_are_never_5xx_and_huge_ones_store_nothing()
    {
        var admin = await api.ClientAsAsync("ada");
        var wrong = new List<string>();
        foreach (var (method, route, contentType) in await BodyEndpointsAsync())
        {
            var path = Route(route, "nothing");
            var invalidUtf8 = new ByteArrayContent([0x7B, 0x22, 0x6E, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0xFF, 0xFE, 0x22, 0x7D]);
            invalidUtf8.Headers.ContentType = new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
            if (await ViolationAsync(admin, method, path, invalidUtf8, mustRefuse: false, logUnchanged: false) is { } v1) wrong.Add(v1 + " (invalid UTF-8)");
            // The in-process server does not apply Kestrel's 1 MB limit: a huge body here is a broken one (a JSON string
            // never closed, crm text that defines no such object), so that it is refused whatever its size and stores nothing.
            var huge = new StringContent(contentType == "text/plain" ? "node n\n#" + new string('x', 2 * 1024 * 1024) : "{\"value\":\"" + new string('x', 2 * 1024 * 1024),
                Encoding.UTF8, contentType);
            if (await ViolationAsync(admin, method, path, huge, mustRefuse: contentType != "text/plain") is { } v2) wrong.Add(v2 + " (2 MB)");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task Hostile_ids_in_the_path_are_4xx_problems_and_change_nothing()
    {
        var admin = await api.ClientAsAsync("ada");
        var wrong = new List<string>();
        foreach (var (method, route, _, _, contentType) in RoleMatrixTests.Endpoints(api.Services).Where(e => HasId(e.Route)))
            foreach (var id in HostileIds)
            {
                HttpContent? body = method is "POST" or "PUT" or "PATCH"
                    ? new StringContent(contentType == "text/plain" ? "node n1\n" : """{"node":"n1","enabled":true,"value":"1","role":"Auditor"}""", Encoding.UTF8, contentType)
                    : null;
                if (await ViolationAsync(admin, method, Route(route, id), body, mustRefuse: true) is { } v) wrong.Add(v);
            }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(40)));
    }

    [Theory]
    [InlineData(3)]
    public async Task Bad_query_values_are_never_5xx_and_change_nothing(int seed)
    {
        var random = new Random(seed);
        var admin = await api.ClientAsAsync("ada");
        var wrong = new List<string>();
        foreach (var (method, route, _, appendsNothing, contentType) in RoleMatrixTests.Endpoints(api.Services)
                     .Where(e => e.Route.StartsWith("/api/v1/", StringComparison.Ordinal) && !e.Route.StartsWith("/api/v1/auth/", StringComparison.Ordinal)
                                 && e.Route != "/api/v1/status/stream" && !e.Route.EndsWith("/restart", StringComparison.Ordinal)))
            for (var i = 0; i < 4; i++)
            {
                var query = string.Join('&', Enumerable.Range(0, 1 + random.Next(3))
                    .Select(_ => $"{QueryKeys[random.Next(QueryKeys.Length)]}={QueryValues[random.Next(QueryValues.Length)]}"));
                HttpContent? body = method is "POST" or "PUT" or "PATCH"
                    ? new StringContent(contentType == "text/plain" ? "node" : "{", Encoding.UTF8, contentType)
                    : null;
                // The bodies are broken too, so a command cannot be carried out: only a read (verify and simulate too: 200 with the errors) may answer 2xx.
                if (await ViolationAsync(admin, method, Route(route, "nothing") + "?" + query, body, mustRefuse: method != "GET" && !appendsNothing && body is not null && EndpointReadsBody(method, route), logUnchanged: method == "GET" || EndpointReadsBody(method, route)) is { } v)
                    wrong.Add($"seed {seed}: {v}");
            }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(40)));
    }

    [Fact]
    public async Task A_user_without_its_fields_or_with_an_unknown_role_is_a_400_not_a_500()
    {
        var admin = await api.ClientAsAsync("ada");
        var log = new Cib.Projections.Store.CibEventLog(api.Db.DataSource);
        var head = await log.HeadAsync();
        await Problem.AssertAsync(await admin.PostAsync("/api/v1/users", new StringContent("{}", Encoding.UTF8, "application/json")), 400, "user-incomplete");
        await Problem.AssertAsync(await admin.PostAsync("/api/v1/users", new StringContent("""{"name":"zed","role":7,"password":"a password of length"}""", Encoding.UTF8, "application/json")), 400, "role-unknown");
        await Problem.AssertAsync(await admin.PatchAsync("/api/v1/users/aude", new StringContent("""{"role":7}""", Encoding.UTF8, "application/json")), 400, "role-unknown");
        Assert.Equal(head, await log.HeadAsync());
    }

    [Fact]
    public async Task A_nul_in_a_query_value_is_a_400_not_a_500()
    {
        var admin = await api.ClientAsAsync("ada");
        await Problem.AssertAsync(await admin.GetAsync("/api/v1/history/failovers?resource=a%00"), 400, "query-invalid");
    }
}

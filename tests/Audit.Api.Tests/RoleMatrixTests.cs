using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>
/// Every endpoint the API maps, found from its routing table (so a new one is covered the day it is added), against
/// the roles' rule: nobody without a token but login, the health check and the API's description; an auditor reads
/// (and verifies, which appends nothing); an operator also sends resource, node and fencing commands; only an admin
/// changes the configuration or sees and changes users.
/// </summary>
public sealed class RoleMatrixTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    public enum Needs { Nobody, Auditor, Operator, Admin }

    /// <summary>The rule, from the roles; not a list of endpoints.</summary>
    private static Needs Rule(string method, string route, bool anonymous, bool appendsNothing)
    {
        if (anonymous) return Needs.Nobody;
        if (route.StartsWith("/api/v1/users", StringComparison.Ordinal)) return Needs.Admin;
        if (method == "GET" || appendsNothing) return Needs.Auditor;
        if (route.StartsWith("/api/v1/configuration", StringComparison.Ordinal)) return Needs.Admin;
        return Needs.Operator;
    }

    private static readonly string Body = """{"node":"nowhere","enabled":false,"value":"x","name":"nobody","password":"a password of length","role":"Auditor"}""";

    /// <summary>Each mapped method and route, whether it allows anonymous callers, and the body type it accepts (routing answers 415 to another).</summary>
    public static IEnumerable<(string Method, string Route, bool Anonymous, bool AppendsNothing, string ContentType)> Endpoints(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (m, "/" + e.RoutePattern.RawText!.TrimStart('/'), e.Metadata.GetMetadata<IAllowAnonymous>() is not null,
                    e.Metadata.GetMetadata<Security.AppendsNothing>() is not null,
                    e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.ContentTypes.FirstOrDefault() ?? "application/json")))
            .Distinct();

    private static string Concrete(string route) =>
        route.Replace("{id}", "nothing").Replace("{name}", "nobody").Replace("{documentName}", "v1").Replace("{*path}", "").Replace("{**slug}", "");

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string method, string route, string contentType)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var request = new HttpRequestMessage(new HttpMethod(method), Concrete(route));
        if (method is "POST" or "PUT" or "PATCH") request.Content = new StringContent(contentType == "text/plain" ? "node nowhere\n" : Body, Encoding.UTF8, contentType);
        // The status stream answers with its headers and then streams: the status code is all this needs.
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        return response.StatusCode;
    }

    // The logins (POST /auth/token, /auth/session) are left out: they answer 401 to a wrong password by design (ApiTests,
    // SessionTests); so is the logout of a token (DELETE /auth/token), which ends the very token each client here sends
    // (SessionTests: any user ends their own token, and only that one).
    [Fact]
    public async Task Every_endpoint_follows_the_roles_rule()
    {
        var endpoints = Endpoints(api.Services).ToList();
        Assert.True(endpoints.Count > 30, $"only {endpoints.Count} endpoints found");
        var clients = new Dictionary<Needs, HttpClient>
        {
            [Needs.Nobody] = api.CreateClient(), [Needs.Auditor] = await api.ClientAsAsync("aude"),
            [Needs.Operator] = await api.ClientAsAsync("otto"), [Needs.Admin] = await api.ClientAsAsync("ada"),
        };
        var wrong = new List<string>();
        var log = new Cib.Projections.Store.CibEventLog(api.Db.DataSource);
        foreach (var (method, route, anonymous, appendsNothing, contentType) in endpoints.Where(e => !(e.Route.StartsWith("/api/v1/auth/", StringComparison.Ordinal) && e.Method == "POST") && !(e.Route == "/api/v1/auth/token" && e.Method == "DELETE")))
        {
            var needs = Rule(method, route, anonymous, appendsNothing);
            foreach (var (who, client) in clients)
            {
                var head = await log.HeadAsync();
                var status = await SendAsync(client, method, route, contentType);
                if ((method == "GET" || appendsNothing) && await log.HeadAsync() != head) wrong.Add($"{method} {route} as {who} appended to the log");
                var expected = who < needs ? (who == Needs.Nobody ? "401" : "403") : "neither 401 nor 403";
                var ok = who < needs
                    ? status == (who == Needs.Nobody ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden)
                    : status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)status < 500;
                if (!ok) wrong.Add($"{method} {route} as {who}: {(int)status}, expected {expected}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}

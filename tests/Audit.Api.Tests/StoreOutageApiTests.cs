using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Cib.Domain.Primitives;
using Cib.Domain.Users;
using Cib.Projections.Store;
using TestSupport;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>
/// The API while its store does not answer (a failover in progress): a 503 problem+json with Retry-After, never a 500,
/// and the same request answered again once the store is back. On a PostgreSQL of the test's own, stopped and started.
/// </summary>
public sealed class StoreOutageApiTests
{
    [Fact]
    public async Task A_request_while_the_store_is_away_gets_503_with_retry_after_and_succeeds_once_it_is_back()
    {
        await using var server = await PrivateServer.StartAsync();
        var cs = server.ConnectionString();
        await SchemaMigrations.ApplyAsync(cs);
        using (var store = CibStore.Create(cs))
            await new UserStore(store).ChangeAsync(new AddUser("ada", UserRole.Admin), ApiFactory.Password, CommandMetadata.For(Actor.System("test")));
        await using var api = new ApiFactory.OnStore(cs);
        var client = api.CreateClient();
        var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { name = "ada", password = ApiFactory.Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        using (var token = JsonDocument.Parse(await login.Content.ReadAsStringAsync()))
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/status")).StatusCode);

        await server.StopAsync();
        Npgsql.NpgsqlConnection.ClearAllPools();
        var away = await client.GetAsync("/api/v1/status");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, away.StatusCode);
        Assert.Equal("application/problem+json", away.Content.Headers.ContentType?.MediaType);
        Assert.Equal("1", away.Headers.GetValues("Retry-After").Single());
        using (var problem = JsonDocument.Parse(await away.Content.ReadAsStringAsync()))
            Assert.Equal("store-unavailable", problem.RootElement.GetProperty("code").GetString());

        await server.StartAgainAsync();
        await Eventually.True(async () => (await client.GetAsync("/api/v1/status")).StatusCode == HttpStatusCode.OK, "the status is served again", 30);
    }
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Cib.Domain.Primitives;
using Cib.Domain.Users;
using Cib.Projections.Store;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using TestSupport;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>The API in process (ASP.NET Core's test server) on a fresh PostgreSQL database, with one user per role.</summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string Password = "correct horse battery";
    private TestDatabase? _db;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("ha-api-test-").FullName;

    public TestDatabase Db => _db ?? throw new InvalidOperationException("not initialised");
    protected virtual int LoginsPerMinute => 10_000;

    async Task IAsyncLifetime.InitializeAsync()
    {
        _db = await TestDatabase.CreateWithSchemaAsync("api");
        var users = new UserStore(_db.Store);
        var bootstrap = CommandMetadata.For(Actor.System("test"));
        await users.ChangeAsync(new AddUser("ada", UserRole.Admin), Password, bootstrap);
        await users.ChangeAsync(new AddUser("otto", UserRole.Operator), Password, bootstrap);
        await users.ChangeAsync(new AddUser("aude", UserRole.Auditor), Password, bootstrap);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Store:Connection", Db.ConnectionString);
        builder.UseSetting("Api:DataDir", _dataDir);
        builder.UseSetting("Api:LoginsPerMinute", LoginsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>A client logged in as <paramref name="user"/> (a bearer token from the login endpoint).</summary>
    public async Task<HttpClient> ClientAsAsync(string user)
    {
        var client = CreateClient();
        var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { name = user, password = Password });
        Assert.True(login.IsSuccessStatusCode, $"{user} logs in: {(int)login.StatusCode} {await login.Content.ReadAsStringAsync()}");
        using var token = JsonDocument.Parse(await login.Content.ReadAsStringAsync());
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("accessToken").GetString());
        return client;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        if (_db is not null) await _db.DisposeAsync();
        Directory.Delete(_dataDir, true);
    }

    /// <summary>A second API host on the same store, as another node's API is: its own data directory, the store's keys and rows.</summary>
    public sealed class OnSameStore(ApiFactory first) : OnStore(first.Db.ConnectionString);

    /// <summary>An API host on the store of <paramref name="connection"/>, with a data directory of its own.</summary>
    public class OnStore(string connection) : WebApplicationFactory<Program>
    {
        private readonly string _dataDir = Directory.CreateTempSubdirectory("ha-api-test-").FullName;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Store:Connection", connection);
            builder.UseSetting("Api:DataDir", _dataDir);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Directory.Delete(_dataDir, true);
        }
    }
}

/// <summary>The same API allowing two logins a minute per client address.</summary>
public sealed class StingyApiFactory : ApiFactory
{
    protected override int LoginsPerMinute => 2;
}

public static class Problem
{
    /// <summary>Asserts a problem+json answer with this status and stable code; returns its body.</summary>
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, int status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(status, json.GetProperty("status").GetInt32());
        Assert.Equal(code, json.GetProperty("code").GetString());
        return json;
    }
}

/// <summary>A 200 answer's JSON, or a failure that shows the status and the body.</summary>
public static class Ok
{
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }
}

using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace Audit.Api.Tests;

public class HealthTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    [Fact]
    public async Task Answers_health_checks()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_unknown_path_is_a_404_not_a_500()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/no/such/thing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}

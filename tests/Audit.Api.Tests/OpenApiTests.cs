using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Snapshooter.Xunit;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>The API's description is part of its contract: a change to it shows up as a snapshot diff to review.</summary>
public sealed partial class OpenApiTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task The_openapi_document_matches_its_snapshot()
    {
        var response = await api.CreateClient().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        // The server address depends on the host the test runs on: not part of the contract.
        var indented = new JsonSerializerOptions { WriteIndented = true };
        Snapshot.Match(JsonSerializer.Serialize(document.GetProperty("paths"), indented), "openapi-paths");
        Snapshot.Match(JsonSerializer.Serialize(document.GetProperty("components"), indented), "openapi-components");
    }

    [Fact]
    public async Task The_reference_page_is_served_from_this_host_and_loads_nothing_from_elsewhere()
    {
        var client = api.CreateClient();
        var page = await client.GetStringAsync("/reference");
        Assert.Contains("openapi/v1.json", page);
        var external = ExternalUrl().Matches(page).Select(m => m.Value).ToList();
        Assert.True(external.Count == 0, "the page loads from elsewhere: " + string.Join(", ", external));
        Assert.Matches(ScriptSource(), page);
        var script = ScriptSource().Match(page).Groups[1].Value;
        var scriptResponse = await client.GetAsync(script.StartsWith('/') ? script : "/reference/" + script);
        Assert.Equal(HttpStatusCode.OK, scriptResponse.StatusCode);
    }

    [GeneratedRegex(@"(src|href)=""https?://[^""]+""")]
    private static partial Regex ExternalUrl();

    [GeneratedRegex(@"<script[^>]*src=""([^""]+)""")]
    private static partial Regex ScriptSource();
}

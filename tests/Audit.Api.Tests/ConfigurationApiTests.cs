using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cib.Projections.Store;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>The configuration over HTTP: crm text in and out, versions as ETags, stale and missing preconditions, verify.</summary>
public sealed class ConfigurationApiTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string Text = """
        node node1
        node node2
        primitive vip ocf:heartbeat:IPaddr2 params ip=10.0.0.10 op monitor interval=10s
        property stonith-enabled=false
        """;

    private static StringContent Crm(string text) => new(text, Encoding.UTF8, "text/plain");

    private static HttpRequestMessage Put(string text, string? ifMatch, string query = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/api/v1/configuration" + query) { Content = Crm(text) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    private async Task<long> VersionAsync() => (await ConfigurationReader.LoadAsync(api.Db.Store)).Version;

    [Fact]
    public async Task An_admin_replaces_the_configuration_based_on_the_version_it_read()
    {
        var ada = await api.ClientAsAsync("ada");
        var got = await ada.GetAsync("/api/v1/configuration");
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        var etag = got.Headers.ETag!.Tag;

        await Problem.AssertAsync(await ada.SendAsync(Put(Text, null)), 428, "precondition-required");
        var loaded = await ada.SendAsync(Put(Text, etag));
        var body = await loaded.Content.ReadAsStringAsync();
        Assert.True(loaded.StatusCode == HttpStatusCode.OK, body);
        var newTag = loaded.Headers.ETag!.Tag;
        Assert.NotEqual(etag, newTag);
        Assert.Equal($"\"{await VersionAsync()}\"", newTag);

        // The client lost the answer and sends the same request again (same Idempotency-Key): the first answer, not a 412.
        var key = $"load-{Guid.NewGuid():N}";
        var first = Put(Text + "\nproperty cluster-recheck-interval=5min\n", newTag);
        first.Headers.Add("Idempotency-Key", key);
        var firstAnswer = JsonDocument.Parse(await (await ada.SendAsync(first)).Content.ReadAsStringAsync()).RootElement;
        var repeat = Put(Text + "\nproperty cluster-recheck-interval=5min\n", newTag);
        repeat.Headers.Add("Idempotency-Key", key);
        var repeated = await ada.SendAsync(repeat);
        var repeatAnswer = JsonDocument.Parse(await repeated.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.True(repeatAnswer.GetProperty("repeated").GetBoolean());
        Assert.Equal(firstAnswer.GetProperty("version").GetInt64(), repeatAnswer.GetProperty("version").GetInt64());
        etag = newTag;

        // The same text on the old version: someone changed it in between.
        var stale = await Problem.AssertAsync(await ada.SendAsync(Put(Text + "\nproperty no-quorum-policy=ignore\n", etag)), 412, "stale");
        Assert.Equal(await VersionAsync(), stale.GetProperty("currentVersion").GetInt64());

        var text = await (await ada.GetAsync("/api/v1/configuration")).Content.ReadAsStringAsync();
        Assert.Contains("primitive vip ocf:heartbeat:IPaddr2", text);
        var json = await ada.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/v1/configuration") { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/json") } } });
        var doc = JsonDocument.Parse(await json.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(await VersionAsync(), doc.GetProperty("version").GetInt64());
        Assert.Contains(doc.GetProperty("resources").EnumerateArray(), r => r.GetProperty("id").GetString() == "vip");
    }

    [Fact]
    public async Task A_bad_text_is_a_400_naming_line_and_column_and_changes_nothing()
    {
        var ada = await api.ClientAsAsync("ada");
        var version = await VersionAsync();
        var problem = await Problem.AssertAsync(await ada.SendAsync(Put("node node1\nprimitive vip ocf:heartbeat:IPaddr2 op monitor interval=banana\n", $"\"{version}\"")),
            400, "configuration-invalid");
        var error = problem.GetProperty("errors")[0];
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.True(error.GetProperty("column").GetInt32() > 1);
        Assert.Equal(version, await VersionAsync());
        await Problem.AssertAsync(await ada.SendAsync(Put(Text, "\"banana\"")), 400, "if-match-invalid");
        await Problem.AssertAsync(await ada.SendAsync(Put(Text, $"\"{version}\"", "?mode=sideways")), 400, "mode-invalid");
    }

    [Fact]
    public async Task Only_admins_change_the_configuration_and_anyone_logged_in_may_verify()
    {
        var otto = await api.ClientAsAsync("otto");
        await Problem.AssertAsync(await otto.SendAsync(Put(Text, $"\"{await VersionAsync()}\"")), 403, "forbidden");
        var version = await VersionAsync();
        var verified = await otto.PostAsync("/api/v1/configuration/verify", Crm(Text + "\nprimitive web ocf:heartbeat:apache\n"));
        var json = JsonDocument.Parse(await verified.Content.ReadAsStringAsync()).RootElement;
        Assert.True(json.GetProperty("valid").GetBoolean(), json.ToString());
        Assert.Contains(json.GetProperty("changes").EnumerateArray(), c => c.GetString()!.Contains("web", StringComparison.Ordinal));
        Assert.Equal(version, await VersionAsync());

        // With node1 online, the change would start what it defines there: the transition is shown, nothing is appended.
        await new CibEventLog(api.Db.DataSource).AppendAsync(StreamIds.Node("node1"), [new Cib.Domain.Nodes.NodeJoined("node1", "i1", "lease", DateTimeOffset.UtcNow)],
            AppendMetadata.Stamp(CommandMetadata.For(Cib.Domain.Primitives.Actor.Controller("node1"))));
        var planned = JsonDocument.Parse(await (await otto.PostAsync("/api/v1/configuration/verify", Crm(Text + "\nprimitive web ocf:heartbeat:apache\n"))).Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(planned.GetProperty("transition").EnumerateArray(), l => l.GetString()!.Contains("Start", StringComparison.Ordinal) && l.GetString()!.Contains("web", StringComparison.Ordinal));
        Assert.Equal(version, await VersionAsync());

        var bad = JsonDocument.Parse(await (await otto.PostAsync("/api/v1/configuration/verify", Crm("node node1\nfrobnicate everything\n"))).Content.ReadAsStringAsync()).RootElement;
        Assert.False(bad.GetProperty("valid").GetBoolean());
        Assert.Equal(2, bad.GetProperty("errors")[0].GetProperty("line").GetInt32());
        // No body: the stored configuration itself is checked.
        var stored = JsonDocument.Parse(await (await otto.PostAsync("/api/v1/configuration/verify", Crm(""))).Content.ReadAsStringAsync()).RootElement;
        Assert.True(stored.GetProperty("valid").GetBoolean(), stored.ToString());
        Assert.Empty(stored.GetProperty("changes").EnumerateArray());
        await Problem.AssertAsync(await api.CreateClient().PostAsync("/api/v1/configuration/verify", Crm(Text)), 401, "unauthenticated");
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Store;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>Operators' commands through the API and the mediator: what they append, who may send them, and repeats.</summary>
public sealed class CommandsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private async Task<ClusterConfiguration> ConfiguredAsync()
    {
        var (configuration, version) = await ConfigurationReader.LoadAsync(api.Db.Store);
        if (configuration.Resources.ContainsKey("site")) return configuration;
        await new ConfigurationWriter(api.Db.Store).ChangeAsync(new ChangeConfiguration(version, [
            new DefineNode("node1"), new DefineNode("node2"),
            new DefinePrimitive(Primitive.Create("vip", "ocf:heartbeat:IPaddr2")), new DefinePrimitive(Primitive.Create("web", "ocf:heartbeat:apache")),
            new DefineGroup(Group.Create("site", "vip", "web")),
        ], DateTimeOffset.UtcNow, Actor.User("ada")), CommandMetadata.For(Actor.User("ada")));
        return (await ConfigurationReader.LoadAsync(api.Db.Store)).State;
    }

    [Fact]
    public async Task An_operator_stops_and_starts_a_resource_as_themself()
    {
        await ConfiguredAsync();
        var otto = await api.ClientAsAsync("otto");
        var stopped = await Ok.AssertAsync(await otto.PostAsync("/api/v1/resources/site/stop", null));
        Assert.Equal("cib.resource_meta_attribute_set.v1", stopped.GetProperty("events")[0].GetProperty("type").GetString());
        Assert.Equal("Stopped", (await ConfigurationReader.LoadAsync(api.Db.Store)).State.Resources["site"].MetaValue(MetaAttributes.TargetRole));
        var last = (await api.Db.Store.QuerySession().Events.FetchStreamAsync(StreamIds.Configuration)).Last();
        Assert.Equal("user:otto", last.UserName);

        await Ok.AssertAsync(await otto.PostAsync("/api/v1/resources/site/start", null));
        Assert.Equal("Started", (await ConfigurationReader.LoadAsync(api.Db.Store)).State.Resources["site"].MetaValue(MetaAttributes.TargetRole));
        // Starting what is started changes nothing and appends nothing.
        Assert.Equal(0, (await Ok.AssertAsync(await otto.PostAsync("/api/v1/resources/site/start", null))).GetProperty("events").GetArrayLength());
    }

    [Fact]
    public async Task An_auditor_may_not_send_commands_and_unknown_names_are_404()
    {
        await ConfiguredAsync();
        var aude = await api.ClientAsAsync("aude");
        await Problem.AssertAsync(await aude.PostAsync("/api/v1/resources/site/stop", null), 403, "forbidden");
        await Problem.AssertAsync(await aude.PostAsync("/api/v1/nodes/node1/standby", null), 403, "forbidden");
        await Problem.AssertAsync(await api.CreateClient().PostAsync("/api/v1/resources/site/stop", null), 401, "unauthenticated");
        var otto = await api.ClientAsAsync("otto");
        await Problem.AssertAsync(await otto.PostAsync("/api/v1/resources/nothing/stop", null), 404, "unknown-resource");
        await Problem.AssertAsync(await otto.PostAsync("/api/v1/resources/nothing/cleanup", null), 404, "unknown-resource");
        await Problem.AssertAsync(await otto.PostAsync("/api/v1/resources/site/cleanup?node=node9", null), 404, "unknown-node");
        await Problem.AssertAsync(await otto.PostAsync("/api/v1/nodes/node9/standby", null), 404, "unknown-node");
        await Problem.AssertAsync(await otto.PostAsJsonAsync("/api/v1/resources/site/move", new { }), 400, "node-required");
        await Problem.AssertAsync(await otto.PostAsJsonAsync("/api/v1/resources/site/ban", new { node = "node9" }), 404, "unknown-node");
        await Problem.AssertAsync(await otto.PostAsync("/api/v1/resources/site/move", new StringContent("[1,", System.Text.Encoding.UTF8, "application/json")), 400, "bad-request");
        // Ids in paths are single printable words: an encoded separator, quote or control character is refused as such.
        await Problem.AssertAsync(await otto.PostAsync("/api/v1/resources/a%2Fb/stop", null), 400, "id-invalid");
        await Problem.AssertAsync(await otto.PostAsync("/api/v1/nodes/node%221/standby", null), 400, "id-invalid");
        await Problem.AssertAsync(await otto.GetAsync("/api/v1/resources/a%0Ab/failcounts"), 400, "id-invalid");
    }

    [Fact]
    public async Task A_repeat_with_the_same_idempotency_key_gets_the_first_answer()
    {
        await ConfiguredAsync();
        var otto = await api.ClientAsAsync("otto");
        var key = $"k-{Guid.NewGuid():N}";
        var first = new HttpRequestMessage(HttpMethod.Post, "/api/v1/resources/vip/unmanage") { Headers = { { "Idempotency-Key", key } } };
        var answer = await Ok.AssertAsync(await otto.SendAsync(first));
        Assert.False(answer.GetProperty("repeated").GetBoolean());
        var version = (await ConfigurationReader.LoadAsync(api.Db.Store)).Version;

        // Meanwhile someone manages it again; the lost answer's repeat must not unmanage it a second time.
        await Ok.AssertAsync(await otto.PostAsync("/api/v1/resources/vip/manage", null));
        var repeat = new HttpRequestMessage(HttpMethod.Post, "/api/v1/resources/vip/unmanage") { Headers = { { "Idempotency-Key", key } } };
        var again = await Ok.AssertAsync(await otto.SendAsync(repeat));
        Assert.True(again.GetProperty("repeated").GetBoolean());
        Assert.Equal(answer.GetProperty("configurationVersion").GetInt64(), again.GetProperty("configurationVersion").GetInt64());
        Assert.Equal(version + 1, (await ConfigurationReader.LoadAsync(api.Db.Store)).Version);
        Assert.Equal("true", (await ConfigurationReader.LoadAsync(api.Db.Store)).State.Resources["vip"].MetaValue(MetaAttributes.IsManaged));

        var bad = new HttpRequestMessage(HttpMethod.Post, "/api/v1/resources/vip/unmanage") { Headers = { { "Idempotency-Key", "has space" } } };
        await Problem.AssertAsync(await otto.SendAsync(bad), 400, "idempotency-key-invalid");
    }

    [Fact]
    public async Task Cleanup_forgets_a_groups_failures_once_per_request()
    {
        await ConfiguredAsync();
        var log = new CibEventLog(api.Db.DataSource);
        await log.AppendAsync(StreamIds.ResourceOn("web", "node1"), [new ResourceOperationFailed("web", "node1", "monitor", 10_000, 7, OperationStatus.Done,
            new OperationOrigin(null, null), 5, null, "not running", DateTimeOffset.UtcNow)], AppendMetadata.Stamp(CommandMetadata.For(Actor.Node("node1"))));
        var otto = await api.ClientAsAsync("otto");
        var before = await otto.GetFromJsonAsync<JsonElement>("/api/v1/status");
        Assert.Contains(before.GetProperty("failCounts").EnumerateArray(), f => f.GetProperty("resource").GetString() == "web");

        var key = $"c-{Guid.NewGuid():N}";
        var request = () => new HttpRequestMessage(HttpMethod.Post, "/api/v1/resources/site/cleanup") { Headers = { { "Idempotency-Key", key } } };
        var cleaned = await Ok.AssertAsync(await otto.SendAsync(request()));
        Assert.Equal(["vip", "web"], cleaned.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "cib.fail_count_cleared.v2")
            .Select(e => e.GetProperty("data").GetProperty("resource").GetString()));
        Assert.True((await Ok.AssertAsync(await otto.SendAsync(request()))).GetProperty("repeated").GetBoolean());
        Assert.Equal(2, (await api.Db.EventsAsync(StreamIds.Resource("site"))).OfType<FailCountCleared>().Count());

        var after = await otto.GetFromJsonAsync<JsonElement>("/api/v1/status");
        Assert.DoesNotContain(after.GetProperty("failCounts").EnumerateArray(), f => f.GetProperty("resource").GetString() == "web");
    }

    [Fact]
    public async Task Move_ban_and_clear_are_crms_location_constraints()
    {
        await ConfiguredAsync();
        var otto = await api.ClientAsAsync("otto");
        await Ok.AssertAsync(await otto.PostAsJsonAsync("/api/v1/resources/site/move", new { node = "node2" }));
        await Ok.AssertAsync(await otto.PostAsJsonAsync("/api/v1/resources/site/ban", new { node = "node1" }));
        var constraints = (await ConfigurationReader.LoadAsync(api.Db.Store)).State.Constraints;
        Assert.Equal(Score.Infinity, ((LocationConstraint)constraints["cli-prefer-site"]).Score);
        Assert.Equal(("node1", Score.MinusInfinity), (((LocationConstraint)constraints["cli-ban-site-on-node1"]).Node, ((LocationConstraint)constraints["cli-ban-site-on-node1"]).Score));
        // Moving again elsewhere replaces the preference rather than adding one.
        await Ok.AssertAsync(await otto.PostAsJsonAsync("/api/v1/resources/site/move", new { node = "node1" }));
        Assert.Equal("node1", ((LocationConstraint)(await ConfigurationReader.LoadAsync(api.Db.Store)).State.Constraints["cli-prefer-site"]).Node);

        // With a lifetime the preference ends by itself (the store's clock, whole seconds); a lifetime that is not one is a 400.
        var before = DateTimeOffset.UtcNow;
        await Ok.AssertAsync(await otto.PostAsJsonAsync("/api/v1/resources/site/move", new { node = "node2", lifetime = "PT1H" }));
        var until = ((LocationConstraint)(await ConfigurationReader.LoadAsync(api.Db.Store)).State.Constraints["cli-prefer-site"]).Until;
        Assert.NotNull(until);
        Assert.InRange(until!.Value, before.AddHours(1).AddSeconds(-5), before.AddHours(1).AddSeconds(65));
        await Problem.AssertAsync(await otto.PostAsJsonAsync("/api/v1/resources/site/ban", new { node = "node1", lifetime = "soon" }), 400, "invalid-lifetime");
        // Moving again without one makes it lasting.
        await Ok.AssertAsync(await otto.PostAsJsonAsync("/api/v1/resources/site/move", new { node = "node2" }));
        Assert.Null(((LocationConstraint)(await ConfigurationReader.LoadAsync(api.Db.Store)).State.Constraints["cli-prefer-site"]).Until);

        await Ok.AssertAsync(await otto.PostAsync("/api/v1/resources/site/clear", null));
        Assert.DoesNotContain((await ConfigurationReader.LoadAsync(api.Db.Store)).State.Constraints.Keys, k => k.StartsWith("cli-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Node_standby_and_cluster_maintenance_show_in_the_status()
    {
        await ConfiguredAsync();
        var otto = await api.ClientAsAsync("otto");
        await new CibEventLog(api.Db.DataSource).AppendAsync(StreamIds.Node("node2"), [new NodeJoined("node2", "i2", "lease", DateTimeOffset.UtcNow)],
            AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller("node1"))));
        await Ok.AssertAsync(await otto.PostAsync("/api/v1/nodes/node2/standby", null));
        await Ok.AssertAsync(await otto.PostAsJsonAsync("/api/v1/cluster/maintenance", new { enabled = true }));
        var status = await otto.GetFromJsonAsync<JsonElement>("/api/v1/status");
        Assert.Contains(status.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString() == "node2" && n.GetProperty("state").GetString() == "standby");
        Assert.True(status.GetProperty("maintenanceMode").GetBoolean());
        await Ok.AssertAsync(await otto.PostAsync("/api/v1/nodes/node2/online", null));
        await Ok.AssertAsync(await otto.PostAsJsonAsync("/api/v1/cluster/maintenance", new { enabled = false }));
        status = await otto.GetFromJsonAsync<JsonElement>("/api/v1/status");
        Assert.Contains(status.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString() == "node2" && n.GetProperty("state").GetString() == "online");
        Assert.False(status.GetProperty("maintenanceMode").GetBoolean());
    }
}

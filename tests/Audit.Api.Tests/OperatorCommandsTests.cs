using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Store;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>
/// Restart, refresh, fail counts and fencing through the cluster: what each appends, what the cluster then calls for
/// (the answer's transition), and the refusals a state makes (a node that is not a member, a restart that cannot stop).
/// </summary>
public sealed class OperatorCommandsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly DateTimeOffset At = DateTimeOffset.UtcNow;

    private async Task ConfiguredAsync()
    {
        var (configuration, version) = await ConfigurationReader.LoadAsync(api.Db.Store);
        if (configuration.Resources.ContainsKey("site")) return;
        await new ConfigurationWriter(api.Db.Store).ChangeAsync(new ChangeConfiguration(version, [
            new DefineNode("node1"), new DefineNode("node2"), new DefineNode("node3"),
            new DefinePrimitive(Primitive.Create("vip", "ocf:heartbeat:IPaddr2")), new DefinePrimitive(Primitive.Create("web", "ocf:heartbeat:apache")),
            new DefineGroup(Group.Create("site", "vip", "web")), new DefinePrimitive(Primitive.Create("lone", "ocf:heartbeat:Dummy")),
            new DefinePrimitive(Primitive.Create("solo", "ocf:heartbeat:Dummy")),
            new DefinePrimitive(Primitive.Create("fence", "stonith:fence_dummy", ValueMap.Empty.Set("pcmk_host_list", "node1 node2 node3"))),
        ], At, Actor.User("ada")), CommandMetadata.For(Actor.User("ada")));
        var log = new CibEventLog(api.Db.DataSource);
        foreach (var node in new[] { "node1", "node2" })
            await log.AppendAsync(StreamIds.Node(node), [new NodeJoined(node, $"i-{node}", "lease", At)], AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller("node1"))));
    }

    private Task AppendAsync(string resource, string node, object e) =>
        new CibEventLog(api.Db.DataSource).AppendAsync(StreamIds.ResourceOn(resource, node), [e], AppendMetadata.Stamp(CommandMetadata.For(Actor.Node(node))));

    private static IEnumerable<string> Types(JsonElement answer) => answer.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()!);

    private static IEnumerable<string> Transition(JsonElement answer) => answer.GetProperty("transition").EnumerateArray().Select(e => e.GetString()!);

    [Fact]
    public async Task Fencing_through_the_cluster_is_a_request_the_planner_fences_for()
    {
        await ConfiguredAsync();
        var otto = await api.ClientAsAsync("otto");
        var answer = await Ok.AssertAsync(await otto.PostAsync("/api/v1/nodes/node2/fence", null));
        Assert.Equal(["cib.node_termination_requested.v1"], Types(answer));
        Assert.Contains("otto", answer.GetProperty("events")[0].GetProperty("data").GetProperty("requestedBy").GetRawText(), StringComparison.Ordinal);
        // The planner, fed the request, fences the node as it fences any node that must go.
        Assert.True(Transition(answer).Any(l => l.StartsWith("* Fence (", StringComparison.Ordinal) && l.Contains("node2", StringComparison.Ordinal)),
            string.Join("\n", Transition(answer)));

        // Nothing to fence: a node that is not an online member; fencing off; an auditor may not.
        await Problem.AssertAsync(await otto.PostAsync("/api/v1/nodes/node3/fence", null), 409, "node-not-member");
        await Problem.AssertAsync(await otto.PostAsync("/api/v1/nodes/node9/fence", null), 404, "unknown-node");
        await Problem.AssertAsync(await (await api.ClientAsAsync("aude")).PostAsync("/api/v1/nodes/node1/fence", null), 403, "forbidden");
    }

    [Fact]
    public async Task Cleanup_forgets_the_history_where_it_failed_and_refresh_everywhere()
    {
        await ConfiguredAsync();
        await AppendAsync("lone", "node1", new ResourceOperationSucceeded("lone", "node1", "start", 0, 0, new OperationOrigin(null, null), 5, null, null, At));
        await AppendAsync("lone", "node2", new ResourceOperationFailed("lone", "node2", "start", 0, 1, OperationStatus.Done, new OperationOrigin(null, null), 5, null, "boom", At));
        var otto = await api.ClientAsAsync("otto");
        var status = await otto.GetFromJsonAsync<JsonElement>("/api/v1/status");
        Assert.Contains(status.GetProperty("failedOperations").EnumerateArray(), f => f.GetProperty("resource").GetString() == "lone");

        var cleaned = await Ok.AssertAsync(await otto.PostAsync("/api/v1/resources/lone/cleanup", null));
        Assert.Equal(["cib.fail_count_cleared.v2", "cib.resource_history_cleared.v1"], Types(cleaned));
        Assert.Equal("node2", cleaned.GetProperty("events")[1].GetProperty("data").GetProperty("node").GetString());
        status = await otto.GetFromJsonAsync<JsonElement>("/api/v1/status");
        Assert.DoesNotContain(status.GetProperty("failedOperations").EnumerateArray(), f => f.GetProperty("resource").GetString() == "lone");
        Assert.Contains(status.GetProperty("resources").EnumerateArray(), r => r.GetProperty("id").GetString() == "lone"
            && r.GetProperty("nodes").EnumerateArray().Select(x => x.GetString()).SequenceEqual(["node1"]));

        // Refresh forgets all of it: where it runs is unknown until probed.
        var refreshed = await Ok.AssertAsync(await otto.PostAsync("/api/v1/resources/lone/refresh", null));
        Assert.Equal(["cib.resource_history_cleared.v1"], Types(refreshed));
        status = await otto.GetFromJsonAsync<JsonElement>("/api/v1/status");
        Assert.Contains(status.GetProperty("resources").EnumerateArray(), r => r.GetProperty("id").GetString() == "lone" && r.GetProperty("nodes").GetArrayLength() == 0);
    }

    [Fact]
    public async Task Cleanup_without_a_resource_cleans_every_resource_that_failed_and_maintenance_is_meta()
    {
        await ConfiguredAsync();
        await AppendAsync("vip", "node2", new ResourceOperationFailed("vip", "node2", "start", 0, 1, OperationStatus.Done, new OperationOrigin(null, null), 5, null, "busy", At));
        var otto = await api.ClientAsAsync("otto");
        var cleaned = await Ok.AssertAsync(await otto.PostAsync("/api/v1/cluster/cleanup?node=node2", null));
        Assert.Contains(cleaned.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "cib.resource_history_cleared.v1"
            && e.GetProperty("data").GetProperty("resource").GetString() == "vip" && e.GetProperty("data").GetProperty("node").GetString() == "node2");
        var status = await otto.GetFromJsonAsync<JsonElement>("/api/v1/status");
        Assert.DoesNotContain(status.GetProperty("failedOperations").EnumerateArray(), f => f.GetProperty("node").GetString() == "node2");
        // Nothing failed any more: nothing to clean.
        Assert.Equal(0, (await Ok.AssertAsync(await otto.PostAsync("/api/v1/cluster/cleanup?node=node2", null))).GetProperty("events").GetArrayLength());

        await Ok.AssertAsync(await otto.PostAsJsonAsync("/api/v1/resources/lone/maintenance", new { enabled = true }));
        Assert.Equal("true", (await ConfigurationReader.LoadAsync(api.Db.Store)).State.Resources["lone"].MetaValue(MetaAttributes.Maintenance));
        status = await otto.GetFromJsonAsync<JsonElement>("/api/v1/status");
        Assert.Contains(status.GetProperty("resources").EnumerateArray(), r => r.GetProperty("id").GetString() == "lone" && !r.GetProperty("managed").GetBoolean());
        await Ok.AssertAsync(await otto.PostAsJsonAsync("/api/v1/resources/lone/maintenance", new { enabled = false }));
        await Problem.AssertAsync(await otto.PostAsJsonAsync("/api/v1/resources/nothing/maintenance", new { enabled = true }), 404, "unknown-resource");
    }

    [Fact]
    public async Task Fail_counts_are_shown_per_node_and_deleted_without_the_history()
    {
        await ConfiguredAsync();
        await AppendAsync("web", "node1", new ResourceOperationFailed("web", "node1", "monitor", 10_000, 7, OperationStatus.Done, new OperationOrigin(null, null), 5, null, "gone", At));
        var otto = await api.ClientAsAsync("otto");
        var counts = await otto.GetFromJsonAsync<JsonElement>("/api/v1/resources/site/failcounts");
        Assert.Contains(counts.EnumerateArray(), c => c.GetProperty("resource").GetString() == "web" && c.GetProperty("node").GetString() == "node1" && c.GetProperty("count").GetInt32() == 1);
        var deleted = await Ok.AssertAsync(await otto.DeleteAsync("/api/v1/resources/web/failcounts?node=node1"));
        Assert.Equal(["cib.fail_count_cleared.v2"], Types(deleted));
        Assert.Equal(0, (await otto.GetFromJsonAsync<JsonElement>("/api/v1/resources/site/failcounts")).GetArrayLength());
        // The failed monitor stays on record: deleting a fail count is not a cleanup.
        var status = await otto.GetFromJsonAsync<JsonElement>("/api/v1/status");
        Assert.Contains(status.GetProperty("failedOperations").EnumerateArray(), f => f.GetProperty("resource").GetString() == "web");
        await Problem.AssertAsync(await otto.GetAsync("/api/v1/resources/nothing/failcounts"), 404, "unknown-resource");
    }

    [Fact]
    public async Task Restart_stops_waits_and_restores_the_target_role()
    {
        await ConfiguredAsync();
        var otto = await api.ClientAsAsync("otto");
        // Not running anywhere: stopped at once, then started again, as one request (a repeat does it once).
        var key = $"r-{Guid.NewGuid():N}";
        var request = () => new HttpRequestMessage(HttpMethod.Post, "/api/v1/resources/solo/restart") { Headers = { { "Idempotency-Key", key } } };
        var restarted = await Ok.AssertAsync(await otto.SendAsync(request()));
        Assert.Equal(2, restarted.GetProperty("events").GetArrayLength());
        var version = (await ConfigurationReader.LoadAsync(api.Db.Store)).Version;
        Assert.True((await Ok.AssertAsync(await otto.SendAsync(request()))).GetProperty("repeated").GetBoolean());
        Assert.Equal(version, (await ConfigurationReader.LoadAsync(api.Db.Store)).Version);
        Assert.Equal("Started", (await ConfigurationReader.LoadAsync(api.Db.Store)).State.Resources["solo"].MetaValue(MetaAttributes.TargetRole));

        // Running on node1 and no controller to stop it: the restart gives up and restores the target-role.
        await AppendAsync("solo", "node1", new ResourceOperationSucceeded("solo", "node1", "start", 0, 0, new OperationOrigin(null, null), 5, null, null, At));
        await Problem.AssertAsync(await otto.PostAsync("/api/v1/resources/solo/restart?timeout=1", null), 409, "restart-timeout");
        Assert.Equal("Started", (await ConfigurationReader.LoadAsync(api.Db.Store)).State.Resources["solo"].MetaValue(MetaAttributes.TargetRole));
    }
}

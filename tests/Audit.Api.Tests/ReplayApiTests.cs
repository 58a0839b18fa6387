using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Store;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>The cluster at a past position, why a recorded transition was planned, and what-if; an auditor may, and nothing is appended.</summary>
public sealed class ReplayApiTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly DateTimeOffset At = DateTimeOffset.UtcNow;

    /// <summary>node1 and node2 joined, ip running on node1, and the transition the controller would have planned then, recorded.</summary>
    private async Task<(long BeforeNode2, string Transition)> RecordedAsync()
    {
        var log = new CibEventLog(api.Db.DataSource);
        var meta = AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller("node1")));
        if ((await log.FetchStreamAsync(StreamIds.Transition("t-explained"))).Count > 0)
            return ((await log.FetchStreamAsync(StreamIds.Node("node1")))[0].Sequence, "t-explained");
        await new ConfigurationWriter(api.Db.Store).ChangeAsync(new ChangeConfiguration(0, [
            new DefineNode("node1"), new DefineNode("node2"),
            new DefinePrimitive(Primitive.Create("fence", "stonith:fence_dummy", ValueMap.Empty.Set("pcmk_host_list", "node1 node2"))),
            new DefinePrimitive(Primitive.Create("ip", "ocf:heartbeat:IPaddr2")), new SetResourceDefault("resource-stickiness", "100"),
        ], At, Actor.User("ada")), CommandMetadata.For(Actor.User("ada")));
        await log.AppendAsync(StreamIds.Node("node1"), [new NodeJoined("node1", "i1", "lease", At)], meta);
        var beforeNode2 = await log.HeadAsync();
        await log.AppendAsync(StreamIds.Node("node2"), [new NodeJoined("node2", "i2", "lease", At)], meta);
        await log.AppendAsync(StreamIds.ResourceOn("ip", "node1"), [new ResourceOperationSucceeded("ip", "node1", "start", 0, 0, new OperationOrigin(null, null), 5, null, null, At)], meta);
        // What the controller plans and records: the planner on the state as of the head.
        var (status, position) = await StatusView.CurrentStatusAsync(new StoredStatus(api.Db.DataSource), log);
        var (configuration, _) = await ConfigurationReader.LoadAsync(log);
        var planned = TransitionPlanner.Plan(configuration, status, position, At) with { TransitionId = "t-explained" };
        await log.AppendAsync(StreamIds.Transition("t-explained"), [planned], meta);
        return (beforeNode2, "t-explained");
    }

    [Fact]
    public async Task An_auditor_sees_the_cluster_at_a_past_position_and_why_a_transition_was_planned()
    {
        var (beforeNode2, transition) = await RecordedAsync();
        var aude = await api.ClientAsAsync("aude");
        var then = await Ok.AssertAsync(await aude.GetAsync($"/api/v1/replay?at={beforeNode2}"));
        Assert.Equal(beforeNode2, then.GetProperty("position").GetInt64());
        Assert.Contains(then.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString() == "node2" && n.GetProperty("state").GetString() == "offline");
        var now = await Ok.AssertAsync(await aude.GetAsync("/api/v1/replay"));
        Assert.Contains(now.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString() == "node2" && n.GetProperty("state").GetString() == "online");
        Assert.Contains("Node List:", await (await aude.GetAsync($"/api/v1/replay?at={beforeNode2}&format=text")).Content.ReadAsStringAsync());

        var explained = await Ok.AssertAsync(await aude.GetAsync($"/api/v1/explain/{transition}?resource=ip"));
        Assert.True(explained.GetProperty("same").GetBoolean());
        var kept = explained.GetProperty("placement").EnumerateArray().Single(c => c.GetProperty("node").GetString() == "node1");
        Assert.True(kept.GetProperty("chosen").GetBoolean());
        Assert.Contains(kept.GetProperty("because").EnumerateArray(), b => b.GetString()!.StartsWith("stickiness", StringComparison.Ordinal));

        await Problem.AssertAsync(await aude.GetAsync("/api/v1/explain/t-none"), 404, "unknown-transition");
        await Problem.AssertAsync(await aude.GetAsync("/api/v1/replay?at=yesterday"), 400, "at-invalid");
        var check = await Ok.AssertAsync(await aude.GetAsync("/api/v1/replay/check"));
        Assert.Equal(0, check.GetProperty("mismatches").GetArrayLength());
    }

    [Fact]
    public async Task Replay_and_explain_answer_the_same_from_replay_snapshots_as_from_the_log_alone()
    {
        var (_, transition) = await RecordedAsync();
        var aude = await api.ClientAsAsync("aude");
        var head = await new CibEventLog(api.Db.DataSource).HeadAsync();
        async Task<List<string>> AnswersAsync()
        {
            var answers = new List<string>();
            for (var p = 0L; p <= head; p++) answers.Add(await (await aude.GetAsync($"/api/v1/replay?at={p}")).Content.ReadAsStringAsync());
            answers.Add(await (await aude.GetAsync($"/api/v1/explain/{transition}")).Content.ReadAsStringAsync());
            return answers;
        }
        var fromTheLog = await AnswersAsync();

        // Snapshots every 2 positions (the controller's: every 100,000): each answer from the latest one before it and the rest of the log.
        await new StoredHistory(api.Db.DataSource, replaySnapshotInterval: 2).CatchUpAsync(head);
        Assert.Equal(head / 2, (await new ReplaySnapshots(api.Db.DataSource).PositionsAsync()).Count);
        Assert.Equal(fromTheLog, await AnswersAsync());
    }

    [Fact]
    public async Task What_if_plans_without_appending()
    {
        await RecordedAsync();
        var aude = await api.ClientAsAsync("aude");
        var log = new CibEventLog(api.Db.DataSource);
        var head = await log.HeadAsync();
        var lost = await Ok.AssertAsync(await aude.PostAsJsonAsync("/api/v1/simulate", new { nodeLost = new[] { "node1" } }));
        Assert.Contains(lost.GetProperty("summary").EnumerateArray(), l => l.GetString()!.StartsWith("* Fence (", StringComparison.Ordinal) && l.GetString()!.Contains("node1", StringComparison.Ordinal));
        Assert.Contains(lost.GetProperty("summary").EnumerateArray(), l => l.GetString()!.Contains("ip", StringComparison.Ordinal) && l.GetString()!.Contains("node2", StringComparison.Ordinal));
        var edited = await Ok.AssertAsync(await aude.PostAsJsonAsync("/api/v1/simulate", new { edit = "location ban-ip-node1 ip -inf: node1\n" }));
        Assert.Contains(edited.GetProperty("summary").EnumerateArray(), l => l.GetString()!.Contains("ip", StringComparison.Ordinal) && l.GetString()!.Contains("node2", StringComparison.Ordinal));
        Assert.Equal(head, await log.HeadAsync());

        await Problem.AssertAsync(await aude.PostAsJsonAsync("/api/v1/simulate", new { resourceFailed = new[] { "ip" } }), 400, "what-if-invalid");
        await Problem.AssertAsync(await aude.PostAsJsonAsync("/api/v1/simulate", new { nodeLost = new[] { "node9" } }), 404, "unknown-node");
        await Problem.AssertAsync(await aude.PostAsJsonAsync("/api/v1/simulate", new { edit = "primitive x\n" }), 400, "configuration-invalid");
    }
}

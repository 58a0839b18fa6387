using System.Net;
using Cib.Domain.Configuration;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>crm report through the API: a window's fencing, failures, changes and transitions (each planned again), as Markdown or HTML.</summary>
public sealed class ReportTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_report_holds_the_windows_fencing_failures_changes_and_explained_transitions()
    {
        var at = DateTimeOffset.UtcNow;
        var log = new CibEventLog(api.Db.DataSource);
        var controller = AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller("node2")));
        await new ConfigurationWriter(api.Db.Store).ChangeAsync(new ChangeConfiguration(0, [
            new DefineNode("node1"), new DefineNode("node2"),
            new DefinePrimitive(Primitive.Create("fence", "stonith:fence_dummy", ValueMap.Empty.Set("pcmk_host_list", "node1 node2"))),
            new DefinePrimitive(Primitive.Create("ip", "ocf:heartbeat:IPaddr2")),
        ], at, Actor.User("ada"), "the first cluster"), CommandMetadata.For(Actor.User("ada")));
        await log.AppendAsync(StreamIds.Node("node1"), [new NodeJoined("node1", "i1", "lease", at)], controller);
        await log.AppendAsync(StreamIds.Node("node2"), [new NodeJoined("node2", "i2", "lease", at)], controller);
        await log.AppendAsync(StreamIds.ResourceOn("ip", "node1"), [new ResourceOperationFailed("ip", "node1", "start", 0, 1, OperationStatus.Done,
            new OperationOrigin(null, null), 40, null, "address in use", at)], AppendMetadata.Stamp(CommandMetadata.For(Actor.Node("node1"))));
        await log.AppendAsync(StreamIds.Node("node1"), [new NodeLost("node1", "lease expired", at, at)], controller);
        var (status, position) = await StatusView.CurrentStatusAsync(new StoredStatus(api.Db.DataSource), log);
        var (configuration, _) = await ConfigurationReader.LoadAsync(log);
        var planned = TransitionPlanner.Plan(configuration, status, position, at);
        await log.AppendAsync(StreamIds.Transition(planned.TransitionId), [planned], controller);
        await log.AppendAsync(StreamIds.Fencing("node1"), [new FencingRequested($"{planned.TransitionId}/1", "node1", "reboot", "node lost", "fence", planned.TransitionId, 1, at),
            new NodeFenced($"{planned.TransitionId}/1", "node1", "fence", "reboot", "node2", 850, at)], controller);

        var aude = await api.ClientAsAsync("aude");
        var window = $"since={Uri.EscapeDataString(at.AddMinutes(-5).ToString("O"))}&until={Uri.EscapeDataString(at.AddMinutes(5).ToString("O"))}";
        var response = await aude.GetAsync($"/api/v1/report?{window}");
        var md = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, md);
        Assert.Equal("text/markdown", response.Content.Headers.ContentType?.MediaType);
        Assert.True(md.Contains("| fence requests succeeded | 1 |", StringComparison.Ordinal), md);
        Assert.Matches(@"\| node1 \| reboot \| fence \| node2 \| [^|]+ \| succeeded \| 850 ms \|", md);
        Assert.Contains("| ip | node1 | start | 1 ", md);
        Assert.Contains("address in use", md);
        Assert.Contains("Why: the first cluster", md);
        // The lost node opened an incident (its fence here carries no causation id, so it is not linked to it).
        Assert.Contains("### node-lost node1:", md);
        Assert.Contains($"### {planned.TransitionId}:", md);
        Assert.Contains("Planned again from its inputs: the same transition.", md);
        Assert.Contains(planned.Summary.First(l => l.StartsWith("* Fence (", StringComparison.Ordinal)), md);

        var html = await (await aude.GetAsync($"/api/v1/report?{window}&format=html")).Content.ReadAsStringAsync();
        Assert.Contains("<table>", html);
        Assert.Contains("<h2 id=\"fencing\">Fencing</h2>", html);
        await Problem.AssertAsync(await aude.GetAsync("/api/v1/report?since=soon"), 400, "time-invalid");
        await Problem.AssertAsync(await aude.GetAsync($"/api/v1/report?{window}&format=pdf"), 400, "format-unknown");
    }
}

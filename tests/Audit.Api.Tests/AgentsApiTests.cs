using System.Net;
using System.Text.Json;
using Cib.Projections.Store;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>
/// The agents the console's form offers (decision 0017): this API host's own until a node has reported, then the nodes'
/// reports with the meta-data they read, the built-in stonith:external/libvirt among them.
/// </summary>
public sealed class AgentsApiTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string Libvirt = "stonith:external/libvirt";

    private static string Metadata(string name) => $"""
        <?xml version="1.0"?>
        <resource-agent name="{name}"><version>1.0</version><shortdesc lang="en">{name}, as node reported it</shortdesc>
        <parameters><parameter name="hostlist" required="1"><content type="string"/><shortdesc lang="en">Nodes this device can fence</shortdesc></parameter>
        <parameter name="hypervisor_uri" required="1"><content type="string"/><shortdesc lang="en">qemu+ssh://[user@]host[:port]/system</shortdesc></parameter></parameters>
        <actions><action name="monitor" timeout="20s" interval="3600s"/></actions></resource-agent>
        """;

    [Fact]
    public async Task The_agents_are_the_api_hosts_until_a_node_reports_then_the_nodes_with_their_meta_data()
    {
        var client = await api.ClientAsAsync("aude");

        // No node has reported: this host's agents, and the answer says so.
        var local = await client.GetAsync("/api/v1/agents");
        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        Assert.Equal("api-host", local.Headers.GetValues("X-Agent-Source").Single());
        var body = JsonDocument.Parse(await local.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("api-host", body.GetProperty("source").GetString());
        Assert.Contains("no node has reported", body.GetProperty("note").GetString());
        Assert.Contains("ocf:heartbeat:Dummy", body.GetProperty("agents").EnumerateArray().Select(a => a.GetString()));
        Assert.DoesNotContain(Libvirt, body.GetProperty("agents").EnumerateArray().Select(a => a.GetString()));
        var dummy = await client.GetAsync("/api/v1/agents/ocf:heartbeat:Dummy");
        Assert.Equal(HttpStatusCode.OK, dummy.StatusCode);
        Assert.Contains("<resource-agent name=\"Dummy\"", await dummy.Content.ReadAsStringAsync());

        // Two nodes report (as a node runtime does at start, decision 0017): node2 has an agent node1 lacks, one agent's
        // meta-data could not be read, one is still to be read.
        var nodes = new NodeAgents(api.Db.DataSource);
        InstalledAgent libvirt = new(Libvirt, "built-in:1"), extra = new("ocf:site:Extra", "10:1"), broken = new("ocf:site:Broken", "20:2"),
            pending = new("ocf:site:Pending", "30:3");
        await nodes.ReplaceAsync("node1", [libvirt, broken]);
        await nodes.DescribeAsync("node1", libvirt, Metadata("external/libvirt"), null);
        await nodes.DescribeAsync("node1", broken, null, "ocf:site:Broken: meta-data exited 1: oops");
        await nodes.ReplaceAsync("node2", [libvirt, extra, pending]);
        await nodes.DescribeAsync("node2", extra, Metadata("Extra"), null);

        var reported = await client.GetAsync("/api/v1/agents");
        Assert.Equal("nodes", reported.Headers.GetValues("X-Agent-Source").Single());
        body = JsonDocument.Parse(await reported.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("nodes", body.GetProperty("source").GetString());
        Assert.Equal(["ocf:site:Extra", Libvirt], body.GetProperty("agents").EnumerateArray().Select(a => a.GetString()!).ToArray());
        Assert.Equal(["node1", "node2"], body.GetProperty("nodes").EnumerateArray().Select(a => a.GetString()!).ToArray());
        Assert.Equal(["node1", "node2"], body.GetProperty("installedOn").GetProperty(Libvirt).EnumerateArray().Select(a => a.GetString()!).ToArray());
        Assert.Equal(["node2"], body.GetProperty("installedOn").GetProperty("ocf:site:Extra").EnumerateArray().Select(a => a.GetString()!).ToArray());
        Assert.Contains("oops", body.GetProperty("undescribed").GetProperty("ocf:site:Broken").GetString());
        Assert.Contains("not read yet", body.GetProperty("undescribed").GetProperty("ocf:site:Pending").GetString());

        // The name's slash as the console sends it (encoded) and as typed.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/agents/{Libvirt}")).StatusCode);
        var metadata = await client.GetAsync($"/api/v1/agents/{Uri.EscapeDataString(Libvirt)}");
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        Assert.Equal("application/xml", metadata.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nodes", metadata.Headers.GetValues("X-Agent-Source").Single());
        var xml = await metadata.Content.ReadAsStringAsync();
        Assert.Contains("name=\"hostlist\" required=\"1\"", xml);
        Assert.Contains("name=\"hypervisor_uri\" required=\"1\"", xml);

        // A slash only between the parts of a type: nothing that climbs out of a directory.
        await Problem.AssertAsync(await client.GetAsync("/api/v1/agents/stonith:external%2F..%2Flibvirt"), 400, "id-invalid");
        await Problem.AssertAsync(await client.GetAsync("/api/v1/agents/ocf:site:Broken"), 502, "agent-metadata-failed");
        await Problem.AssertAsync(await client.GetAsync("/api/v1/agents/ocf:site:Pending"), 503, "agent-metadata-pending");
        // What no node reported is unknown, even if this host has it: the form offers what the nodes can run.
        await Problem.AssertAsync(await client.GetAsync("/api/v1/agents/ocf:heartbeat:Dummy"), 404, "unknown-agent");
    }
}

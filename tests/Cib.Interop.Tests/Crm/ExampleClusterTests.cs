using Cib.Domain.Resources;
using Cib.Interop.Crm;
using Cib.Interop.Tests.CibXml;
using Xunit;
using TestSupport;

namespace Cib.Interop.Tests.Crm;

/// <summary>docs/examples/apache-cluster.crm is canonical: it parses and renders back byte for byte.</summary>
public sealed class ExampleClusterTests
{
    private static readonly string ExampleFile = Path.Combine(Repo.Root, "docs", "examples", "apache-cluster.crm");

    [Fact]
    public void Example_renders_back_byte_for_byte()
    {
        var text = File.ReadAllText(ExampleFile);
        var parsed = CrmParser.Parse(text);
        Assert.True(parsed.IsSuccess, string.Join("\n", parsed.Errors));
        Assert.Equal(text, CrmRenderer.Render(parsed.Parsed!.Configuration));
    }

    [Fact]
    public void Example_is_the_two_node_apache_cluster()
    {
        var c = CibXmlExportTests.ExampleConfiguration();
        Assert.Equal(["node1", "node2"], c.Nodes.Keys);
        var group = Assert.IsType<Group>(c.Resources["apache-group"]);
        Assert.Equal(["apache-ip", "apache-fs", "apache-service"], group.Members);
        var fence = Assert.Single(c.FenceDevices);
        Assert.Equal("stonith:external/libvirt", fence.Agent.ToString());
        Assert.Equal("node1 node2", fence.Params["hostlist"]);
        Assert.Equal("qemu+ssh://hypervisor/system", fence.Params["hypervisor_uri"]);
        Assert.StartsWith("192.0.2.", ((Primitive)c.Resources["apache-ip"]).Params["ip"]);
        Assert.Equal("xfs", ((Primitive)c.Resources["apache-fs"]).Params["fstype"]);
        Assert.All(c.Primitives, p => Assert.Contains(p.Operations, o => o.Name == "monitor" && o.IsRecurring));
        Assert.True(c.Options.IsStonithEnabled);
        Assert.Equal("stop", c.Options.NoQuorum);
        Assert.Equal("1", c.ResourceDefaults["resource-stickiness"]);
        Assert.Equal("3", c.ResourceDefaults["migration-threshold"]);
    }
}

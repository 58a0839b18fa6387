using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using NodeRuntime.Agents;

namespace NodeRuntime.Tests.Agents;

public sealed class AgentMetadataTests
{
    private readonly AgentMetadataCatalog _catalog = new();

    [Fact]
    public async Task Dummy_meta_data_is_read_parsed_and_cached()
    {
        var agent = ResourceAgent.Parse("ocf:heartbeat:Dummy");
        var metadata = await _catalog.GetAsync(agent);

        Assert.Equal("Dummy", metadata.Name);
        Assert.NotNull(metadata.Parameter("state"));
        Assert.NotNull(metadata.Parameter("fake"));
        Assert.Equal(Duration.Parse("20s"), metadata.Action("start")?.Timeout);
        Assert.Contains(metadata.Actions, a => a.Name == "monitor" && a.Interval is not null);
        Assert.Same(metadata, await _catalog.GetAsync(agent));
    }

    [Fact]
    public async Task Validation_names_an_unknown_parameter_and_a_missing_required_one()
    {
        var vip = Primitive.Create("vip", "ocf:heartbeat:IPaddr2", ValueMap.Of(("cidr_netmask", "24"), ("nci", "eth0")));
        var problems = await _catalog.ValidateAsync(vip);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Parameter == "nci" && p.Message.Contains("unknown parameter 'nci'") && p.Message.Contains("did you mean 'nic'"));
        Assert.Contains(problems, p => p.Parameter == "ip" && p.Message.StartsWith("missing required parameter 'ip' for ocf:heartbeat:IPaddr2"));
    }

    [Fact]
    public async Task A_valid_primitive_has_no_problems_and_a_missing_agent_says_so()
    {
        Assert.Empty(await _catalog.ValidateAsync(Primitive.Create("vip", "ocf:heartbeat:IPaddr2", ValueMap.Of(("ip", "10.77.0.10")))));
        var missing = Assert.Single(await _catalog.ValidateAsync(Primitive.Create("x", "ocf:heartbeat:Nope")));
        Assert.Contains("not installed", missing.Message);
    }

    [Fact]
    public async Task Fence_agents_describe_themselves_and_pcmk_parameters_are_allowed()
    {
        var virsh = await _catalog.GetAsync(ResourceAgent.Parse("stonith:fence_virsh"));
        Assert.NotNull(virsh.Parameter("ip"));
        Assert.NotNull(virsh.Parameter("identity_file"));

        var libvirt = Primitive.Create("f", "stonith:external/libvirt",
            ValueMap.Of(("hostlist", "n1"), ("hypervisor_uri", "qemu+ssh://h/system"), ("identity_file", "/k"), ("known_hosts_file", "/kh"), ("pcmk_delay_max", "2s")));
        Assert.Empty(await _catalog.ValidateAsync(libvirt));
        var incomplete = await _catalog.ValidateAsync(Primitive.Create("g", "stonith:external/libvirt", ValueMap.Of(("hostlist", "n1"))));
        Assert.Equal(["hypervisor_uri", "identity_file", "known_hosts_file"], incomplete.Select(p => p.Parameter).Order());
    }

    [Fact]
    public void Text_that_is_not_meta_data_gets_a_clear_error_with_line_and_column()
    {
        var e = Assert.Throws<AgentMetadataException>(() => AgentMetadata.Parse("ocf:x:y", "<resource-agent>\n<parameters>\n</resource-agent>"));
        Assert.Contains("line 3", e.Message);
        Assert.Contains("ocf:x:y", e.Message);
    }

    [Fact]
    public void Installed_agents_are_listed()
    {
        var agents = _catalog.ListOcfAgents();
        Assert.Contains("ocf:heartbeat:IPaddr2", agents);
        Assert.Contains("ocf:pacemaker:Dummy", agents);
        Assert.DoesNotContain(agents, a => a.Split(':')[2].StartsWith('.'));
    }
}

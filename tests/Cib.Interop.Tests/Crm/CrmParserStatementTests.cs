using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Xunit;
using static Cib.Interop.Tests.Crm.CrmText;

namespace Cib.Interop.Tests.Crm;

/// <summary>One test (or a few) per crm statement kind: what the text becomes in the domain model.</summary>
public sealed class CrmParserStatementTests
{
    [Fact]
    public void Node_with_attributes_and_standby()
    {
        var c = Parse("node node1", "node node2 attributes standby=on rack=r1");
        Assert.Empty(c.Nodes["node1"].Attributes);
        Assert.True(c.Nodes["node2"].IsStandby);
        Assert.Equal("r1", c.Nodes["node2"].Attributes["rack"]);
    }

    [Fact]
    public void Node_as_crm_shows_it_with_a_numeric_id_and_a_type()
    {
        var c = Parse("node 1: node1 \\", "\tattributes standby=off", "node node2:normal");
        Assert.Equal(["node1", "node2"], c.Nodes.Keys);
        Assert.False(c.Nodes["node1"].IsStandby);
    }

    [Fact]
    public void Primitive_with_params_meta_and_operations()
    {
        var c = Parse("primitive web ocf:heartbeat:apache params configfile=/etc/apache2/apache2.conf meta target-role=Stopped " +
                      "op start timeout=40s interval=0 op monitor interval=10s timeout=20s on-fail=restart OCF_CHECK_LEVEL=10");
        var p = Assert.IsType<Primitive>(c.Resources["web"]);
        Assert.Equal(new ResourceAgent("ocf", "heartbeat", "apache"), p.Agent);
        Assert.Equal("/etc/apache2/apache2.conf", p.Params["configfile"]);
        Assert.Equal("Stopped", p.Meta["target-role"]);
        Assert.Equal(2, p.Operations.Count);
        Assert.Equal(new OperationDefinition("start", Duration.Zero, Duration.FromSeconds(40), null, ValueMap.Empty), p.Operations[0]);
        Assert.Equal(new OperationDefinition("monitor", Duration.FromSeconds(10), Duration.FromSeconds(20), "restart", ValueMap.Of(("OCF_CHECK_LEVEL", "10"))),
            p.Operations[1]);
    }

    [Fact]
    public void Primitive_agent_forms_class_type_and_bare_type()
    {
        var c = Parse("primitive a stonith:external/libvirt params hostlist=\"node1 node2\"", "primitive b lsb:apache2", "primitive c IPaddr2");
        Assert.Equal(new ResourceAgent("stonith", null, "external/libvirt"), ((Primitive)c.Resources["a"]).Agent);
        Assert.Equal("node1 node2", ((Primitive)c.Resources["a"]).Params["hostlist"]);
        Assert.Equal(new ResourceAgent("lsb", null, "apache2"), ((Primitive)c.Resources["b"]).Agent);
        Assert.Equal(new ResourceAgent("ocf", "heartbeat", "IPaddr2"), ((Primitive)c.Resources["c"]).Agent);
    }

    [Fact]
    public void Group_with_members_in_order_and_meta()
    {
        var c = Parse(Ip, Fs, "group g ip fs meta target-role=Started");
        var g = Assert.IsType<Group>(c.Resources["g"]);
        Assert.Equal(["ip", "fs"], g.Members);
        Assert.Equal("Started", g.Meta["target-role"]);
    }

    [Theory]
    [InlineData("100:", 100)]
    [InlineData("-50:", -50)]
    [InlineData("inf:", Score.InfinityValue)]
    [InlineData("-inf:", -Score.InfinityValue)]
    [InlineData("INFINITY:", Score.InfinityValue)]
    public void Location_with_a_score(string score, int expected)
    {
        var c = Parse(TwoNodes, Ip, $"location l1 ip {score} node1");
        Assert.Equal(new LocationConstraint("l1", "ip", "node1", Score.Of(expected)), c.Constraints["l1"]);
    }

    [Theory]
    [InlineData("\"2026-12-01T12:00:00Z\"")]
    [InlineData("2026-12-01T12:00:00Z")]
    [InlineData("\"2026-12-01 13:00:00 +01:00\"")]
    [InlineData("\"2026-12-01T07:00:00-0500\"")]
    [InlineData("\"2026-12-01 12:00:00\"")]
    public void Location_rule_as_crm_resource_move_writes_it_applies_until_its_end(string end)
    {
        var c = Parse(TwoNodes, Ip, $"location cli-prefer-ip ip rule inf: #uname eq node2 and date lt {end}");
        var expected = new LocationConstraint("cli-prefer-ip", "ip", "node2", Score.Infinity) { Until = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero) };
        Assert.Equal(expected, c.Constraints["cli-prefer-ip"]);
    }

    [Fact]
    public void Location_rule_on_the_node_alone_is_the_plain_location() =>
        Assert.Equal(new LocationConstraint("cli-ban-ip-on-node1", "ip", "node1", Score.MinusInfinity),
            Parse(TwoNodes, Ip, "location cli-ban-ip-on-node1 ip rule -inf: #uname eq node1").Constraints["cli-ban-ip-on-node1"]);

    [Fact]
    public void A_hash_word_that_is_no_built_in_node_attribute_is_still_a_comment() =>
        Assert.Equal(new LocationConstraint("l1", "ip", "node1", Score.Of(5)), Parse(TwoNodes, Ip, "location l1 ip 5: node1 #unamed comment").Constraints["l1"]);

    [Fact]
    public void Location_with_an_end_renders_as_the_rule_crm_shows_and_reads_back()
    {
        var text = "node node1\nnode node2\n" + Ip + "\nlocation cli-prefer-ip ip rule inf: #uname eq node2 and date lt \"2026-12-01 13:00:00 +01:00\"";
        var rendered = Cib.Interop.Crm.CrmRenderer.Render(Parse(text));
        // A statement longer than a line continues on the next, as crm shows it.
        Assert.Contains("location cli-prefer-ip ip rule inf: #uname eq node2 and date lt \"2026-12-01T12:00:00Z\"\n",
            rendered.Replace(" \\\n\t", " ", StringComparison.Ordinal));
        Assert.Equal(Parse(text), Parse(rendered));
    }

    [Fact]
    public void Colocation_dependent_then_with()
    {
        var c = Parse(Ip, Fs, "colocation fs-with-ip inf: fs ip");
        Assert.Equal(new ColocationConstraint("fs-with-ip", "fs", "ip", Score.Infinity), c.Constraints["fs-with-ip"]);
    }

    [Fact]
    public void Order_kinds_actions_and_symmetrical()
    {
        var c = Parse(Ip, Fs,
            "order o1 Mandatory: ip fs",
            "order o2 Optional: ip:stop fs symmetrical=false",
            "order o3 Serialize: ip fs:stop",
            "order o4 inf: ip fs",
            "order o5 0: ip fs");
        Assert.Equal(new OrderConstraint("o1", "ip", "start", "fs", "start", OrderKind.Mandatory, true), c.Constraints["o1"]);
        // The then action defaults to the first action, as in Pacemaker.
        Assert.Equal(new OrderConstraint("o2", "ip", "stop", "fs", "stop", OrderKind.Optional, false), c.Constraints["o2"]);
        Assert.Equal(new OrderConstraint("o3", "ip", "start", "fs", "stop", OrderKind.Serialize, true), c.Constraints["o3"]);
        Assert.Equal(OrderKind.Mandatory, ((OrderConstraint)c.Constraints["o4"]).Kind);
        Assert.Equal(OrderKind.Optional, ((OrderConstraint)c.Constraints["o5"]).Kind);
    }

    [Fact]
    public void Property_with_and_without_the_set_name_adds_up()
    {
        var c = Parse("property cib-bootstrap-options: stonith-enabled=false", "property no-quorum-policy=ignore");
        Assert.Equal(ValueMap.Of(("stonith-enabled", "false"), ("no-quorum-policy", "ignore")), c.Properties);
    }

    [Fact]
    public void Resource_and_operation_defaults()
    {
        var c = Parse("rsc_defaults rsc-options: resource-stickiness=100 migration-threshold=3", "op_defaults timeout=30s");
        Assert.Equal(ValueMap.Of(("resource-stickiness", "100"), ("migration-threshold", "3")), c.ResourceDefaults);
        Assert.Equal(ValueMap.Of(("timeout", "30s")), c.OperationDefaults);
    }

    [Fact]
    public void Comments_blank_lines_quotes_and_continuations()
    {
        var c = Parse(
            "# the web server",
            "",
            "primitive web ocf:heartbeat:apache \\",
            "    params configfile='/etc/apache 2/a.conf' \\   ",
            "           options=\"-D \\\"X\\\"\" # trailing comment",
            "   # indented comment");
        var p = (Primitive)c.Resources["web"];
        Assert.Equal("/etc/apache 2/a.conf", p.Params["configfile"]);
        Assert.Equal("-D \"X\"", p.Params["options"]);
    }

    [Fact]
    public void Windows_line_endings_and_a_continuation_at_the_very_end()
    {
        var c = Parse("node node1\r\nprimitive ip IPaddr2 \\\r\n  params ip=192.0.2.10 \\");
        Assert.Equal("192.0.2.10", ((Primitive)c.Resources["ip"]).Params["ip"]);
        Assert.Single(c.Nodes);
    }

    [Fact]
    public void A_value_may_hold_equals_signs_and_hashes()
    {
        var c = Parse("primitive web ocf:heartbeat:apache params options=a=b#c");
        Assert.Equal("a=b#c", ((Primitive)c.Resources["web"]).Params["options"]);
    }

    [Fact]
    public void Forward_references_are_fine()
    {
        var c = Parse("location l g 10: node1", "group g ip", Ip, "node node1");
        Assert.Equal(3, c.Resources.Count + c.Constraints.Count);
    }

    [Fact]
    public void A_paste_of_crm_configure_show_from_a_pacemaker_cluster()
    {
        var c = Parse(
            "node 1: node1 \\",
            "\tattributes standby=off",
            "node 2: node2",
            "primitive fence-virt stonith:external/libvirt \\",
            "\tparams hostlist=\"node1 node2\" hypervisor_uri=\"qemu+ssh://hypervisor/system\" \\",
            "\top monitor interval=60s timeout=20s",
            "primitive ip IPaddr2 \\",
            "\tparams ip=192.0.2.10 cidr_netmask=24 \\",
            "\top monitor interval=10s timeout=20s \\",
            "\top start timeout=20s interval=0s \\",
            "\top stop timeout=20s interval=0s",
            "property cib-bootstrap-options: \\",
            "\thave-watchdog=false \\",
            "\tdc-version=\"2.1.5-a3f44794f94\" \\",
            "\tcluster-infrastructure=corosync \\",
            "\tcluster-name=debian \\",
            "\tstonith-enabled=true",
            "rsc_defaults rsc-options: \\",
            "\tresource-stickiness=1",
            "op_defaults op-options: \\",
            "\ttimeout=600 \\",
            "\trecord-pending=true");
        Assert.Equal(2, c.Nodes.Count);
        Assert.Equal(3, ((Primitive)c.Resources["ip"]).Operations.Count);
        Assert.Equal("2.1.5-a3f44794f94", c.Properties["dc-version"]);
        Assert.Equal("600", c.OperationDefaults["timeout"]);
    }

    [Fact]
    public void Empty_text_is_the_empty_configuration()
    {
        Assert.Equal(Cib.Domain.Configuration.ClusterConfiguration.Empty, Parse("", "# nothing here", "   "));
    }

    [Fact]
    public void Each_object_keeps_its_line()
    {
        var result = Cib.Interop.Crm.CrmParser.Parse("node node1\n\n" + Ip + "\nproperty a=1 b=2");
        var map = result.Parsed!.Source;
        Assert.Equal(1, map.Find(Cib.Interop.Crm.SourceKind.Node, "node1")!.Value.Line);
        Assert.Equal(new Cib.Interop.Crm.SourcePosition(3, 11), map.Find(Cib.Interop.Crm.SourceKind.Resource, "ip"));
        Assert.Equal(new Cib.Interop.Crm.SourcePosition(4, 14), map.Find(Cib.Interop.Crm.SourceKind.Property, "b"));
    }
}

/// <summary>Parsing on top of a basis (load update): named objects are replaced, the rest stays, references may point into the basis.</summary>
public sealed class CrmParserUpdateTests
{
    [Fact]
    public void Text_on_top_of_a_basis_replaces_what_it_names()
    {
        var basis = Parse(TwoNodes, Ip, Fs, "group g ip fs", "location l1 g 100: node1", "property stonith-enabled=false");
        var result = Cib.Interop.Crm.CrmParser.Parse(
            "primitive ip IPaddr2 params ip=192.0.2.99\nlocation l2 g -inf: node2\nproperty no-quorum-policy=ignore", basis);
        Assert.True(result.IsSuccess, string.Join("; ", result.Errors));
        var c = result.Parsed!.Configuration;
        Assert.Equal("192.0.2.99", ((Primitive)c.Resources["ip"]).Params["ip"]);
        Assert.Equal(basis.Resources["g"], c.Resources["g"]);
        Assert.Equal(["l1", "l2"], c.Constraints.Keys);
        Assert.Equal(ValueMap.Of(("stonith-enabled", "false"), ("no-quorum-policy", "ignore")), c.Properties);
    }

    [Fact]
    public void A_reference_that_neither_the_text_nor_the_basis_has_is_an_error_at_its_line()
    {
        var basis = Parse(TwoNodes, Ip);
        var result = Cib.Interop.Crm.CrmParser.Parse("node node3\ncolocation c inf: ip web", basis);
        var e = Assert.Single(result.Errors);
        Assert.Equal((2, 12), (e.Line, e.Column));
        Assert.Equal("unknown-reference", e.Code);
    }
}

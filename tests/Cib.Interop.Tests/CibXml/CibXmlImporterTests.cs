using Cib.Domain.Constraints;
using Cib.Domain.Resources;
using Cib.Interop.CibXml;
using TestSupport;
using Xunit;

namespace Cib.Interop.Tests.CibXml;

public class CibXmlImporterTests
{
    private static string CorpusXml => Path.Combine(Repo.Shared, "conformance", "pacemaker-2.1.5", "xml");

    public static IEnumerable<object[]> CorpusFiles() =>
        Directory.Exists(CorpusXml)
            ? Directory.GetFiles(CorpusXml, "*.xml").Order(StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) })
            : [];

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_cib_imports_without_error(string file)
    {
        var result = CibXmlImporter.Import(File.ReadAllText(Path.Combine(CorpusXml, file)));

        Assert.True(result.IsOk, result.Error?.ToString());
        Assert.NotEmpty(result.Configuration.Nodes);
        Assert.All(result.Unsupported, u => Assert.False(string.IsNullOrEmpty(u.Message)));
    }

    [Fact]
    public void Reads_configuration_status_and_execution_date()
    {
        var result = CibXmlImporter.Import(SmallCib);

        Assert.True(result.IsOk);
        var c = result.Configuration;
        Assert.Equal("false", c.Properties.Get("stonith-enabled"));
        Assert.Equal("100", c.ResourceDefaults.Get("resource-stickiness"));
        Assert.Equal(["node1", "node2"], c.Nodes.Keys);
        Assert.True(c.Nodes["node2"].IsStandby);
        var ip = Assert.IsType<Primitive>(c.Resources["ip"]);
        Assert.Equal("ocf:heartbeat:IPaddr2", ip.Agent.ToString());
        Assert.Equal("192.0.2.10", ip.Params.Get("ip"));
        var monitor = Assert.Single(ip.Operations);
        Assert.Equal(10_000, monitor.Interval.Milliseconds);
        Assert.Equal("restart", monitor.OnFail);
        Assert.Equal("ip-monitor-10s", monitor.Attributes.Get("id"));
        Assert.Equal(["ip", "web"], Assert.IsType<Group>(c.Resources["g"]).Members);
        Assert.Equal(Domain.Primitives.Score.Of(50), Assert.IsType<LocationConstraint>(c.Constraints["loc"]).Score);
        Assert.Equal(OrderKind.Optional, Assert.IsType<OrderConstraint>(c.Constraints["ord"]).Kind);

        var state = result.State;
        Assert.Equal(1_700_000_000, state.NowEpochSeconds);
        Assert.False(state.HasQuorum);
        var node1 = state.Nodes["node1"];
        Assert.Equal("member", node1.Join);
        Assert.Equal("2", node1.Attributes.Get("fail-count-ip#monitor_10000"));
        var op = Assert.Single(Assert.Single(node1.Resources).Operations);
        Assert.Equal(("start", 0, 5, 0), (op.Operation, op.Rc, op.Sequence, op.TargetRc ?? -1));
    }

    [Fact]
    public void Out_of_scope_features_are_reported_with_element_and_id()
    {
        var result = CibXmlImporter.Import(SmallCib);

        Assert.Contains(result.Unsupported, u => u.Element == "clone" && u.Id == "cl" && u.Message.Contains("unsupported") is false && u.ToString().Contains("unsupported"));
        Assert.Contains(result.Unsupported, u => u.Element == "rsc_location" && u.Id == "loc-rule");
        Assert.Contains(result.Unsupported, u => u.Element == "rsc_ticket");
    }

    [Fact]
    public void Shutdown_lock_is_read_and_planned()
    {
        var result = CibXmlImporter.Import("""
            <cib execution-date="1700000000"><configuration><crm_config><cluster_property_set id="opts">
              <nvpair id="o0" name="stonith-enabled" value="false"/>
              <nvpair id="o1" name="shutdown-lock" value="true"/>
              <nvpair id="o2" name="shutdown-lock-limit" value="10m"/>
            </cluster_property_set></crm_config>
            <nodes><node id="node1" uname="node1"/><node id="node2" uname="node2"/></nodes>
            <resources><primitive id="rsc1" class="ocf" provider="heartbeat" type="Dummy"/></resources></configuration>
            <status>
              <node_state id="node1" uname="node1" in_ccm="false" crmd="offline" join="down" expected="down">
                <lrm id="node1"><lrm_resources><lrm_resource id="rsc1" class="ocf" provider="heartbeat" type="Dummy" shutdown-lock="1699999900">
                  <lrm_rsc_op id="rsc1_last_0" operation="stop" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="2:1:0:x"/>
                </lrm_resource></lrm_resources></lrm></node_state>
              <node_state id="node2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
            </status></cib>
            """);

        Assert.True(result.IsOk);
        Assert.Empty(result.Unsupported);
        Assert.True(result.Configuration.Options.IsShutdownLock);
        Assert.Equal(600_000, result.Configuration.Options.ShutdownLockLimitValue.Milliseconds);
        Assert.Equal(1_699_999_900, Assert.Single(result.State.Nodes["node1"].Resources).ShutdownLock);
        // Locked to node1, which is down: not started on node2.
        var plan = Cib.Projections.Policy.PolicyEngine.Plan(result.State);
        Assert.Empty(plan.Changes);
        Assert.Contains(plan.Trace.Rejections, r => r.Resource == "rsc1" && r.Node == "node2" && r.Reason.Contains("shutdown-lock"));
    }

    [Theory]
    [InlineData("<cib><configuration>", 1)]
    [InlineData("<notcib/>", 1)]
    [InlineData("<cib>\n<configuration><nodes><node uname='x'/></nodes></configuration></cib>", 2)]
    public void Bad_input_is_an_error_with_its_line(string xml, int line)
    {
        var result = CibXmlImporter.Import(xml);

        Assert.False(result.IsOk);
        Assert.Equal(line, result.Error!.Line);
    }

    private const string SmallCib = """
        <cib have-quorum="0" execution-date="1700000000">
          <configuration>
            <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
            <nodes>
              <node id="1" uname="node1"/>
              <node id="2" uname="node2"><instance_attributes id="n2"><nvpair id="n2s" name="standby" value="on"/></instance_attributes></node>
            </nodes>
            <resources>
              <group id="g">
                <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
                  <instance_attributes id="ip-i"><nvpair id="ip-i-ip" name="ip" value="192.0.2.10"/></instance_attributes>
                  <operations><op id="ip-monitor-10s" name="monitor" interval="10s" on-fail="restart"/></operations>
                </primitive>
                <primitive id="web" class="ocf" provider="heartbeat" type="apache"/>
              </group>
              <clone id="cl"><primitive id="p" class="ocf" provider="pacemaker" type="Dummy"/></clone>
            </resources>
            <constraints>
              <rsc_location id="loc" rsc="g" node="node1" score="50"/>
              <rsc_location id="loc-rule" rsc="g"><rule id="r" score="10"><expression id="e" attribute="a" operation="defined"/></rule></rsc_location>
              <rsc_order id="ord" first="ip" then="web" kind="Optional"/>
              <rsc_ticket id="t" rsc="g" ticket="x"/>
            </constraints>
            <rsc_defaults><meta_attributes id="d"><nvpair id="d1" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults>
          </configuration>
          <status>
            <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
              <transient_attributes id="1"><instance_attributes id="s1"><nvpair id="f" name="fail-count-ip#monitor_10000" value="2"/></instance_attributes></transient_attributes>
              <lrm id="1"><lrm_resources><lrm_resource id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
                <lrm_rsc_op id="ip_last_0" operation="start" interval="0" rc-code="0" op-status="0" call-id="5" transition-key="1:2:0:abc" last-rc-change="1699999000"/>
              </lrm_resource></lrm_resources></lrm>
            </node_state>
          </status>
        </cib>
        """;
}

using System.Xml.Linq;
using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Cib.Interop.CibXml;
using Cib.Interop.Conformance;
using Cib.Interop.Crm;
using Xunit;

namespace Cib.Interop.Tests.CibXml;

/// <summary>
/// A location with an end in the CIB, as crm_resource writes a move or ban with a lifetime: the score on a rule that
/// holds on the node (<c>#uname eq NODE</c>) and before the end (<c>date_expression operation="lt" end=...</c>). It
/// exports so, imports back equal, and any other rule is reported as unsupported. Pacemaker's crm_verify accepts the
/// exported shape (here, and with the generated configurations of <see cref="CibXmlExportTests"/>, which include ends).
/// </summary>
public sealed class TimeBoundLocationXmlTests
{
    private static readonly DateTimeOffset End = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static Cib.Domain.Configuration.ClusterConfiguration Config(string location) => CrmParser.Parse($"""
        node node1
        node node2
        primitive ip ocf:heartbeat:IPaddr2 params ip=192.0.2.10
        {location}
        property stonith-enabled=false
        """).Parsed!.Configuration;

    [Fact]
    public void Exports_the_rule_crm_resource_writes_and_imports_it_back()
    {
        var c = Config("location cli-prefer-ip ip rule inf: #uname eq node2 and date lt \"2026-12-01T12:00:00Z\"");
        var location = CibXmlExporter.Export(c).Descendants("rsc_location").Single();
        Assert.Null(location.Attribute("node"));
        Assert.Null(location.Attribute("score"));
        var rule = location.Element("rule")!;
        Assert.Equal("INFINITY", (string?)rule.Attribute("score"));
        Assert.Equal("and", (string?)rule.Attribute("boolean-op"));
        var expression = rule.Element("expression")!;
        Assert.Equal(("#uname", "eq", "node2"), ((string?)expression.Attribute("attribute"), (string?)expression.Attribute("operation"), (string?)expression.Attribute("value")));
        var date = rule.Element("date_expression")!;
        Assert.Equal(("lt", "2026-12-01T12:00:00Z"), ((string?)date.Attribute("operation"), (string?)date.Attribute("end")));

        var imported = CibXmlImporter.Import(CibXmlExporter.ExportText(c));
        Assert.True(imported.IsOk, imported.Error?.ToString());
        Assert.Empty(imported.Unsupported);
        Assert.Equal(c, imported.Configuration);
    }

    [Fact]
    public void Crm_verify_accepts_the_exported_rules_past_and_to_come()
    {
        if (!File.Exists(CibXmlExportTests.CrmVerify)) return; // pacemaker-cli-utils not installed: nothing to check against
        CibXmlExportTests.AssertAccepted(CibXmlExporter.ExportText(Config("""
            location cli-prefer-ip ip rule inf: #uname eq node2 and date lt "2999-12-01T12:00:00Z"
            location cli-ban-ip-on-node1 ip rule -inf: #uname eq node1 and date lt "2020-12-01T12:00:00Z"
            """)));
    }

    /// <summary>Pacemaker decides as we do, second by second around the end (<c>execution-date</c> is the scheduler's now).</summary>
    [Theory]
    [InlineData(-3600, "node2")]
    [InlineData(-1, "node2")]
    [InlineData(0, "node1")]
    [InlineData(1, "node1")]
    public void Crm_simulate_applies_it_before_its_end_only_as_we_do(int secondsFromEnd, string expectedNode)
    {
        if (CrmSimulate.Path is null) return; // pacemaker-cli-utils not installed: nothing to compare with
        var xml = XDocument.Parse(CibXmlExporter.ExportText(Config("""
            location prefer-node1 ip 100: node1
            location cli-prefer-ip ip rule inf: #uname eq node2 and date lt "2026-12-01T12:00:00Z"
            """)));
        var cib = xml.Root!;
        cib.SetAttributeValue("have-quorum", "1");
        cib.SetAttributeValue("execution-date", End.AddSeconds(secondsFromEnd).ToUnixTimeSeconds());
        cib.Element("status")!.Add(cib.Element("configuration")!.Element("nodes")!.Elements("node").Select(n =>
            new XElement("node_state", new XAttribute("id", (string)n.Attribute("id")!), new XAttribute("uname", (string)n.Attribute("uname")!),
                new XAttribute("in_ccm", "true"), new XAttribute("crmd", "online"), new XAttribute("join", "member"), new XAttribute("expected", "member"))));

        var theirs = CrmSimulate.Summary(xml.ToString());
        Assert.Null(theirs.Error);
        var (ours, error) = FuzzRunner.Ours(xml.ToString());
        Assert.Null(error);
        Assert.Equal(theirs.Lines, ours);
        Assert.Contains(ours, l => l.Contains("Start", StringComparison.Ordinal) && l.Contains($"( {expectedNode} )", StringComparison.Ordinal));
    }

    [Fact]
    public void Imports_a_lifetime_as_crm_resource_writes_it()
    {
        var imported = CibXmlImporter.Import(Cib("""
            <rsc_location id="cli-ban-ip-on-node1" rsc="ip" role="Started">
              <rule id="cli-ban-ip-on-node1-rule" score="-INFINITY" boolean-op="and">
                <expression id="cli-ban-ip-on-node1-expr" attribute="#uname" operation="eq" value="node1" type="string"/>
                <date_expression id="cli-ban-ip-on-node1-lifetime" operation="lt" end="2026-12-01 13:00:00 +01:00"/>
              </rule>
            </rsc_location>
            """));
        Assert.True(imported.IsOk, imported.Error?.ToString());
        Assert.Empty(imported.Unsupported);
        Assert.Equal(new LocationConstraint("cli-ban-ip-on-node1", "ip", "node1", Score.MinusInfinity) { Until = End },
            imported.Configuration.Constraints["cli-ban-ip-on-node1"]);
    }

    [Theory]
    [InlineData("""<rule id="r" score="10"><expression id="e" attribute="pingd" operation="defined"/></rule>""")]
    [InlineData("""<rule id="r" score="10" boolean-op="or"><expression id="e" attribute="#uname" operation="eq" value="node1"/><date_expression id="d" operation="lt" end="2026-12-01T12:00:00Z"/></rule>""")]
    [InlineData("""<rule id="r" score="10"><expression id="e" attribute="#uname" operation="eq" value="node1"/><date_expression id="d" operation="gt" start="2026-12-01T12:00:00Z"/></rule>""")]
    [InlineData("""<rule id="r" score="10"><expression id="e" attribute="#uname" operation="eq" value="node1"/><date_expression id="d" operation="lt" end="2026-W48-1"/></rule>""")]
    [InlineData("""<rule id="r" score-attribute="pingd"><expression id="e" attribute="#uname" operation="eq" value="node1"/></rule>""")]
    [InlineData("""<rule id="r" score="10"><expression id="e" attribute="#uname" operation="ne" value="node1"/></rule>""")]
    [InlineData("""<rule id="r" score="10"><expression id="e" attribute="#uname" operation="eq" value="node1"/></rule><rule id="r2" score="5"><expression id="e2" attribute="#uname" operation="eq" value="node2"/></rule>""")]
    public void Other_rules_are_reported_as_unsupported(string rule)
    {
        var imported = CibXmlImporter.Import(Cib($"""<rsc_location id="loc" rsc="ip">{rule}</rsc_location>"""));
        Assert.True(imported.IsOk, imported.Error?.ToString());
        Assert.Contains(imported.Unsupported, u => u.Element == "rsc_location" && u.Id == "loc");
        Assert.Empty(imported.Configuration.Constraints);
    }

    private static string Cib(string constraints) => $"""
        <cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
          <configuration>
            <crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
            <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
            <resources><primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/></resources>
            <constraints>{constraints}</constraints>
          </configuration>
          <status/>
        </cib>
        """;
}

using System.Text;
using Cib.Interop.CibXml;
using Cib.Interop.Crm;
using TestSupport;
using Xunit;

namespace Cib.Interop.Tests.Fuzz;

/// <summary>
/// Bad CIB XML never throws: the importer answers a result or its one error at a line and column; a DOCTYPE is refused,
/// so entities are never expanded ("billion laughs") nor fetched (an external entity naming a file). Seeded mutations of
/// valid CIBs (a failure names its seed and case).
/// </summary>
public sealed class CibXmlImporterFuzzTests
{
    private const int Cases = 2000;

    private const string WithStatus = """
        <cib have-quorum="1" execution-date="1700000000" no-quorum-panic="false">
          <configuration>
            <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
            <nodes><node id="1" uname="node1"/><node id="2" uname="node2" type="member"/></nodes>
            <resources>
              <group id="g"><meta_attributes id="gm"><nvpair id="gm1" name="target-role" value="Started"/></meta_attributes>
                <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
                  <instance_attributes id="ip-i"><nvpair id="ip-i-ip" name="ip" value="192.0.2.10"/></instance_attributes>
                  <operations><op id="ip-m" name="monitor" interval="10s" timeout="20s" on-fail="restart"/></operations>
                </primitive>
              </group>
              <primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/>
            </resources>
            <constraints>
              <rsc_location id="loc" rsc="g" node="node1" score="50"/>
              <rsc_location id="cli-ban" rsc="d"><rule id="r" score="-INFINITY"><expression id="e" attribute="#uname" operation="eq" value="node2"/>
                <date_expression id="de" operation="lt" end="2030-01-01 00:00:00 +0100"/></rule></rsc_location>
              <rsc_colocation id="col" rsc="d" with-rsc="g" score="INFINITY"/>
              <rsc_order id="ord" first="g" then="d" kind="Optional" symmetrical="true"/>
            </constraints>
            <op_defaults><meta_attributes id="od"><nvpair id="od1" name="timeout" value="20s"/></meta_attributes></op_defaults>
          </configuration>
          <status>
            <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
              <transient_attributes id="t1"><instance_attributes id="t1i"><nvpair id="f" name="fail-count-d#monitor_10000" value="1"/></instance_attributes></transient_attributes>
              <lrm id="1"><lrm_resources><lrm_resource id="d" class="ocf" provider="pacemaker" type="Dummy">
                <lrm_rsc_op id="d_last_0" operation="start" call-id="5" rc-code="0" op-status="0" interval="0" last-rc-change="1699999990" transition-key="3:1:0:abc" op-digest="x"/>
              </lrm_resource></lrm_resources></lrm>
            </node_state>
          </status>
        </cib>
        """;

    private static IEnumerable<string> Seeds()
    {
        var apache = CrmParser.Parse(File.ReadAllText(Path.Combine(Repo.Root, "docs", "examples", "apache-cluster.crm")));
        Assert.True(apache.IsSuccess);
        return [CibXmlExporter.Export(apache.Parsed!.Configuration, 7).ToString(), WithStatus];
    }

    private static List<string> Tokens(string text) => Mutator.Split(text, "<>\"'=/\n");

    /// <summary>The rule: no exception; a refusal is one error inside the text (1-based line and column) with a message.</summary>
    private static string? Violation(string xml)
    {
        CibImport result;
        try
        {
            result = CibXmlImporter.Import(xml);
        }
        catch (Exception e)
        {
            return $"threw {e.GetType().Name}: {e.Message}";
        }
        if (result.Error is not { } error) return null;
        // XML counts CR LF, a lone CR and LF as one line break each.
        var lines = xml.Replace("\r\n", "\n").Count(c => c is '\r' or '\n') + 1;
        return error.Line < 1 || error.Line > lines || error.Column < 1 || string.IsNullOrWhiteSpace(error.Message)
            ? $"an error without a place in the text ({lines} lines): {error}"
            : null;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Mutated_cibs_import_or_fail_with_a_located_error(int seed)
    {
        var mutator = new Mutator(seed);
        var seeds = Seeds().ToList();
        mutator.AssertNoViolation(Cases, i => mutator.Mutate(seeds[i % seeds.Count], Tokens), Violation);
    }

    /// <summary>Only attribute values changed: the document stays XML, so the importer's own reading of values is what is tried.</summary>
    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void Cibs_with_mutated_attribute_values_import_or_fail_with_a_located_error(int seed)
    {
        var mutator = new Mutator(seed);
        var seeds = Seeds().ToList();
        mutator.AssertNoViolation(Cases, i =>
        {
            var doc = System.Xml.Linq.XDocument.Parse(seeds[i % seeds.Count]);
            var attributes = doc.Descendants().SelectMany(e => e.Attributes()).ToList();
            for (var k = 0; k < 1 + mutator.Random.Next(3); k++)
            {
                var a = attributes[mutator.Random.Next(attributes.Count)];
                var value = mutator.Random.Next(4) switch
                {
                    0 => "",
                    1 => mutator.HugeIdentifier(),
                    _ => mutator.Oddity() + (mutator.Random.Next(2) == 0 ? a.Value : ""),
                };
                // XML cannot carry most control characters, even escaped: those cases are the text mutations' job.
                a.Value = new string(value.Where(c => c is '\t' or '\n' or '\r' || (c >= ' ' && !char.IsSurrogate(c) && c != '\uffff')).ToArray());
            }
            if (mutator.Random.Next(4) == 0) attributes[mutator.Random.Next(attributes.Count)].Remove();
            return doc.ToString();
        }, Violation);
    }

    [Fact]
    public void Nesting_deeper_than_a_cib_does_is_refused_where_it_starts()
    {
        var deep = "<cib><configuration><resources><group id=\"g\">\n" + string.Concat(Enumerable.Repeat("<x>", 100_000))
                   + string.Concat(Enumerable.Repeat("</x>", 100_000)) + "</group></resources></configuration></cib>";

        var result = CibXmlImporter.Import(deep);

        Assert.False(result.IsOk);
        // The element at level 100 (<cib> is 0, the group 3, the first <x> 4): its name, after the "<", on line 2.
        Assert.Equal((2, 1 + 3 * (CibXmlImporter.MaxDepth - 4) + 1), (result.Error!.Line, result.Error.Column));
        Assert.Contains("nested", result.Error.Message);

        var shallow = CibXmlImporter.Import("<cib><configuration><resources><group id=\"g\">" + string.Concat(Enumerable.Repeat("<x>", 90))
                                            + string.Concat(Enumerable.Repeat("</x>", 90)) + "</group></resources></configuration></cib>");
        Assert.True(shallow.IsOk, shallow.Error?.ToString());
        Assert.Contains(shallow.Unsupported, u => u.Element == "x");
    }

    [Fact]
    public void A_huge_document_is_read()
    {
        const int N = 5_000;
        var huge = new StringBuilder("<cib><configuration><nodes><node id=\"1\" uname=\"node1\"/></nodes><resources>");
        for (var i = 0; i < N; i++) huge.Append($"<primitive id=\"p{i}\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"/>");
        huge.Append("</resources></configuration></cib>");
        Assert.Equal(N, CibXmlImporter.Import(huge.ToString()).Configuration.Resources.Count);
    }

    [Fact]
    public void Entity_expansion_is_refused_not_expanded()
    {
        var laughs = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE cib [\n <!ENTITY lol \"lol\">\n");
        for (var i = 1; i <= 9; i++)
            laughs.Append($" <!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{(i == 1 ? "" : i - 1)};", 10))}\">\n");
        laughs.Append("]>\n<cib><configuration><nodes><node id=\"1\" uname=\"&lol9;\"/></nodes></configuration></cib>");

        var result = CibXmlImporter.Import(laughs.ToString());

        Assert.False(result.IsOk);
        Assert.Equal((2, 1), (result.Error!.Line, result.Error.Column));
        Assert.Contains("DOCTYPE", result.Error.Message);
        Assert.Empty(result.Configuration.Nodes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n  ")]
    [InlineData("<!-- a comment only -->\r\n")]
    public void A_text_without_a_root_element_is_an_error_at_its_end(string xml)
    {
        var result = CibXmlImporter.Import(xml);

        Assert.False(result.IsOk);
        var lines = xml.Replace("\r\n", "\n").Count(c => c is '\r' or '\n') + 1;
        Assert.Equal(lines, result.Error!.Line);
        Assert.True(result.Error.Column >= 1);
    }

    [Fact]
    public void An_external_entity_is_refused_never_fetched()
    {
        var secret = Path.Combine(Directory.CreateTempSubdirectory("ha-xxe-").FullName, "secret");
        File.WriteAllText(secret, "the-secret-text");
        try
        {
            foreach (var target in new[] { new Uri(secret).AbsoluteUri, "file:///etc/passwd" })
            {
                var xml = $"<?xml version=\"1.0\"?>\n<!DOCTYPE cib [<!ENTITY xxe SYSTEM \"{target}\">]>\n"
                          + "<cib><configuration><nodes><node id=\"1\" uname=\"&xxe;\"/></nodes></configuration></cib>";

                var result = CibXmlImporter.Import(xml);

                Assert.False(result.IsOk);
                Assert.Equal((2, 1), (result.Error!.Line, result.Error.Column));
                Assert.DoesNotContain("the-secret-text", result.Error.Message);
                Assert.DoesNotContain("root:", result.Error.Message);
                Assert.Empty(result.Configuration.Nodes);
            }
            // A DOCTYPE naming an external DTD is refused the same, before anything is read from it.
            var external = CibXmlImporter.Import($"<!DOCTYPE cib SYSTEM \"{new Uri(secret).AbsoluteUri}\">\n<cib/>");
            Assert.False(external.IsOk);
            Assert.Contains("DOCTYPE", external.Error!.Message);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(secret)!, true);
        }
    }
}

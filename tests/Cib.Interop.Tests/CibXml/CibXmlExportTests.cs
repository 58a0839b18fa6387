using System.Diagnostics;
using System.Xml.Linq;
using Cib.Domain.Configuration;
using Cib.Interop.CibXml;
using Cib.Interop.Crm;
using Cib.Interop.Tests.Crm;
using CsCheck;
using Xunit;
using Xunit.Abstractions;
using TestSupport;

namespace Cib.Interop.Tests.CibXml;

/// <summary>
/// The CIB XML export, checked by Pacemaker itself: Debian's crm_verify (pacemaker-cli-utils) must accept
/// the example and generated configurations without any error. Each export is checked twice: as exported
/// (empty status: the only warnings allowed are the ones an empty status causes, unclean nodes and no quorum),
/// and with every node online and quorum, so that the scheduler places every resource (exit 0, no warning).
/// Skipped only when crm_verify is not installed.
/// </summary>
public sealed class CibXmlExportTests(ITestOutputHelper output)
{
    internal const string CrmVerify = "/usr/sbin/crm_verify";

    [Fact]
    public void Example_exports_to_a_cib_with_every_section()
    {
        var c = ExampleConfiguration();
        var cib = CibXmlExporter.Export(c, epoch: 7).Root!;
        Assert.Equal("cib", cib.Name.LocalName);
        Assert.StartsWith("pacemaker-3.", (string?)cib.Attribute("validate-with"));
        Assert.Equal("7", (string?)cib.Attribute("epoch"));
        var conf = cib.Element("configuration")!;
        Assert.Equal("true", conf.Descendants("nvpair").Single(n => (string?)n.Attribute("name") == "stonith-enabled").Attribute("value")!.Value);
        Assert.Equal(["node1", "node2"], conf.Element("nodes")!.Elements("node").Select(n => (string)n.Attribute("uname")!));
        var group = conf.Element("resources")!.Element("group")!;
        Assert.Equal(["apache-ip", "apache-fs", "apache-service"], group.Elements("primitive").Select(p => (string)p.Attribute("id")!));
        var fence = conf.Element("resources")!.Elements("primitive").Single();
        Assert.Equal(("stonith", "external/libvirt"), ((string)fence.Attribute("class")!, (string)fence.Attribute("type")!));
        Assert.Equal("node1 node2", fence.Descendants("nvpair").Single(n => (string?)n.Attribute("name") == "hostlist").Attribute("value")!.Value);
        Assert.Single(conf.Element("constraints")!.Elements("rsc_location"));
        Assert.NotNull(conf.Element("rsc_defaults"));
        Assert.NotNull(conf.Element("op_defaults"));
        Assert.NotNull(cib.Element("status"));
        var ids = cib.Descendants().Select(e => (string?)e.Attribute("id")).OfType<string>().Where(_ => true).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Crm_verify_accepts_the_example()
    {
        if (!File.Exists(CrmVerify)) return; // pacemaker-cli-utils not installed: nothing to check against
        AssertAccepted(CibXmlExporter.ExportText(ExampleConfiguration()));
    }

    [Fact]
    public void Crm_verify_accepts_generated_configurations()
    {
        if (!File.Exists(CrmVerify)) return;
        var checkedCount = 0;
        ConfigurationGen.PacemakerValid.Sample(c =>
        {
            AssertAccepted(CibXmlExporter.ExportText(c));
            checkedCount++;
        }, iter: 40, threads: 1);
        output.WriteLine($"crm_verify accepted {checkedCount} generated configurations");
    }

    [Fact]
    public void Nested_ids_are_unique_even_when_derived_names_clash()
    {
        // A primitive named like another's derived attribute-set id must not produce a duplicate XML id.
        var c = CrmParser.Parse("""
            primitive a ocf:heartbeat:Dummy params x=1
            primitive a-instance_attributes ocf:heartbeat:Dummy params x=2
            primitive b ocf:heartbeat:Dummy op monitor interval=10s op monitor interval=20s
            property stonith-enabled=false
            """).Parsed!.Configuration;
        var ids = CibXmlExporter.Export(c).Descendants().Select(e => (string?)e.Attribute("id")).OfType<string>().ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        if (File.Exists(CrmVerify)) AssertAccepted(CibXmlExporter.ExportText(c));
    }

    internal static ClusterConfiguration ExampleConfiguration()
    {
        var result = CrmParser.Parse(File.ReadAllText(Path.Combine(Repo.Root, "docs", "examples", "apache-cluster.crm")));
        Assert.True(result.IsSuccess, string.Join("\n", result.Errors));
        return result.Parsed!.Configuration;
    }

    internal static void AssertAccepted(string xml)
    {
        var (_, asExported) = Verify(xml);
        var problems = asExported.Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)
            || l.Contains("warning:", StringComparison.Ordinal) && !StatusWarnings.Any(l.Contains)).ToList();
        Assert.True(problems.Count == 0, asExported + "\n" + xml);

        var (exit, online) = Verify(WithNodesOnline(xml));
        Assert.True(exit == 0 && !online.Contains("error", StringComparison.OrdinalIgnoreCase) && !online.Contains("warning", StringComparison.OrdinalIgnoreCase),
            $"exit {exit}: {online}\n{xml}");
    }

    /// <summary>What an empty status section makes Pacemaker say: no quorum, nodes of unknown state.</summary>
    private static readonly string[] StatusWarnings = ["lack of quorum", "is unclean", "Warnings found during check"];

    /// <summary>The exported CIB with quorum and every node online, as a running cluster's status would say.</summary>
    private static string WithNodesOnline(string xml)
    {
        var doc = XDocument.Parse(xml);
        var cib = doc.Root!;
        cib.SetAttributeValue("have-quorum", "1");
        cib.Element("status")!.Add(cib.Element("configuration")!.Element("nodes")!.Elements("node").Select(n =>
            new XElement("node_state", new XAttribute("id", (string)n.Attribute("id")!), new XAttribute("uname", (string)n.Attribute("uname")!),
                new XAttribute("in_ccm", "true"), new XAttribute("crmd", "online"), new XAttribute("join", "member"), new XAttribute("expected", "member"))));
        return doc.ToString();
    }

    private static (int Exit, string Output) Verify(string xml)
    {
        var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cib-{Guid.NewGuid():N}.xml");
        File.WriteAllText(file, xml);
        try
        {
            var psi = new ProcessStartInfo(CrmVerify, ["--xml-file", file, "-V"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            return (p.ExitCode, stdout.Result + stderr.Result);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

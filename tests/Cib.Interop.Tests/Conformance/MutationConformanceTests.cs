using System.Diagnostics;
using System.Text.RegularExpressions;
using Cib.Interop.Conformance;
using TestSupport;
using Xunit;

namespace Cib.Interop.Tests.Conformance;

/// <summary>
/// Generalisation check: every corpus case is varied (stickiness 100, first node in standby, fencing off,
/// quorum lost) in a temporary directory, Pacemaker's own crm_simulate says what it would do, and our engine
/// must agree at least as often as recorded in mutation-ratchet.txt. Needs crm_simulate (./ha deps installs it).
/// </summary>
public partial class MutationConformanceTests
{
    [Fact]
    public void Engine_agrees_with_crm_simulate_on_varied_corpus_cases()
    {
        var crmSimulate = new[] { "/usr/sbin/crm_simulate", "/usr/bin/crm_simulate" }.FirstOrDefault(File.Exists);
        Assert.True(crmSimulate is not null, "crm_simulate is not installed (./ha deps installs pacemaker-cli-utils)");
        var floor = int.Parse(File.ReadAllText(Path.Combine(Repo.Root, "tests", "Cib.Interop.Tests", "Conformance", "mutation-ratchet.txt")).Trim());
        var dir = Directory.CreateTempSubdirectory("ha-mutations-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "xml"));
            Directory.CreateDirectory(Path.Combine(dir, "summary"));
            foreach (var file in Directory.GetFiles(Path.Combine(Repo.Shared, "conformance", "pacemaker-2.1.5", "xml"), "*.xml"))
                foreach (var (suffix, xml) in Variants(File.ReadAllText(file)))
                    File.WriteAllText(Path.Combine(dir, "xml", $"{Path.GetFileNameWithoutExtension(file)}--{suffix}.xml"), xml);
            var cases = Directory.GetFiles(Path.Combine(dir, "xml"));
            Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = 2 }, xml =>
            {
                var psi = new ProcessStartInfo(crmSimulate!, ["-x", xml, "-S"]) { RedirectStandardOutput = true, RedirectStandardError = true };
                using var p = Process.Start(psi)!;
                var stderr = p.StandardError.ReadToEndAsync();
                var output = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                _ = stderr.Result;
                File.WriteAllText(Path.Combine(dir, "summary", Path.GetFileNameWithoutExtension(xml) + ".summary"), output);
            });

            var report = ConformanceRunner.Run(dir, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

            Assert.True(report.Cases.Count > 250, $"only {report.Cases.Count} variants");
            var failing = string.Join(", ", report.Cases.Where(c => !c.Passed).Select(c => c.Name));
            Assert.True(report.Passed >= floor, $"{report.Passed} of {report.Cases.Count} variants agree, ratchet {floor}; failing: {failing}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static IEnumerable<(string Suffix, string Xml)> Variants(string x)
    {
        if (!x.Contains("<rsc_defaults", StringComparison.Ordinal))
            yield return ("sticky", ReplaceFirst(x, "</configuration>",
                """<rsc_defaults><meta_attributes id="mut-d"><nvpair id="mut-d1" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults></configuration>"""));
        var node = EmptyNode().Match(x);
        if (node.Success)
            yield return ("standby", x[..node.Index] + $"""<node {node.Groups[1].Value}><instance_attributes id="mut-n"><nvpair id="mut-n1" name="standby" value="on"/></instance_attributes></node>""" + x[(node.Index + node.Length)..]);
        if (x.Contains("""name="stonith-enabled" value="true" """.Trim(), StringComparison.Ordinal))
            yield return ("nofence", x.Replace("""name="stonith-enabled" value="true" """.Trim(), """name="stonith-enabled" value="false" """.Trim(), StringComparison.Ordinal));
        var quorum = Quorate().Match(x);
        if (quorum.Success) yield return ("noquorum", x[..quorum.Index] + "have-quorum=\"0\"" + x[(quorum.Index + quorum.Length)..]);
    }

    private static string ReplaceFirst(string s, string what, string with)
    {
        var i = s.IndexOf(what, StringComparison.Ordinal);
        return i < 0 ? s : s[..i] + with + s[(i + what.Length)..];
    }

    [GeneratedRegex("<node ([^>]*?)/>")]
    private static partial Regex EmptyNode();

    [GeneratedRegex("have-quorum=\"(1|true)\"")]
    private static partial Regex Quorate();
}

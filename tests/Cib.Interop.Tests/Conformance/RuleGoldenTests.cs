using Cib.Interop.Conformance;
using Cib.Interop.CibXml;
using Cib.Projections.Policy;
using Cib.Projections.Policy.Rendering;
using TestSupport;
using Xunit;

namespace Cib.Interop.Tests.Conformance;

/// <summary>
/// Golden scenarios for Pacemaker's rules (<see cref="RuleScenarios"/>): our Transition Summary is compared with
/// Golden/rules/NAME.summary (HA_UPDATE_GOLDEN=1 rewrites them; the diff is the review), and crm_simulate must
/// print the same lines, so each golden file is Pacemaker's decision, not only ours.
/// </summary>
public class RuleGoldenTests
{
    public static IEnumerable<object[]> Names() => RuleScenarios.Catalog.Keys.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(Names))]
    public void Scenario_matches_its_golden_file(string name)
    {
        var (description, cluster) = RuleScenarios.Catalog[name];
        var import = CibXmlImporter.Import(FuzzCibWriter.Write(cluster));
        Assert.True(import.IsOk, import.Error?.ToString());
        Assert.Empty(import.Unsupported);
        var summary = $"# {description}\n" + TransitionSummary.Render(PolicyEngine.Plan(import.State));

        var path = Path.Combine(Repo.Root, "tests", "Cib.Interop.Tests", "Conformance", "Golden", "rules", name + ".summary");
        if (Environment.GetEnvironmentVariable("HA_UPDATE_GOLDEN") == "1") File.WriteAllText(path, summary);
        Assert.True(File.Exists(path), $"{path} is missing; run with HA_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(path), summary);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Crm_simulate_decides_the_same(string name)
    {
        var comparison = FuzzRunner.Compare(RuleScenarios.Catalog[name].Cluster);
        Assert.Null(comparison.Error);
        Assert.Equal(comparison.Theirs, comparison.Ours);
    }
}

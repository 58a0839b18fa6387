using Cib.Interop.Conformance;
using Xunit;
using Xunit.Abstractions;

namespace Cib.Interop.Tests.Conformance;

/// <summary>
/// Differential testing against crm_simulate on generated clusters (docs/policy-engine.md, "Differential
/// testing"): a fixed seed and case count, so the figure is stable; the agreement may only go up (fuzz-ratchet.txt),
/// and every disagreement that is not a documented one is printed, shrunk, to help the next fix.
/// </summary>
public class FuzzConformanceTests(ITestOutputHelper output)
{
    private const ulong Seed = 20261130;
    private const int Cases = 400;

    [Fact]
    public void Generated_clusters_plan_as_crm_simulate_does_at_least_as_often_as_recorded()
    {
        Assert.NotNull(CrmSimulate.Path);
        var floor = int.Parse(File.ReadAllText(Path.Combine(TestSupport.Repo.Root, "tests", "Cib.Interop.Tests", "Conformance", "fuzz-ratchet.txt")).Trim());
        var report = FuzzRunner.Run(Cases, Seed, 2);
        var agreed = report.Agree + report.Known;
        foreach (var d in report.Disagreements.Where(d => d.Known is null).Take(3))
        {
            var shrunk = FuzzRunner.Shrink(d.Cluster);
            var c = FuzzRunner.Compare(shrunk);
            output.WriteLine($"case {d.Index}: crm_simulate [{string.Join(" | ", c.Theirs)}] ours [{string.Join(" | ", c.Ours)}] {c.Error}\n{FuzzCibWriter.Write(shrunk)}");
        }
        output.WriteLine($"fuzz: cases={report.Cases} agree={report.Agree} disagree={report.Disagree} (known {report.Known})");
        Assert.True(agreed >= floor, $"{agreed} of {Cases} generated clusters agree with crm_simulate or match a documented disagreement (ratchet {floor})");
    }

    [Fact]
    public void A_case_is_the_same_cluster_every_time()
    {
        Assert.Equal(FuzzCibWriter.Write(FuzzGenerator.Case(Seed, 17)), FuzzCibWriter.Write(FuzzGenerator.Case(Seed, 17)));
        Assert.NotEqual(FuzzCibWriter.Write(FuzzGenerator.Case(Seed, 17)), FuzzCibWriter.Write(FuzzGenerator.Case(Seed, 18)));
    }

    [Fact]
    public void Every_generated_cib_is_read_without_unsupported_elements()
    {
        for (var i = 0; i < 200; i++)
        {
            var import = Cib.Interop.CibXml.CibXmlImporter.Import(FuzzCibWriter.Write(FuzzGenerator.Case(Seed, i)));
            Assert.True(import.IsOk, $"case {i}: {import.Error}");
            Assert.Empty(import.Unsupported);
        }
    }

    [Fact]
    public void No_disagreement_is_kept_on_purpose_today()
    {
        // docs/policy-engine.md, "Kept disagreements": none; every disagreement the fuzzer finds is reported as new.
        Assert.Empty(FuzzKnownDisagreements.All);
        var c = new FuzzRunner.Comparison(["* Restart rsc1 ( node1 )"], ["* Restart rsc1 ( node1 ) due to resource definition change"], null);
        Assert.Null(FuzzKnownDisagreements.Match(FuzzGenerator.Case(Seed, 0) with { NoQuorumPolicy = "ignore" }, c));
    }

    [Fact]
    public void The_shrinker_keeps_what_the_predicate_needs_and_drops_the_rest()
    {
        var cluster = Enumerable.Range(0, 50).Select(i => FuzzGenerator.Case(Seed, i)).First(c => c.Primitives.Count >= 3 && c.Nodes.Count >= 3);
        var keep = cluster.Primitives[^1].Id;
        var shrunk = FuzzShrinker.Shrink(cluster, c => c.Primitives.Any(p => p.Id == keep));
        Assert.Equal([keep], shrunk.Primitives.Select(p => p.Id));
        Assert.Single(shrunk.Nodes);
        Assert.Empty(shrunk.Locations);
    }
}

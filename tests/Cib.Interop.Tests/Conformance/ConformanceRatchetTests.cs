using Cib.Interop.Conformance;
using TestSupport;
using Xunit;

namespace Cib.Interop.Tests.Conformance;

/// <summary>The conformance figure may only go up: the recorded pass count is a floor (raise it, never lower it).</summary>
public class ConformanceRatchetTests
{
    [Fact]
    public void Pass_count_on_the_shared_corpus_does_not_drop_below_the_ratchet()
    {
        var dir = Path.Combine(Repo.Shared, "conformance", "pacemaker-2.1.5");
        var floor = int.Parse(File.ReadAllText(Path.Combine(Repo.Root, "tests", "Cib.Interop.Tests", "Conformance", "conformance-ratchet.txt")).Trim());

        var report = ConformanceRunner.Run(dir, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        Assert.Equal(129, report.Cases.Count);
        var failing = string.Join(", ", report.Cases.Where(c => !c.Passed).Select(c => c.Name));
        Assert.True(report.Passed >= floor, $"conformance {report.Passed} < ratchet {floor}; failing: {failing}");
    }

    [Fact]
    public void Summary_lines_compare_with_white_space_folded()
    {
        var lines = ConformanceRunner.ExpectedLines("x\nTransition Summary:\n  * Start      rsc1     ( node1 )\n\nExecuting Cluster Transition:\n  * Resource action: a\n");

        Assert.Equal(["* Start rsc1 ( node1 )"], lines);
    }
}

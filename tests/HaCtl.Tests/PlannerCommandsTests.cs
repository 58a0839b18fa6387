using HaCtl;
using Xunit;

namespace HaCtl.Tests;

/// <summary>hactl conformance, simulate and bench planner on small inputs of our own.</summary>
public sealed class PlannerCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hactl-planner-").FullName;

    private const string TwoNodes = """
        <cib have-quorum="1" execution-date="1700000000">
          <configuration>
            <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
            <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
            <resources><primitive id="web" class="ocf" provider="heartbeat" type="apache"/></resources>
            <constraints><rsc_location id="prefer" rsc="web" node="node2" score="100"/></constraints>
          </configuration>
          <status>
            <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>
            <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
          </status>
        </cib>
        """;

    private void Case(string name, string summaryLine)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "xml"));
        Directory.CreateDirectory(Path.Combine(_dir, "summary"));
        File.WriteAllText(Path.Combine(_dir, "xml", name + ".xml"), TwoNodes);
        File.WriteAllText(Path.Combine(_dir, "summary", name + ".summary"),
            $"Current cluster status:\n  * whatever\n\nTransition Summary:\n{summaryLine}\n\nExecuting Cluster Transition:\n  * Resource action: x\n");
    }

    [Fact]
    public void Conformance_prints_pass_fail_with_diff_and_the_count_last()
    {
        Case("good", "  * Start      web     (   node2 )");
        Case("bad", "  * Start      web     ( node1 )");
        var output = new StringWriter();

        var exit = ConformanceCommand.Run(_dir, output, TextWriter.Null);

        var lines = output.ToString().TrimEnd().Split('\n');
        Assert.Equal(0, exit);
        Assert.Contains("PASS good", lines);
        Assert.Contains("FAIL bad", lines);
        Assert.Contains("  - * Start web ( node1 )", lines);
        Assert.Contains("  + * Start web ( node2 )", lines);
        Assert.Equal("conformance: 1 passed, 1 failed", lines[^1]);
    }

    [Fact]
    public async Task Simulate_prints_the_transition_summary_and_scores()
    {
        var file = Path.Combine(_dir, "two.xml");
        File.WriteAllText(file, TwoNodes);
        var (output, errors) = (new StringWriter(), new StringWriter());

        Assert.Equal(0, await Cli.RunAsync(["simulate", file, "--scores"], output, errors));

        var text = output.ToString();
        Assert.Contains("pcmk__primitive_assign: web allocation score on node2: 100", text);
        Assert.Contains("* Start      web     ( node2 )", text);
    }

    [Fact]
    public async Task Bench_prints_one_line_per_size_and_phase()
    {
        var (output, errors) = (new StringWriter(), new StringWriter());

        Assert.Equal(0, await Cli.RunAsync(["bench", "planner", "--sizes", "3x10", "--groups", "2", "--write-cib", _dir], output, errors));

        var lines = output.ToString().TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Matches(@"^planner: nodes=3 resources=10 groups=2 phase=(cold|steady|lost) median_ms=[0-9.]+ peak_mb=[0-9]+ actions=[0-9]+$", l));
        Assert.Contains("phase=steady", lines[1]);
        Assert.EndsWith("actions=0", lines[1]);
        Assert.True(File.Exists(Path.Combine(_dir, "bench-3x10-lost.xml")));
    }

    [Theory]
    [InlineData("--sizes", "3by10", "'3by10' is not a size (NODESxRESOURCES)")]
    [InlineData("--sizes", "0x10", "'0x10' is not a size (NODESxRESOURCES)")]
    [InlineData("--phases", "cold,warm", "phases are cold, steady, lost")]
    [InlineData("--groups", "two", "'two'")]
    public async Task Bench_rejects_a_malformed_option_with_exit_2(string option, string value, string message)
    {
        var (output, errors) = (new StringWriter(), new StringWriter());

        Assert.Equal(2, await Cli.RunAsync(["bench", "planner", option, value], output, errors));

        Assert.Contains(message, errors.ToString());
        Assert.DoesNotContain("planner: nodes=", output.ToString());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

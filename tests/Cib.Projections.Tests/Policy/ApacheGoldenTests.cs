using Cib.Domain.Transitions;
using Cib.Projections.Policy;
using Cib.Projections.Policy.Rendering;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.Policy;

/// <summary>
/// Golden scenarios for the example Apache cluster: the Transition Summary, the scores and the graph (actions
/// and every ordering edge, the execution ones too: probe first, monitor after start) are compared with
/// Policy/Golden/NAME.summary, NAME.scores and NAME.graph. HA_UPDATE_GOLDEN=1 rewrites them; the diff is the review.
/// </summary>
public class ApacheGoldenTests
{
    public static IEnumerable<object[]> Names() => ApacheScenarios.Catalog.Keys.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(Names))]
    public void Scenario_matches_its_golden_files(string name)
    {
        var (description, build) = ApacheScenarios.Catalog[name];
        var plan = PolicyEngine.Plan(build());
        var summary = $"# {description}\n" + TransitionSummary.Render(plan);
        var scores = ScoresRenderer.Render(plan);

        Check(name + ".summary", summary);
        Check(name + ".scores", scores);
        Check(name + ".graph", Graph(plan));
    }

    /// <summary>The transition graph: one line per action (unrunnable ones marked), then one per ordering edge.</summary>
    private static string Graph(Transition plan) =>
        string.Concat(plan.Actions.Select(a => $"action {a.Key}{(a.Runnable ? "" : " (unrunnable)")}: {a.Reason}\n"))
        + string.Concat(plan.Orderings.Select(o => $"order {o.Before} -> {o.After}: {o.Reason}\n"));

    [Fact]
    public void Node_lost_fences_before_moving()
    {
        var plan = PolicyEngine.Plan(ApacheScenarios.Catalog["node-lost"].Build());

        var fence = Assert.Single(plan.Actions, a => a.Kind == ActionKind.Fence);
        Assert.Equal("node1", fence.Node);
        Assert.All(plan.Actions.Where(a => a.Kind == ActionKind.Start),
            s => Assert.Contains(plan.Orderings, o => o.Before == fence.Key && o.After == s.Key));
    }

    private static void Check(string file, string actual)
    {
        var path = Path.Combine(Repo.Root, "tests", "Cib.Projections.Tests", "Policy", "Golden", file);
        if (Environment.GetEnvironmentVariable("HA_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"{path} is missing; run with HA_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}

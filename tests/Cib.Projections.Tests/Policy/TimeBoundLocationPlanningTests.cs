using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Cib.Projections.Policy;
using Cib.Projections.Policy.Rendering;
using Xunit;

namespace Cib.Projections.Tests.Policy;

/// <summary>
/// A location constraint with an end applies while "now" (the engine's input) is before it, and contributes nothing at
/// and after it, as a location whose <c>date lt END</c> rule is false in Pacemaker: the plan is then the plan without
/// it (no score, no opt-in on an asymmetric cluster), though it stays in the configuration.
/// </summary>
public class TimeBoundLocationPlanningTests
{
    private const long End = ApacheScenarios.Now + 3600;
    private static readonly DateTimeOffset EndAt = DateTimeOffset.FromUnixTimeSeconds(End);

    private static readonly LocationConstraint Move = new("cli-prefer-apache-group", "apache-group", "node2", Score.Infinity);
    private static readonly LocationConstraint Ban = new("cli-ban-apache-group-on-node1", "apache-group", "node1", Score.MinusInfinity);

    /// <summary>The example cluster running on node1, with these constraints, planned at <paramref name="now"/>.</summary>
    private static Transition PlanAt(long now, params Constraint[] constraints) =>
        PolicyEngine.Plan(ApacheScenarios.Running(ApacheScenarios.Configuration(constraints)) with { NowEpochSeconds = now });

    public static TheoryData<string, long, bool> Times()
    {
        var data = new TheoryData<string, long, bool>();
        foreach (var kind in new[] { "move", "ban" })
        {
            data.Add(kind, End - 3600, true);
            data.Add(kind, End - 1, true);
            data.Add(kind, End, false);
            data.Add(kind, End + 1, false);
            data.Add(kind, End + 86_400, false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Times))]
    public void Applies_before_its_end_and_not_from_it_on(string kind, long now, bool applies)
    {
        var permanent = kind == "move" ? Move : Ban;
        var timeBound = permanent with { Until = EndAt };
        var plan = PlanAt(now, timeBound);
        var expected = applies ? PlanAt(now, permanent) : PlanAt(now);

        Assert.Equal(TransitionSummary.Lines(expected), TransitionSummary.Lines(plan));
        Assert.Equal(ScoresRenderer.Render(expected), ScoresRenderer.Render(plan));
        // Before the end the group moves to node2; from the end on it stays where it runs.
        Assert.Equal(applies, TransitionSummary.Lines(plan).Any(l => l.Contains("Move", StringComparison.Ordinal)));
    }

    [Fact]
    public void An_ended_location_no_longer_opts_a_node_in_on_an_asymmetric_cluster()
    {
        var optIn = new LocationConstraint("allow-node1", "apache-group", "node1", Score.Of(100)) { Until = EndAt };
        ClusterState At(long now)
        {
            var state = ApacheScenarios.Running(ApacheScenarios.Configuration(optIn)) with { NowEpochSeconds = now };
            return state with { Configuration = state.Configuration with { Properties = state.Configuration.Properties.Set("symmetric-cluster", "false") } };
        }

        Assert.DoesNotContain(TransitionSummary.Lines(PolicyEngine.Plan(At(End - 1))), l => l.Contains("apache", StringComparison.Ordinal));
        Assert.Contains(TransitionSummary.Lines(PolicyEngine.Plan(At(End))), l => l.Contains("Stop", StringComparison.Ordinal) && l.Contains("apache-ip", StringComparison.Ordinal));
    }
}

using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.ClusterStatus;
using Xunit;

namespace Cib.Projections.Tests.Planning;

/// <summary>
/// Explain plans a recorded transition again from its own inputs and names the contributions behind each score (the
/// stickiness that keeps a resource, the colocation that places a dependent); what-if plans a changed copy of the state.
/// </summary>
public class ExplainingTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static ClusterConfiguration Configure(params IConfigurationCommand[] commands)
    {
        var decided = ConfigurationDecider.Decide(new ChangeConfiguration(0, [
            new DefineNode("node1"), new DefineNode("node2"),
            new DefinePrimitive(Primitive.Create("fence", "stonith:fence_dummy", ValueMap.Empty.Set("pcmk_host_list", "node1 node2"))),
            new DefinePrimitive(Primitive.Create("ip", "ocf:heartbeat:IPaddr2")), new DefinePrimitive(Primitive.Create("web", "ocf:heartbeat:apache")),
            .. commands,
        ], T0, Actor.User("ada")), ClusterConfiguration.Empty);
        Assert.True(decided.IsAccepted, string.Join("; ", decided.Errors));
        return ConfigurationDecider.Fold(decided.Events, ClusterConfiguration.Empty);
    }

    /// <summary>Both nodes members; ip and web started on node1 (the fence device on node2).</summary>
    private static ClusterStatus Running()
    {
        var s = ClusterStatus.Empty.Apply(new NodeJoined("node1", "i1", "lease", T0), 1).Apply(new NodeJoined("node2", "i2", "lease", T0), 2);
        var seq = 3L;
        foreach (var (r, n) in new[] { ("ip", "node1"), ("web", "node1"), ("fence", "node2") })
            s = s.Apply(new ResourceOperationSucceeded(r, n, "start", 0, 0, new OperationOrigin("t0", 1), 5, null, null, T0), seq++);
        foreach (var (r, n) in new[] { ("ip", "node2"), ("web", "node2"), ("fence", "node1") })
            s = s.Apply(new ResourceOperationSucceeded(r, n, "monitor", 0, 7, new OperationOrigin("t0", 2), 5, null, null, T0), seq++);
        return s;
    }

    [Fact]
    public void A_recorded_transition_replays_equal_and_stickiness_is_named_where_it_keeps_a_resource()
    {
        var configuration = Configure(new SetResourceDefault("resource-stickiness", "100"),
            new DefineConstraint(new LocationConstraint("prefer-node2", "ip", "node2", Score.Of(50))));
        var status = Running();
        var recorded = TransitionPlanner.Plan(configuration, status, status.Sequence, T0);
        var explained = Explaining.Explain(configuration, status, recorded, "ip");

        Assert.True(explained.Same);
        Assert.Equal(explained.Recorded, explained.Replayed);
        Assert.DoesNotContain(explained.Replayed, l => l.Contains("ip", StringComparison.Ordinal));
        // It stays where stickiness holds it, against a weaker preference for node2, and both are named.
        var node1 = Assert.Single(explained.Placement, c => c.Resource == "ip" && c.Node == "node1");
        var node2 = Assert.Single(explained.Placement, c => c.Resource == "ip" && c.Node == "node2");
        Assert.True(node1.Chosen);
        Assert.Contains(node1.Because, f => f.StartsWith("stickiness", StringComparison.Ordinal));
        Assert.Contains(node2.Because, f => f == "location prefer-node2: 50");
        Assert.True(node1.Score.CompareTo(node2.Score) > 0, $"{node1.Score} vs {node2.Score}");
        Assert.All(explained.Placement, c => Assert.Equal("ip", c.Resource));
    }

    [Fact]
    public void A_colocation_is_named_in_the_dependents_scores_and_a_changed_input_is_found()
    {
        var configuration = Configure(new DefineConstraint(new ColocationConstraint("web-with-ip", "web", "ip", Score.Infinity)));
        var status = Running();
        var recorded = TransitionPlanner.Plan(configuration, status, status.Sequence, T0);
        var explained = Explaining.Explain(configuration, status, recorded, "web");
        Assert.True(explained.Same);
        // web goes where ip is: the colocation is named, with where its primary ends up; node2 is -INFINITY for it.
        var here = Assert.Single(explained.Placement, c => c.Resource == "web" && c.Node == "node1");
        Assert.True(here.Chosen);
        Assert.Contains(here.Because, f => f.StartsWith("colocation web-with-ip with ip", StringComparison.Ordinal) && f.EndsWith("on node1, here", StringComparison.Ordinal));
        Assert.True(Assert.Single(explained.Placement, c => c.Resource == "web" && c.Node == "node2").Score.IsMinusInfinite);

        // Replay against other inputs (node2 in standby) is not the record: the difference shows.
        var other = ConfigurationDecider.Fold(ConfigurationDecider.Decide(new ChangeConfiguration(0, [new SetNodeStandby("node1", true)], T0, Actor.User("ada")), configuration).Events, configuration);
        Assert.False(Explaining.Explain(other, status, recorded).Same);
    }

    [Fact]
    public void What_if_plans_a_copy_with_the_events_applied_and_leaves_the_state_alone()
    {
        var configuration = Configure();
        var status = Running();
        var lost = Explaining.Simulate(configuration, status, status.Sequence, T0, WhatIf.None with { NodesLost = ["node1"] });
        Assert.Equal(["node1 lost"], lost.Applied);
        Assert.Contains(lost.Summary, l => l.StartsWith("* Fence (", StringComparison.Ordinal) && l.Contains("node1", StringComparison.Ordinal));
        Assert.Contains(lost.Summary, l => l.Contains("ip", StringComparison.Ordinal) && l.Contains("node2", StringComparison.Ordinal));

        var failed = Explaining.Simulate(configuration, status, status.Sequence, T0, WhatIf.None with { ResourcesFailed = ["web:monitor"] });
        Assert.Equal(["web monitor failed on node1"], failed.Applied);
        Assert.Contains(failed.Summary, l => l.Contains("web", StringComparison.Ordinal) && l.Contains("Recover", StringComparison.Ordinal));

        var standby = Explaining.Simulate(configuration, status, status.Sequence, T0, WhatIf.None with { Standby = ["node1"] });
        Assert.Contains(standby.Summary, l => l.Contains("ip", StringComparison.Ordinal) && l.Contains("node2", StringComparison.Ordinal));
        // The inputs are values: nothing of the simulation stays in them.
        Assert.True(status.Membership.Of("node1").IsOnline);
        Assert.False(configuration.Nodes["node1"].IsStandby);
        Assert.Throws<Cib.Domain.Primitives.DomainException>(() => Explaining.Simulate(configuration, status, status.Sequence, T0, WhatIf.None with { NodesLost = ["node9"] }));
    }
}

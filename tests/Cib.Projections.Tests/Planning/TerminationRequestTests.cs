using Cib.Domain.Configuration;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.ClusterStatus;
using Xunit;

namespace Cib.Projections.Tests.Planning;

/// <summary>
/// An operator's fence request is Pacemaker's terminate attribute: while it stands the planner fences the node (when
/// fencing is enabled), and a fence of the node ends it.
/// </summary>
public class TerminationRequestTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static ClusterConfiguration Configuration(bool stonith)
    {
        var decided = ConfigurationDecider.Decide(new ChangeConfiguration(0, [
            new DefineNode("node1"), new DefineNode("node2"), new SetClusterProperty("stonith-enabled", stonith ? "true" : "false"),
            new DefinePrimitive(Primitive.Create("fence", "stonith:fence_dummy", ValueMap.Empty.Set("pcmk_host_list", "node1 node2"))),
            new DefinePrimitive(Primitive.Create("ip", "ocf:heartbeat:IPaddr2")),
        ], T0, Actor.User("ada")), ClusterConfiguration.Empty);
        Assert.True(decided.IsAccepted, string.Join("; ", decided.Errors));
        return ConfigurationDecider.Fold(decided.Events, ClusterConfiguration.Empty);
    }

    private static ClusterStatus Members() => ClusterStatus.Empty
        .Apply(new NodeJoined("node1", "i1", "lease", T0), 1)
        .Apply(new NodeJoined("node2", "i2", "lease", T0), 2);

    [Fact]
    public void A_request_fences_the_node_until_it_is_fenced()
    {
        var requested = Members().Apply(new NodeTerminationRequested("node2", Actor.User("otto"), "operator", T0), 3);
        var plan = TransitionPlanner.Plan(Configuration(stonith: true), requested, 3, T0);
        Assert.Contains(plan.Summary, l => l.StartsWith("* Fence (", StringComparison.Ordinal) && l.Contains("node2", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Summary, l => l.StartsWith("* Fence (", StringComparison.Ordinal) && l.Contains("node1", StringComparison.Ordinal));

        var fenced = requested.Apply(new NodeFenced("r1", "node2", "fence", "reboot", "node1", 100, T0), 4);
        Assert.Empty(fenced.TerminationRequested);
        Assert.DoesNotContain(TransitionPlanner.Plan(Configuration(stonith: true), fenced, 4, T0).Summary, l => l.StartsWith("* Fence (", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_fencing_a_request_fences_nothing()
    {
        var requested = Members().Apply(new NodeTerminationRequested("node2", Actor.User("otto"), "operator", T0), 3);
        Assert.DoesNotContain(TransitionPlanner.Plan(Configuration(stonith: false), requested, 3, T0).Summary, l => l.StartsWith("* Fence (", StringComparison.Ordinal));
    }
}

using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Projections.Policy;
using Cib.Projections.Tests.Policy;
using Xunit;

namespace Cib.Projections.Tests.Planning;

/// <summary>
/// The engine reads a node's typed membership (what PlanningInput gives it from the log) exactly as it reads the
/// node_state entry Pacemaker would have for it: online = a full member, unclean = lost while a member, fenced =
/// cleanly down. Every Apache scenario, with and without fencing, shutting down or asked to terminate.
/// </summary>
public class PlanningInputMembershipTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    public static IEnumerable<object[]> Cases() =>
        from name in ApacheScenarios.Catalog.Keys
        from stonith in new[] { true, false }
        from attribute in new[] { "", "shutdown", "terminate" }
        select new object[] { name, stonith, attribute };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Typed_membership_plans_as_its_node_state_entry(string name, bool stonith, string attribute)
    {
        var state = ApacheScenarios.Catalog[name].Build();
        var configuration = state.Configuration with { Properties = state.Configuration.Properties.Set("stonith-enabled", stonith ? "true" : "false") };
        var flags = state with { Configuration = configuration, Nodes = state.Nodes.SetItems(state.Nodes.Select(n => KeyValuePair.Create(n.Key, WithAttribute(n.Value, attribute)))) };
        var typed = flags with { Nodes = flags.Nodes.SetItems(flags.Nodes.Select(n => KeyValuePair.Create(n.Key, Typed(n.Value)))) };

        Assert.Contains(typed.Nodes.Values, n => n.Membership is not null);
        Assert.Equal(PolicyEngine.Plan(flags), PolicyEngine.Plan(typed));
    }

    private static NodeStatus WithAttribute(NodeStatus n, string attribute) =>
        attribute == "" || n.Name != "node1" ? n : n with { Attributes = n.Attributes.Set(attribute, "1") };

    private static NodeStatus Typed(NodeStatus n) => (n.InCluster, n.Crmd, n.Join, n.Expected) switch
    {
        ("true", NodeStatus.Online, NodeStatus.Member, NodeStatus.Member) =>
            NodeStatus.Of(n.Name, new NodeMembership.Online("i1", T0), n.Attributes, n.Resources),
        ("false", "offline", NodeStatus.Member, NodeStatus.Member) =>
            NodeStatus.Of(n.Name, new NodeMembership.Unclean("i1", T0, "lease expired"), n.Attributes, n.Resources),
        ("false", "offline", "down", "down") when n.Resources.IsEmpty =>
            NodeStatus.Of(n.Name, new NodeMembership.Fenced(T0, "fence-libvirt"), n.Attributes, ValueList<ResourceHistory>.Empty),
        _ => n,
    };
}

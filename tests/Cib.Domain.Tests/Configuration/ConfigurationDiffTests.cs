using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Xunit;
using static Cib.Interop.Tests.Crm.CrmText;

namespace Cib.Domain.Tests.Configuration;

/// <summary>The commands between two configurations, for the cases where the decider's cascades matter.</summary>
public sealed class ConfigurationDiffTests
{
    private static ClusterConfiguration Apply(ClusterConfiguration from, IReadOnlyList<IConfigurationCommand> commands)
    {
        var decision = ConfigurationDecider.Decide(new ChangeConfiguration(1, commands, DateTimeOffset.UnixEpoch, Actor.System("test")), from);
        Assert.True(decision.IsAccepted, string.Join("; ", decision.Errors));
        return ConfigurationDecider.Fold(decision.Events, from);
    }

    [Fact]
    public void From_empty_it_is_only_definitions()
    {
        var to = Parse(TwoNodes, Ip, Fs, "group g ip fs", "location l g 10: node1", "property stonith-enabled=false");
        var commands = ConfigurationDiff.Between(ClusterConfiguration.Empty, to);
        Assert.All(commands, c => Assert.True(c is DefineNode or DefinePrimitive or DefineGroup or DefineConstraint or SetClusterProperty, c.ToString()));
        Assert.Equal(to, Apply(ClusterConfiguration.Empty, commands));
    }

    [Fact]
    public void Changed_objects_are_updated_not_redefined()
    {
        var from = Parse(TwoNodes, Ip, Fs, "group g ip fs", "location l g 10: node1");
        var to = Parse("node node1", "node node2 attributes standby=on", Ip.Replace("192.0.2.10", "192.0.2.11"), Fs, "group g fs ip", "location l g 20: node1");
        var commands = ConfigurationDiff.Between(from, to);
        Assert.Equal(4, commands.Count);
        Assert.Contains(commands, c => c is SetNodeAttribute { Node: "node2", Name: "standby", Value: "on" });
        Assert.Contains(commands, c => c is UpdatePrimitive { Primitive.Id: "ip" });
        Assert.Contains(commands, c => c is UpdateGroup { Group.Id: "g" });
        Assert.Contains(commands, c => c is UpdateConstraint { Constraint.Id: "l" });
        Assert.Equal(to, Apply(from, commands));
    }

    [Fact]
    public void A_resource_that_changes_kind_is_deleted_and_defined_with_its_constraints()
    {
        // "web" is a primitive, then a group: the colocation naming it survives through delete + define.
        var from = Parse(Ip, "primitive web ocf:heartbeat:apache", "colocation c inf: web ip");
        var to = Parse(Ip, "primitive apache ocf:heartbeat:apache", "group web apache", "colocation c inf: web ip");
        var commands = ConfigurationDiff.Between(from, to);
        Assert.Equal(to, Apply(from, commands));
        Assert.Contains(commands, c => c is DeleteConstraint { Id: "c" });
        Assert.Contains(commands, c => c is DefineConstraint { Constraint.Id: "c" });
    }

    [Fact]
    public void Removing_a_group_member_and_a_node_keeps_what_stays()
    {
        var from = Parse(TwoNodes, Ip, Fs, "group g ip fs", "location l g 10: node2", "location k ip 5: node1");
        var to = Parse("node node1", Ip, "group g ip", "location k ip 5: node1");
        var commands = ConfigurationDiff.Between(from, to);
        Assert.Equal(to, Apply(from, commands));
        Assert.Contains(commands, c => c is RemoveNode { Name: "node2" });
        Assert.Contains(commands, c => c is DeleteResource { Id: "fs" });
    }

    [Fact]
    public void Properties_and_defaults_are_set_and_removed()
    {
        var from = Parse("property a=1 b=2", "rsc_defaults resource-stickiness=1", "op_defaults timeout=20s");
        var to = Parse("property b=3 c=4", "op_defaults timeout=30s");
        var commands = ConfigurationDiff.Between(from, to);
        Assert.Equal(to, Apply(from, commands));
        Assert.Contains(new RemoveClusterProperty("a"), commands);
        Assert.Contains(new RemoveResourceDefault("resource-stickiness"), commands);
        Assert.Contains(new SetOperationDefault("timeout", "30s"), commands);
    }

    [Fact]
    public void Equal_configurations_need_no_command()
    {
        var c = Parse(TwoNodes, Ip, Fs, "group g ip fs");
        Assert.Empty(ConfigurationDiff.Between(c, c));
    }
}

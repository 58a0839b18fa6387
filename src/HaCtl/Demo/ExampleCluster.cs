using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace HaCtl;

/// <summary>The example two-node Apache cluster (docs/examples/apache-cluster.crm) as domain commands, in the changes an admin would make.</summary>
public static class ExampleCluster
{
    public static IEnumerable<(string Reason, IReadOnlyList<IConfigurationCommand> Commands)> Changes()
    {
        yield return ("bootstrap the cluster", [
            new SetClusterProperty(ClusterOptions.StonithEnabled, "true"),
            new SetClusterProperty(ClusterOptions.NoQuorumPolicy, "stop"),
            new SetResourceDefault(MetaAttributes.ResourceStickiness, "1"),
            new SetResourceDefault(MetaAttributes.MigrationThreshold, "3"),
            new SetOperationDefault("timeout", "20s"),
            new DefineNode("node1"),
            new DefineNode("node2"),
        ]);
        yield return ("fencing through the hypervisor", [
            new DefinePrimitive(Primitive.Create("fence-virt", "stonith:external/libvirt",
                ValueMap.Of(("hostlist", "node1 node2"), ("hypervisor_uri", "qemu+ssh://hypervisor/system")), null,
                OperationDefinition.Create("monitor", "60s", "20s"))),
        ]);
        yield return ("move the Apache service onto the cluster", [
            new DefinePrimitive(Primitive.Create("apache-ip", "ocf:heartbeat:IPaddr2",
                ValueMap.Of(("ip", "192.0.2.10"), ("cidr_netmask", "24")), null,
                OperationDefinition.Create("monitor", "10s", "20s"))),
            new DefinePrimitive(Primitive.Create("apache-fs", "ocf:heartbeat:Filesystem",
                ValueMap.Of(("device", "/dev/disk/by-label/www"), ("directory", "/srv/www"), ("fstype", "xfs")), null,
                OperationDefinition.Create("monitor", "20s", "40s"))),
            new DefinePrimitive(Primitive.Create("apache-service", "ocf:heartbeat:apache",
                ValueMap.Of(("configfile", "/etc/apache2/apache2.conf"), ("statusurl", "http://127.0.0.1/server-status")), null,
                OperationDefinition.Create("monitor", "10s", "20s"))),
            new DefineGroup(Group.Create("apache-group", "apache-ip", "apache-fs", "apache-service")),
        ]);
        yield return ("prefer node1 for the web service", [
            new DefineConstraint(new LocationConstraint("prefer-node1", "apache-group", "node1", Score.Of(50))),
        ]);
    }
}

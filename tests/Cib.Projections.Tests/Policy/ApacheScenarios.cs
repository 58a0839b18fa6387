using System.Collections.Immutable;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Policy;

namespace Cib.Projections.Tests.Policy;

/// <summary>
/// The example Apache cluster (group apache-group = apache-ip, apache-fs, apache-service; a libvirt fence device;
/// node1 and node2) in the situations an admin meets. One line each in <see cref="Catalog"/>.
/// </summary>
internal static class ApacheScenarios
{
    public const long Now = 1_700_000_000;

    public static readonly IReadOnlyDictionary<string, (string Description, Func<ClusterState> Build)> Catalog =
        new SortedDictionary<string, (string, Func<ClusterState>)>(StringComparer.Ordinal)
        {
            ["initial-start"] = ("nothing runs yet: fence device and the group start, members in order", InitialStart),
            ["node-lost"] = ("node1, running the group, leaves the membership: fence it, then move the group to node2", NodeLost),
            ["monitor-failure"] = ("apache-service's monitor fails once: recover it in place, restart nothing before it", MonitorFailure),
            ["migration-threshold"] = ("apache-service failed 3 times with migration-threshold=3: the group moves to node2", MigrationThreshold),
            ["standby"] = ("node1 is put in standby: the group moves to node2", Standby),
            ["move"] = ("crm resource move apache-group node2 (a +INFINITY location): the group moves", Move),
            ["ban"] = ("crm resource ban apache-group node1 (a -INFINITY location): the group moves", Ban),
        };

    private static readonly string[] Members = ["apache-ip", "apache-fs", "apache-service"];

    public static ClusterConfiguration Configuration(params Constraint[] constraints) => ClusterConfiguration.Empty with
    {
        Properties = ValueMap.Of(("stonith-enabled", "true")),
        ResourceDefaults = ValueMap.Of(("resource-stickiness", "1"), ("migration-threshold", "3")),
        Nodes = new[] { "node1", "node2" }.ToImmutableSortedDictionary(n => n, NodeDefinition.Create, StringComparer.Ordinal),
        Resources = new Resource[]
        {
            Primitive.Create("fence-libvirt", "stonith:external/libvirt",
                ValueMap.Of(("hostlist", "node1 node2"), ("hypervisor_uri", "qemu+ssh://hypervisor/system")),
                operations: OperationDefinition.Create("monitor", "60s")),
            Primitive.Create("apache-ip", "ocf:heartbeat:IPaddr2", ValueMap.Of(("ip", "192.0.2.10"), ("cidr_netmask", "24")),
                operations: OperationDefinition.Create("monitor", "10s", "20s")),
            Primitive.Create("apache-fs", "ocf:heartbeat:Filesystem",
                ValueMap.Of(("device", "/dev/vdb1"), ("directory", "/srv/www"), ("fstype", "xfs")),
                operations: OperationDefinition.Create("monitor", "20s", "40s")),
            Primitive.Create("apache-service", "ocf:heartbeat:apache", ValueMap.Of(("configfile", "/etc/apache2/apache2.conf")),
                operations: OperationDefinition.Create("monitor", "10s", "20s")),
            Group.Create("apache-group", Members),
        }.ToImmutableSortedDictionary(r => r.Id, r => r, StringComparer.Ordinal),
        Constraints = constraints.ToImmutableSortedDictionary(c => c.Id, c => c, StringComparer.Ordinal),
    } with { };

    internal static ClusterState Running(ClusterConfiguration config, Func<string, NodeStatus, NodeStatus>? adjust = null)
    {
        var prims = config.Primitives.ToDictionary(p => p.Id);
        var call = 1;
        NodeStatus Node(string name, params string[] rscs) =>
            NodeStatus.Up(name, rscs.Select(id => GeneratedClusters.Running(prims[id], call++)).ToArray());
        var n1 = Node("node1", Members);
        var n2 = Node("node2", "fence-libvirt");
        adjust ??= (_, s) => s;
        return ClusterState.Of(config, [adjust("node1", n1), adjust("node2", n2)], Now);
    }

    private static ClusterState InitialStart() =>
        ClusterState.Of(Configuration(), [NodeStatus.Up("node1"), NodeStatus.Up("node2")], Now);

    private static ClusterState NodeLost() =>
        Running(Configuration(), (name, s) => name == "node1" ? NodeStatus.Lost("node1", [.. s.Resources]) : s);

    private static ClusterState MonitorFailure() => Running(Configuration(), (name, s) => name != "node1" ? s : Fail(s, 1));

    private static ClusterState MigrationThreshold() => Running(Configuration(), (name, s) => name != "node1" ? s : Fail(s, 3));

    private static ClusterState Standby()
    {
        var config = Configuration();
        config = config with { Nodes = config.Nodes.SetItem("node1", new NodeDefinition("node1", ValueMap.Of(("standby", "on")))) };
        return Running(config);
    }

    private static ClusterState Move() =>
        Running(Configuration(new LocationConstraint("cli-prefer-apache-group", "apache-group", "node2", Score.Infinity)));

    private static ClusterState Ban() =>
        Running(Configuration(new LocationConstraint("cli-ban-apache-group-on-node1", "apache-group", "node1", Score.MinusInfinity)));

    /// <summary>apache-service's 10 s monitor reported "not running", counted <paramref name="count"/> times.</summary>
    private static NodeStatus Fail(NodeStatus s, int count)
    {
        var histories = s.Resources.Select(h => h.ResourceId != "apache-service" ? h : h with
        {
            Operations = ValueList<OperationRecord>.Of(h.Operations.Select(o => o.IntervalMs == 10_000 ? o with { Rc = 7, Failed = true, At = DateTimeOffset.FromUnixTimeSeconds(Now - 5) } : o)),
        });
        return s with
        {
            Resources = ValueList<ResourceHistory>.Of(histories),
            Attributes = ValueMap.Of(("fail-count-apache-service#monitor_10000", count.ToString()), ("last-failure-apache-service#monitor_10000", (Now - 5).ToString())),
        };
    }
}

using System.Collections.Immutable;
using System.Security;
using System.Text;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Policy;
using Cib.Projections.Policy.Reconcile;

namespace HaCtl.Bench;

/// <summary>
/// A generated benchmark cluster: N nodes, R Dummy primitives (in groups of G when G > 1), each with a 10 s
/// monitor, spread round-robin. Phases: cold (nothing known, probes everywhere), steady (everything running
/// with history), lost (steady, and node1 left the membership uncleanly). The same cluster is written as CIB XML.
/// </summary>
public sealed record BenchCluster(int Nodes, int Resources, int GroupSize, string Phase)
{
    public const long Now = 1_700_000_000;
    public static readonly string[] Phases = ["cold", "steady", "lost"];

    private string NodeName(int i) => $"node{i + 1}";
    private string RscName(int i) => $"rsc{i + 1}";
    private int GroupOf(int i) => GroupSize > 1 ? i / GroupSize : -1;
    /// <summary>Where resource i runs in steady state: groups together, round-robin over nodes.</summary>
    private int NodeOf(int i) => (GroupSize > 1 ? GroupOf(i) : i) % Nodes;

    public ClusterState State()
    {
        var nodes = Enumerable.Range(0, Nodes).Select(NodeName).ToImmutableSortedDictionary(n => n, NodeDefinition.Create, StringComparer.Ordinal);
        var resources = ImmutableSortedDictionary.CreateBuilder<string, Resource>(StringComparer.Ordinal);
        var order = new List<string>();
        resources["fence"] = Primitive.Create("fence", "stonith:fence_dummy");
        order.Add("fence");
        for (var i = 0; i < Resources; i++)
        {
            resources[RscName(i)] = Primitive.Create(RscName(i), "ocf:pacemaker:Dummy", operations: OperationDefinition.Create("monitor", "10s"));
            if (GroupSize <= 1) order.Add(RscName(i));
        }
        if (GroupSize > 1)
            for (var g = 0; g * GroupSize < Resources; g++)
            {
                var members = Enumerable.Range(g * GroupSize, Math.Min(GroupSize, Resources - g * GroupSize)).Select(RscName).ToArray();
                resources[$"grp{g + 1}"] = Group.Create($"grp{g + 1}", members);
                order.Add($"grp{g + 1}");
            }
        var config = ClusterConfiguration.Empty with
        {
            Properties = ValueMap.Of(("stonith-enabled", "true")),
            ResourceDefaults = ValueMap.Of(("resource-stickiness", "1")),
            Nodes = nodes,
            Resources = resources.ToImmutable(),
        };
        var digest = ParameterDigest.Of(ValueMap.Empty);
        // A resource's "probed, not running" history is the same on every node but its own: the records are
        // immutable, so one instance serves them all (as a reader interning its input would), and the generated
        // input does not dwarf what the planner itself uses.
        var notRunning = Phase == "cold" ? [] : Enumerable.Range(0, Resources).Select(i => NotRunningHistory(i, digest)).ToArray();
        var statuses = Enumerable.Range(0, Nodes).Select(n =>
        {
            var histories = Phase == "cold" ? []
                : Enumerable.Range(0, Resources).Select(i => NodeOf(i) == n ? History(i, n, digest) : notRunning[i]).Prepend(FenceHistory(n, digest)).ToArray();
            return Phase == "lost" && n == 0 ? NodeStatus.Lost(NodeName(n), histories) : NodeStatus.Up(NodeName(n), histories);
        });
        return ClusterState.Of(config, statuses, Now) with { ResourceOrder = ValueList<string>.Of(order) };
    }

    /// <summary>The fence device runs on the last node (so losing node1 does not move it).</summary>
    private ResourceHistory FenceHistory(int node, string digest)
    {
        OperationRecord op = node == Nodes - 1
            ? OperationRecord.FromPacemaker("fence_last_0", "start", 0, 0, 0, 1, Now - 100, digest, 0)
            : OperationRecord.FromPacemaker("fence_last_0", "monitor", 0, 7, 0, 1, Now - 100, digest, 7);
        return new ResourceHistory("fence", "stonith:fence_dummy", ValueList<OperationRecord>.Of([op]));
    }

    private ResourceHistory NotRunningHistory(int i, string digest) => History(i, NodeOf(i) == 0 ? 1 : 0, digest);

    /// <summary>On its node: started and monitored; elsewhere: probed, not running.</summary>
    private ResourceHistory History(int i, int node, string digest)
    {
        var id = RscName(i);
        var call = i * 3 + 2;
        OperationRecord[] ops = NodeOf(i) == node
            ? [OperationRecord.FromPacemaker($"{id}_last_0", "start", 0, 0, 0, call, Now - 100, digest, 0), OperationRecord.FromPacemaker($"{id}_monitor_10000", "monitor", 10_000, 0, 0, call + 1, Now - 90, null, 0)]
            : [OperationRecord.FromPacemaker($"{id}_last_0", "monitor", 0, 7, 0, call, Now - 100, digest, 7)];
        return new ResourceHistory(id, "ocf:pacemaker:Dummy", ValueList<OperationRecord>.Of(ops));
    }

    /// <summary>The same cluster as a Pacemaker CIB for crm_simulate.</summary>
    public string ToCibXml()
    {
        var sb = new StringBuilder();
        sb.Append($"<cib crm_feature_set=\"3.16.2\" validate-with=\"pacemaker-3.9\" epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\" have-quorum=\"1\" dc-uuid=\"1\" execution-date=\"{Now}\">\n");
        sb.Append("<configuration><crm_config><cluster_property_set id=\"opts\"><nvpair id=\"opts-stonith\" name=\"stonith-enabled\" value=\"true\"/></cluster_property_set></crm_config>\n<nodes>\n");
        for (var n = 0; n < Nodes; n++) sb.Append($"<node id=\"{n + 1}\" uname=\"{NodeName(n)}\"/>\n");
        sb.Append("</nodes>\n<resources>\n<primitive id=\"fence\" class=\"stonith\" type=\"fence_dummy\"/>\n");
        for (var i = 0; i < Resources; i++)
        {
            if (GroupSize > 1 && i % GroupSize == 0) sb.Append($"<group id=\"grp{GroupOf(i) + 1}\">\n");
            sb.Append($"<primitive id=\"{RscName(i)}\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"><operations><op id=\"{RscName(i)}-mon\" name=\"monitor\" interval=\"10s\"/></operations></primitive>\n");
            if (GroupSize > 1 && (i % GroupSize == GroupSize - 1 || i == Resources - 1)) sb.Append("</group>\n");
        }
        sb.Append("</resources>\n<constraints/>\n<rsc_defaults><meta_attributes id=\"d\"><nvpair id=\"d-st\" name=\"resource-stickiness\" value=\"1\"/></meta_attributes></rsc_defaults>\n</configuration>\n<status>\n");
        var digest = ParameterDigest.Of(ValueMap.Empty);
        for (var n = 0; n < Nodes; n++)
        {
            var lost = Phase == "lost" && n == 0;
            sb.Append($"<node_state id=\"{n + 1}\" uname=\"{NodeName(n)}\" in_ccm=\"{(lost ? "false" : "true")}\" crmd=\"{(lost ? "offline" : "online")}\" join=\"member\" expected=\"member\">");
            if (Phase != "cold")
            {
                sb.Append("<lrm id=\"").Append(n + 1).Append("\"><lrm_resources>\n");
                var fence = FenceHistory(n, digest).Operations[0];
                sb.Append($"<lrm_resource id=\"fence\" class=\"stonith\" type=\"fence_dummy\"><lrm_rsc_op id=\"fence_last_0\" operation_key=\"fence_{fence.Operation}_0\" operation=\"{fence.Operation}\" crm-debug-origin=\"bench\" crm_feature_set=\"3.16.2\" transition-key=\"1:1:{fence.TargetRc}:00000000-0000-0000-0000-000000000000\" transition-magic=\"0:{fence.Rc};1:1:{fence.TargetRc}:00000000-0000-0000-0000-000000000000\" call-id=\"1\" rc-code=\"{fence.Rc}\" op-status=\"0\" interval=\"0\" last-rc-change=\"{fence.At.ToUnixTimeSeconds()}\" exec-time=\"1\" queue-time=\"0\" op-digest=\"{digest}\"/></lrm_resource>\n");
                for (var i = 0; i < Resources; i++)
                {
                    sb.Append($"<lrm_resource id=\"{RscName(i)}\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\">");
                    foreach (var op in History(i, n, digest).Operations)
                        sb.Append($"<lrm_rsc_op id=\"{SecurityElement.Escape(op.Id!)}\" operation_key=\"{RscName(i)}_{op.Operation}_{op.IntervalMs}\" operation=\"{op.Operation}\" crm-debug-origin=\"bench\" crm_feature_set=\"3.16.2\" transition-key=\"1:1:{op.TargetRc}:00000000-0000-0000-0000-000000000000\" transition-magic=\"0:{op.Rc};1:1:{op.TargetRc}:00000000-0000-0000-0000-000000000000\" call-id=\"{op.Sequence}\" rc-code=\"{op.Rc}\" op-status=\"0\" interval=\"{op.IntervalMs}\" last-rc-change=\"{op.At.ToUnixTimeSeconds()}\" exec-time=\"1\" queue-time=\"0\" op-digest=\"{op.ParameterDigest ?? digest}\"/>");
                    sb.Append("</lrm_resource>\n");
                }
                sb.Append("</lrm_resources></lrm>");
            }
            sb.Append("</node_state>\n");
        }
        sb.Append("</status>\n</cib>\n");
        return sb.ToString();
    }
}

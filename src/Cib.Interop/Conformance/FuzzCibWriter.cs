using System.Globalization;
using System.Text;
using Cib.Domain.Primitives;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Interop.Conformance;

/// <summary>Renders a <see cref="FuzzCluster"/> as a Pacemaker CIB (schema pacemaker-3.9), status section included.</summary>
public static class FuzzCibWriter
{
    private const string Uuid = "00000000-0000-0000-0000-000000000000";

    public static string Write(FuzzCluster c)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<cib crm_feature_set=\"3.16.2\" validate-with=\"pacemaker-3.9\" epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\" have-quorum=\"{(c.HaveQuorum ? 1 : 0)}\" dc-uuid=\"{Dc(c)}\" execution-date=\"{FuzzCluster.Now}\">\n<configuration>\n");
        sb.Append("<crm_config><cluster_property_set id=\"opts\">");
        Pair(sb, "opts", "stonith-enabled", c.StonithEnabled ? "true" : "false");
        if (c.NoQuorumPolicy is { } nq) Pair(sb, "opts", "no-quorum-policy", nq);
        if (c.ShutdownLock) Pair(sb, "opts", "shutdown-lock", "true");
        if (c.ShutdownLockLimitSeconds is { } limit) Pair(sb, "opts", "shutdown-lock-limit", $"{limit}s");
        sb.Append("</cluster_property_set></crm_config>\n<nodes>\n");
        foreach (var n in c.Nodes)
        {
            sb.Append($"<node id=\"{n.Name}\" uname=\"{n.Name}\">");
            if (n.State is FuzzNodeState.Standby or FuzzNodeState.Maintenance)
            {
                sb.Append($"<instance_attributes id=\"{n.Name}-attrs\">");
                Pair(sb, n.Name + "-attrs", n.State == FuzzNodeState.Standby ? "standby" : "maintenance", "on");
                sb.Append("</instance_attributes>");
            }
            sb.Append("</node>\n");
        }
        sb.Append("</nodes>\n<resources>\n");
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in c.Primitives)
        {
            if (p.Group is null)
            {
                Primitive(sb, p);
                continue;
            }
            if (!written.Add(p.Group)) continue;
            sb.Append($"<group id=\"{p.Group}\">");
            if (c.GroupMultipleActive is { } groupPolicy)
                sb.Append($"<meta_attributes id=\"{p.Group}-meta\"><nvpair id=\"{p.Group}-meta-multiple-active\" name=\"multiple-active\" value=\"{groupPolicy}\"/></meta_attributes>");
            foreach (var m in c.Primitives.Where(m => m.Group == p.Group)) Primitive(sb, m);
            sb.Append("</group>\n");
        }
        sb.Append("</resources>\n<constraints>\n");
        var k = 0;
        foreach (var l in c.Locations)
            sb.Append($"<rsc_location id=\"loc{++k}\" rsc=\"{l.Resource}\" node=\"{l.Node}\" score=\"{l.Score}\"/>\n");
        foreach (var o in c.Colocations)
            sb.Append($"<rsc_colocation id=\"col{++k}\" rsc=\"{o.Dependent}\" with-rsc=\"{o.With}\" score=\"{o.Score}\"/>\n");
        foreach (var o in c.Orders)
            sb.Append($"<rsc_order id=\"ord{++k}\" first=\"{o.First}\" then=\"{o.Then}\" kind=\"{o.Kind}\" symmetrical=\"{(o.Symmetrical ? "true" : "false")}\"/>\n");
        sb.Append("</constraints>\n");
        if (c.DefaultStickiness is not null || c.DefaultMigrationThreshold is not null)
        {
            sb.Append("<rsc_defaults><meta_attributes id=\"rsc-defaults\">");
            if (c.DefaultStickiness is { } s) Pair(sb, "rsc-defaults", "resource-stickiness", s);
            if (c.DefaultMigrationThreshold is { } m) Pair(sb, "rsc-defaults", "migration-threshold", m);
            sb.Append("</meta_attributes></rsc_defaults>\n");
        }
        sb.Append("</configuration>\n<status>\n");
        foreach (var n in c.Nodes)
        {
            var up = n.State is FuzzNodeState.Online or FuzzNodeState.Standby or FuzzNodeState.Maintenance;
            sb.Append($"<node_state id=\"{n.Name}\" uname=\"{n.Name}\" in_ccm=\"{(up ? "true" : "false")}\" crmd=\"{(up ? "online" : "offline")}\" join=\"{(up ? "member" : "down")}\" expected=\"{(n.State == FuzzNodeState.Down ? "down" : "member")}\">");
            var attrs = new List<(string, string)>();
            if (n.ShutdownAgeSeconds is { } shutdownAge) attrs.Add(("shutdown", (FuzzCluster.Now - shutdownAge).ToString(CultureInfo.InvariantCulture)));
            var ops = new StringBuilder();
            var call = 1;
            foreach (var p in c.Primitives)
            {
                foreach (var h in p.Histories.Where(h => h.Node == n.Name))
                {
                    var locked = h.LockAgeSeconds is { } lockAge ? $" shutdown-lock=\"{(FuzzCluster.Now - lockAge).ToString(CultureInfo.InvariantCulture)}\"" : "";
                    ops.Append($"<lrm_resource id=\"{p.Id}\" class=\"{(p.Stonith ? "stonith" : "ocf")}\"{(p.Stonith ? "" : " provider=\"heartbeat\"")} type=\"{(p.Stonith ? "fence_dummy" : "Dummy")}\"{locked}>");
                    History(ops, attrs, p, h, ref call);
                    ops.Append("</lrm_resource>\n");
                }
            }
            if (attrs.Count > 0)
            {
                sb.Append($"<transient_attributes id=\"{n.Name}\"><instance_attributes id=\"status-{n.Name}\">");
                foreach (var (name, value) in attrs) Pair(sb, "status-" + n.Name, name, value);
                sb.Append("</instance_attributes></transient_attributes>");
            }
            sb.Append($"<lrm id=\"{n.Name}\"><lrm_resources>\n").Append(ops).Append("</lrm_resources></lrm></node_state>\n");
        }
        sb.Append("</status>\n</cib>\n");
        return sb.ToString();
    }

    /// <summary>The designated controller: the first node that is up.</summary>
    private static string Dc(FuzzCluster c) =>
        (c.Nodes.FirstOrDefault(n => n.State is FuzzNodeState.Online or FuzzNodeState.Standby or FuzzNodeState.Maintenance) ?? c.Nodes[0]).Name;

    private static void Primitive(StringBuilder sb, FuzzPrimitive p)
    {
        sb.Append(p.Stonith
            ? $"<primitive id=\"{p.Id}\" class=\"stonith\" type=\"fence_dummy\">"
            : $"<primitive id=\"{p.Id}\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\">");
        if (p.Fake is { } fake)
        {
            sb.Append($"<instance_attributes id=\"{p.Id}-params\">");
            Pair(sb, p.Id + "-params", "fake", fake);
            sb.Append("</instance_attributes>");
        }
        var meta = new List<(string, string)>();
        if (p.Stickiness is { } s) meta.Add(("resource-stickiness", s));
        if (p.TargetStopped) meta.Add(("target-role", "Stopped"));
        if (p.Unmanaged) meta.Add(("is-managed", "false"));
        if (p.MigrationThreshold is { } m) meta.Add(("migration-threshold", m));
        if (p.FailureTimeoutSeconds is { } f) meta.Add(("failure-timeout", f.ToString(CultureInfo.InvariantCulture)));
        if (p.MultipleActive is { } ma) meta.Add(("multiple-active", ma));
        if (meta.Count > 0)
        {
            sb.Append($"<meta_attributes id=\"{p.Id}-meta\">");
            foreach (var (name, value) in meta) Pair(sb, p.Id + "-meta", name, value);
            sb.Append("</meta_attributes>");
        }
        sb.Append($"<operations><op id=\"{p.Id}-monitor-10s\" name=\"monitor\" interval=\"10s\"");
        if (p.MonitorOnFail is { } onFail) sb.Append($" on-fail=\"{onFail}\"");
        sb.Append("/></operations></primitive>\n");
    }

    private static void History(StringBuilder ops, List<(string, string)> attrs, FuzzPrimitive p, FuzzHistory h, ref int call)
    {
        var changed = FuzzCluster.Now - h.AgeSeconds;
        switch (h.Story)
        {
            case FuzzStory.ProbedStopped:
                Op(ops, p, h, "last_0", "monitor", 0, 7, 7, call++, changed);
                break;
            case FuzzStory.ProbedRunning:
                Op(ops, p, h, "last_0", "monitor", 0, 0, 7, call++, changed);
                break;
            case FuzzStory.ProbeFailed:
                Op(ops, p, h, "last_0", "monitor", 0, h.MonitorRc, 7, call, changed);
                Op(ops, p, h, "last_failure_0", "monitor", 0, h.MonitorRc, 7, call++, changed);
                break;
            case FuzzStory.Running:
                Op(ops, p, h, "last_0", "start", 0, 0, 0, call++, changed - 10);
                Op(ops, p, h, "monitor_10000", "monitor", 10_000, h.MonitorRc, 0, call, changed);
                if (h.MonitorRc is not (0 or 190))
                {
                    Op(ops, p, h, "last_failure_0", "monitor", 10_000, h.MonitorRc, 0, call, changed);
                    if (h.FailCount > 0)
                    {
                        attrs.Add(($"fail-count-{p.Id}#monitor_10000", h.FailCount.ToString(CultureInfo.InvariantCulture)));
                        attrs.Add(($"last-failure-{p.Id}#monitor_10000", changed.ToString(CultureInfo.InvariantCulture)));
                    }
                }
                call++;
                break;
            case FuzzStory.StartFailed:
                FailedHard(ops, attrs, p, h, "start", ref call, changed);
                break;
            case FuzzStory.StopFailed:
                FailedHard(ops, attrs, p, h, "stop", ref call, changed);
                break;
            case FuzzStory.Stopped:
                Op(ops, p, h, "last_0", "stop", 0, 0, 0, call++, changed);
                break;
        }
    }

    /// <summary>A start or stop that failed (rc 1) as its last and its last failed call, with the INFINITY fail count Pacemaker then sets.</summary>
    private static void FailedHard(StringBuilder ops, List<(string, string)> attrs, FuzzPrimitive p, FuzzHistory h, string operation, ref int call, long changed)
    {
        Op(ops, p, h, "last_0", operation, 0, 1, 0, call, changed);
        Op(ops, p, h, "last_failure_0", operation, 0, 1, 0, call++, changed);
        attrs.Add(($"fail-count-{p.Id}#{operation}_0", "INFINITY"));
        attrs.Add(($"last-failure-{p.Id}#{operation}_0", changed.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>The op-digest Pacemaker records: of the parameters the operation ran with.</summary>
    private static string Digest(FuzzPrimitive p, FuzzHistory h) =>
        ParameterDigest.Of(h.StaleDigest ? ValueMap.Of(("fake", "old")) : p.Fake is { } f ? ValueMap.Of(("fake", f)) : ValueMap.Empty);

    private static void Op(StringBuilder sb, FuzzPrimitive p, FuzzHistory h, string idSuffix, string operation, int intervalMs, int rc, int target, int call, long changed)
    {
        var key = $"{call}:1:{target}:{Uuid}";
        sb.Append(CultureInfo.InvariantCulture,
            $"<lrm_rsc_op id=\"{p.Id}_{idSuffix}\" operation_key=\"{p.Id}_{operation}_{intervalMs}\" operation=\"{operation}\" crm-debug-origin=\"fuzz\" crm_feature_set=\"3.16.2\" transition-key=\"{key}\" transition-magic=\"0:{rc};{key}\" call-id=\"{call}\" rc-code=\"{rc}\" op-status=\"0\" interval=\"{intervalMs}\" last-rc-change=\"{changed}\" exec-time=\"1\" queue-time=\"0\"{(intervalMs == 0 ? $" op-digest=\"{Digest(p, h)}\"" : "")}/>");
    }

    private static void Pair(StringBuilder sb, string set, string name, string value) =>
        sb.Append($"<nvpair id=\"{set}-{name.Replace('#', '_')}\" name=\"{name}\" value=\"{value}\"/>");
}

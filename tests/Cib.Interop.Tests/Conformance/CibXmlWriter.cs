using System.Globalization;
using System.Security;
using System.Text;
using Cib.Domain.Constraints;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Policy;

namespace Cib.Interop.Tests.Conformance;

/// <summary>Writes a cluster state as a Pacemaker CIB, so that crm_simulate can judge the same input (differential tests).</summary>
internal static class CibXmlWriter
{
    public static string Write(ClusterState state)
    {
        var c = state.Configuration;
        var sb = new StringBuilder();
        sb.Append($"<cib crm_feature_set=\"3.16.2\" validate-with=\"pacemaker-3.9\" epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\" have-quorum=\"{(state.HasQuorum ? 1 : 0)}\" execution-date=\"{state.NowEpochSeconds}\">\n<configuration>\n");
        sb.Append("<crm_config><cluster_property_set id=\"opts\">");
        foreach (var (k, v) in c.Properties) Pair(sb, "opts", k, v);
        sb.Append("</cluster_property_set></crm_config>\n<nodes>\n");
        foreach (var n in c.Nodes.Values)
        {
            sb.Append($"<node id=\"{E(n.Name)}\" uname=\"{E(n.Name)}\">");
            Set(sb, "instance_attributes", $"{n.Name}-attrs", n.Attributes);
            sb.Append("</node>\n");
        }
        sb.Append("</nodes>\n<resources>\n");
        var members = c.Groups.SelectMany(g => g.Members).ToHashSet();
        var order = state.ResourceOrder.Count > 0 ? state.ResourceOrder.AsEnumerable() : c.Resources.Keys;
        foreach (var id in order.Where(id => !members.Contains(id)))
        {
            switch (c.Resources[id])
            {
                case Primitive p: Primitive(sb, p); break;
                case Group g:
                    sb.Append($"<group id=\"{E(g.Id)}\">");
                    Set(sb, "meta_attributes", $"{g.Id}-meta", g.Meta);
                    foreach (var m in g.Members) Primitive(sb, (Primitive)c.Resources[m]);
                    sb.Append("</group>\n");
                    break;
            }
        }
        sb.Append("</resources>\n<constraints>\n");
        foreach (var k in c.Constraints.Values)
        {
            sb.Append(k switch
            {
                LocationConstraint l => $"<rsc_location id=\"{E(l.Id)}\" rsc=\"{E(l.Resource)}\" node=\"{E(l.Node)}\" score=\"{l.Score}\"/>\n",
                ColocationConstraint o => $"<rsc_colocation id=\"{E(o.Id)}\" rsc=\"{E(o.Dependent)}\" with-rsc=\"{E(o.With)}\" score=\"{o.Score}\"/>\n",
                OrderConstraint o => $"<rsc_order id=\"{E(o.Id)}\" first=\"{E(o.First)}\" first-action=\"{o.FirstAction}\" then=\"{E(o.Then)}\" then-action=\"{o.ThenAction}\" kind=\"{o.Kind}\" symmetrical=\"{(o.Symmetrical ? "true" : "false")}\"/>\n",
                _ => "",
            });
        }
        sb.Append("</constraints>\n");
        sb.Append("<rsc_defaults>");
        Set(sb, "meta_attributes", "rsc-defaults", c.ResourceDefaults);
        sb.Append("</rsc_defaults>\n<op_defaults>");
        Set(sb, "meta_attributes", "op-defaults", c.OperationDefaults);
        sb.Append("</op_defaults>\n</configuration>\n<status>\n");
        foreach (var s in state.Nodes.Values)
        {
            sb.Append($"<node_state id=\"{E(s.Name)}\" uname=\"{E(s.Name)}\"");
            if (s.InCluster is not null) sb.Append($" in_ccm=\"{E(s.InCluster)}\"");
            if (s.Crmd is not null) sb.Append($" crmd=\"{E(s.Crmd)}\"");
            if (s.Join is not null) sb.Append($" join=\"{E(s.Join)}\"");
            if (s.Expected is not null) sb.Append($" expected=\"{E(s.Expected)}\"");
            sb.Append('>');
            sb.Append($"<transient_attributes id=\"{E(s.Name)}\">");
            Set(sb, "instance_attributes", $"status-{s.Name}", s.Attributes);
            sb.Append($"</transient_attributes><lrm id=\"{E(s.Name)}\"><lrm_resources>\n");
            foreach (var h in s.Resources)
            {
                var agent = ResourceAgent.Parse(h.Agent ?? ((Primitive)c.Resources[h.ResourceId]).Agent.ToString());
                sb.Append($"<lrm_resource id=\"{E(h.ResourceId)}\" class=\"{agent.Class}\"{(agent.Provider is null ? "" : $" provider=\"{agent.Provider}\"")} type=\"{E(agent.Type)}\">");
                foreach (var op in h.Operations)
                    sb.Append($"<lrm_rsc_op id=\"{E(op.Id ?? $"{h.ResourceId}_{op.Operation}_{op.IntervalMs}")}\" operation_key=\"{E(h.ResourceId)}_{op.Operation}_{op.IntervalMs}\" operation=\"{op.Operation}\" crm-debug-origin=\"test\" crm_feature_set=\"3.16.2\" transition-key=\"1:1:{op.TargetRc ?? 0}:00000000-0000-0000-0000-000000000000\" transition-magic=\"{op.Status.ToPacemaker()}:{op.Rc};1:1:{op.TargetRc ?? 0}:00000000-0000-0000-0000-000000000000\" call-id=\"{op.Sequence}\" rc-code=\"{op.Rc}\" op-status=\"{op.Status.ToPacemaker()}\" interval=\"{op.IntervalMs}\" last-rc-change=\"{op.At.ToUnixTimeSeconds()}\" exec-time=\"1\" queue-time=\"0\"{(op.ParameterDigest is null ? "" : $" op-digest=\"{op.ParameterDigest}\"")}/>");
                sb.Append("</lrm_resource>\n");
            }
            sb.Append("</lrm_resources></lrm></node_state>\n");
        }
        sb.Append("</status>\n</cib>\n");
        return sb.ToString();
    }

    private static void Primitive(StringBuilder sb, Primitive p)
    {
        sb.Append($"<primitive id=\"{E(p.Id)}\" class=\"{p.Agent.Class}\"{(p.Agent.Provider is null ? "" : $" provider=\"{p.Agent.Provider}\"")} type=\"{E(p.Agent.Type)}\">");
        Set(sb, "instance_attributes", $"{p.Id}-params", p.Params);
        Set(sb, "meta_attributes", $"{p.Id}-meta", p.Meta);
        sb.Append("<operations>");
        foreach (var op in p.Operations)
        {
            sb.Append($"<op id=\"{E(p.Id)}-{op.Name}-{op.Interval.Milliseconds}\" name=\"{op.Name}\" interval=\"{op.Interval.Milliseconds}ms\"");
            if (op.Timeout is { } t) sb.Append($" timeout=\"{t.Milliseconds}ms\"");
            if (op.OnFail is not null) sb.Append($" on-fail=\"{op.OnFail}\"");
            sb.Append("/>");
        }
        sb.Append("</operations></primitive>\n");
    }

    private static void Set(StringBuilder sb, string kind, string id, ValueMap values)
    {
        if (values.IsEmpty) return;
        sb.Append($"<{kind} id=\"{E(id)}\">");
        foreach (var (k, v) in values) Pair(sb, id, k, v);
        sb.Append($"</{kind}>");
    }

    private static void Pair(StringBuilder sb, string set, string k, string v) =>
        sb.Append($"<nvpair id=\"{E(set)}-{E(k.Replace('#', '_'))}\" name=\"{E(k)}\" value=\"{E(v)}\"/>");

    private static string E(string s) => SecurityElement.Escape(s) ?? s;
}

using System.Globalization;
using System.Xml.Linq;
using Cib.Domain.Configuration;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Projections.Policy;

namespace Cib.Interop.CibXml;

public sealed partial class CibXmlImporter
{
    private List<NodeStatus> ReadStatus(XElement status, ClusterConfiguration configuration)
    {
        var nodes = new List<NodeStatus>();
        foreach (var ns in status.Elements())
        {
            if (ns.Name.LocalName != "node_state")
            {
                Unsupported(ns, $"<{ns.Name.LocalName}> in status");
                continue;
            }
            var id = Attr(ns, "id") ?? Required(ns, "uname");
            var name = _nodeNamesById.TryGetValue(id, out var n) ? n : Attr(ns, "uname") ?? id;
            if (!configuration.Nodes.ContainsKey(name))
            {
                Unsupported(ns, $"status of node '{name}', which is not configured (remote or guest nodes are not supported)");
                continue;
            }
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            var resources = new List<ResourceHistory>();
            foreach (var child in ns.Elements())
            {
                switch (child.Name.LocalName)
                {
                    case "transient_attributes":
                        foreach (var set in child.Elements())
                            if (set.Name.LocalName == "instance_attributes") ReadNvpairs(set, attributes);
                            else Unsupported(set, "in transient_attributes");
                        break;
                    case "lrm":
                        foreach (var lr in child.Elements("lrm_resources").Elements())
                            if (lr.Name.LocalName == "lrm_resource") resources.Add(ReadHistory(lr));
                        break;
                    default:
                        Unsupported(child, $"<{child.Name.LocalName}> in node_state");
                        break;
                }
            }
            nodes.Add(new NodeStatus(name, Attr(ns, "in_ccm"), Attr(ns, "crmd"), Attr(ns, "join"), Attr(ns, "expected"),
                ValueMap.Of(attributes), ValueList<ResourceHistory>.Of(resources)));
        }
        return nodes;
    }

    private ResourceHistory ReadHistory(XElement lr)
    {
        var agent = Attr(lr, "class") is { } cls
            ? Attr(lr, "provider") is { } prov ? $"{cls}:{prov}:{Attr(lr, "type")}" : $"{cls}:{Attr(lr, "type")}"
            : null;
        var ops = new List<OperationRecord>();
        foreach (var op in lr.Elements())
        {
            if (op.Name.LocalName != "lrm_rsc_op")
            {
                Unsupported(op, $"<{op.Name.LocalName}> in lrm_resource");
                continue;
            }
            ops.Add(OperationRecord.FromPacemaker(
                Attr(op, "id") ?? "",
                Required(op, "operation"),
                // In the status section an interval is a plain number of milliseconds.
                Long(op, "interval") ?? ParseInterval(Attr(op, "interval"))?.Milliseconds ?? 0,
                Int(op, "rc-code", 0),
                Int(op, "op-status", 0),
                Int(op, "call-id", 0),
                Long(op, "last-rc-change") ?? Long(op, "last-run") ?? 0,
                Attr(op, "op-digest"),
                TargetRc(Attr(op, "transition-key"))) with
            {
                SecureDigest = Attr(op, "op-secure-digest"),
            });
        }
        return new ResourceHistory(Required(lr, "id"), agent, ValueList<OperationRecord>.Of(ops)) { ShutdownLock = Long(lr, "shutdown-lock") };
    }

    private static int Int(XElement e, string name, int fallback) =>
        int.TryParse(Attr(e, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    private static long? Long(XElement e, string name) =>
        long.TryParse(Attr(e, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>transition-key is "action:transition:target-rc:uuid"; the expected result is the third field.</summary>
    private static int? TargetRc(string? key)
    {
        if (key is null) return null;
        var parts = key.Split(':');
        return parts.Length >= 4 && int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var rc) ? rc : null;
    }
}

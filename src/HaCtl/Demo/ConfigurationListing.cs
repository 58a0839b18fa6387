using Cib.Domain.Configuration;
using Cib.Projections.ReadModels.ConfigurationHistory;

namespace HaCtl;

/// <summary>A plain listing of a configuration, one object a line.</summary>
public static class ConfigurationListing
{
    public static IEnumerable<string> Lines(ClusterConfiguration c)
    {
        foreach (var n in c.Nodes.Values) yield return $"node {n.Name}{(n.Attributes.IsEmpty ? "" : " attributes " + n.Attributes)}";
        foreach (var p in c.Primitives) yield return $"primitive {ConfigurationEventText.Show(p)}";
        foreach (var g in c.Groups) yield return $"group {g.Id} {g.Members}";
        foreach (var k in c.Constraints.Values) yield return ConfigurationEventText.Show(k);
        if (!c.Properties.IsEmpty) yield return $"property {c.Properties}";
        if (!c.ResourceDefaults.IsEmpty) yield return $"rsc_defaults {c.ResourceDefaults}";
        if (!c.OperationDefaults.IsEmpty) yield return $"op_defaults {c.OperationDefaults}";
    }
}

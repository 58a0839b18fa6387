using Cib.Domain.Configuration;
using Cib.Domain.Resources;

namespace Cib.Domain.Fencing;

/// <summary>A fence device seen through its primitive: which hosts it can fence, and under which name (host map).</summary>
public sealed record FenceDevice(string Id, ResourceAgent Agent, IReadOnlyDictionary<string, string> Targets)
{
    /// <summary>
    /// Hosts come from <c>pcmk_host_map</c> ("node1:port1;node2:port2"), <c>pcmk_host_list</c> or the
    /// libvirt-style <c>hostlist</c> (space or comma separated); the value is the name the device knows the node by.
    /// </summary>
    public static FenceDevice From(Primitive p)
    {
        var targets = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in Split(p.Params.Get("pcmk_host_map"), ';', ' ', ','))
        {
            var i = entry.IndexOf(':');
            if (i > 0) targets[entry[..i]] = entry[(i + 1)..];
            else targets[entry] = entry;
        }
        foreach (var host in Split(p.Params.Get("pcmk_host_list"), ' ', ',', ';'))
            targets.TryAdd(host, host);
        // libvirt-style hostlist entries may name the domain: "node1:vm1".
        foreach (var entry in Split(p.Params.Get("hostlist"), ' ', ',', ';'))
        {
            var i = entry.IndexOf(':');
            if (i > 0) targets.TryAdd(entry[..i], entry[(i + 1)..]);
            else targets.TryAdd(entry, entry);
        }
        return new FenceDevice(p.Id, p.Agent, targets);
    }

    public bool CanFence(string node) => Targets.ContainsKey(node);

    public static IEnumerable<FenceDevice> All(ClusterConfiguration c) => c.FenceDevices.Select(From);

    private static IEnumerable<string> Split(string? value, params char[] separators) =>
        value is null ? [] : value.Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

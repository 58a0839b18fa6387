using LabSupport;

namespace Soak;

/// <summary>A primitive as the observer recognises it on a node, from what the kernel shows.</summary>
public sealed record Watched(string Id, string How, Func<NodeState, bool> ActiveOn, string? Group = null);

/// <summary>An instant at which a primitive was active on more than one live node.</summary>
public sealed record DoubleActive(TimeSpan At, string Resource, string How, IReadOnlyList<string> Nodes)
{
    public override string ToString() => $"{At.TotalSeconds:F1} s: {Resource} active on {string.Join(" and ", Nodes)} ({How})";
}

/// <summary>
/// The observer's rules, pure: what "active" means for each primitive of the soak's cluster, when it is active twice,
/// and when the service is whole (every primitive active on exactly one live node, a group's members together, the page
/// served).
/// </summary>
public static class Judge
{
    public const string DummyPrefix = "soak-d";
    public const string IpPrefix = "soak-ip";

    /// <summary>The soak's primitives (<see cref="SoakCluster.Configuration"/>): the lab's Apache group, VIPs and Dummies.</summary>
    public static IReadOnlyList<Watched> Primitives(int vips, int dummies)
    {
        var list = new List<Watched>
        {
            new("apache-ip", "VIP " + Lab.Vip, n => n.Addresses.Contains(Lab.Vip), "apache-group"),
            new("apache-fs", "mount " + Lab.SharedMount, n => n.Mount, "apache-group"),
            new("apache-service", "apache2 processes", n => n.Apache > 0, "apache-group"),
        };
        for (var i = 1; i <= vips; i++)
        {
            var address = VipAddress(i);
            list.Add(new($"{IpPrefix}{i}", "VIP " + address, n => n.Addresses.Contains(address)));
        }
        for (var i = 1; i <= dummies; i++)
        {
            var id = $"{DummyPrefix}{i}";
            list.Add(new(id, "state file Dummy-" + id, n => n.Dummies.Contains(id)));
        }
        return list;
    }

    public static string VipAddress(int i) => $"10.77.0.{100 + i}";

    /// <summary>Every primitive active on two or more live nodes in this observation (a dead node holds nothing).</summary>
    public static IEnumerable<DoubleActive> DoubleActives(Observation o, IReadOnlyList<Watched> primitives) =>
        from w in primitives
        let holders = o.Nodes.Where(n => n.Alive && w.ActiveOn(n)).Select(n => n.Node).ToList()
        where holders.Count > 1
        select new DoubleActive(o.At, w.Id, w.How, holders);

    /// <summary>A VIP answered ARP from two or more nodes that were alive at the nearest observation.</summary>
    public static DoubleActive? ArpDouble(ArpAnswer a, Observation nearest, IReadOnlyList<Watched> primitives)
    {
        var live = a.Nodes.Where(n => nearest.Nodes.Any(s => s.Node == n && s.Alive)).ToList();
        if (live.Count < 2) return null;
        var id = primitives.FirstOrDefault(w => w.How == "VIP " + a.Address)?.Id ?? a.Address;
        return new DoubleActive(a.At, id, "ARP answers for " + a.Address, live);
    }

    /// <summary>
    /// Whole: every primitive active on exactly one live node, a group's members on the same node, the page served. The
    /// reason it is not, otherwise.
    /// </summary>
    public static string? NotWhole(Observation o, bool pageServed, IReadOnlyList<Watched> primitives)
    {
        var where = new Dictionary<string, string>();
        foreach (var w in primitives)
        {
            var holders = o.Nodes.Where(n => n.Alive && w.ActiveOn(n)).Select(n => n.Node).ToList();
            if (holders.Count != 1) return holders.Count == 0 ? $"{w.Id} not active" : $"{w.Id} active on {string.Join(", ", holders)}";
            if (w.Group is { } g)
            {
                if (where.TryGetValue(g, out var other) && other != holders[0]) return $"{g} split ({w.Id} on {holders[0]}, not {other})";
                where[g] = holders[0];
            }
        }
        return pageServed ? null : "the page is not served";
    }

    /// <summary>Whether the page counts as served at <paramref name="at"/>: the latest probe sent within the second before was.</summary>
    public static bool PageServedAt(IReadOnlyList<PageAnswer> pagesBySent, TimeSpan at)
    {
        var latest = pagesBySent.LastOrDefault(p => p.SentAt <= at && p.SentAt >= at - TimeSpan.FromSeconds(1));
        return latest is { Served: true };
    }

    /// <summary>
    /// Recovery of the service after an instant: the last time in [from, to] it became whole after not being whole, or
    /// null when it was whole at every observation of the span (nothing to recover). <paramref name="whole"/> gives, for
    /// each observation in order, whether the service was whole.
    /// </summary>
    public static TimeSpan? LastRecovery(IReadOnlyList<(TimeSpan At, bool Whole)> whole, TimeSpan from, TimeSpan to)
    {
        TimeSpan? recovered = null;
        var wasWhole = true;
        foreach (var (at, ok) in whole)
        {
            if (at < from || at > to) continue;
            if (!ok) wasWhole = false;
            else if (!wasWhole) { recovered = at; wasWhole = true; }
        }
        return recovered;
    }
}

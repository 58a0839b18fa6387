namespace Cib.Interop.Conformance;

/// <summary>
/// Makes a disagreeing cluster small: tries one simplification at a time (drop a constraint, a history, a
/// primitive, a node; clear a meta attribute, a cluster option, a node's shutdown or a recorded lock; take a member out of its group) and keeps it
/// while the engine and crm_simulate still disagree, until no simplification does.
/// </summary>
public static class FuzzShrinker
{
    public static FuzzCluster Shrink(FuzzCluster cluster, Func<FuzzCluster, bool> stillDisagrees, int maxChecks = 400)
    {
        var checks = 0;
        var progress = true;
        while (progress && checks < maxChecks)
        {
            progress = false;
            foreach (var candidate in Candidates(cluster))
            {
                if (++checks > maxChecks) break;
                if (!stillDisagrees(candidate)) continue;
                cluster = candidate;
                progress = true;
                break;
            }
        }
        return cluster;
    }

    public static IEnumerable<FuzzCluster> Candidates(FuzzCluster c)
    {
        for (var i = 0; i < c.Orders.Count; i++) yield return c with { Orders = Without(c.Orders, i) };
        for (var i = 0; i < c.Colocations.Count; i++) yield return c with { Colocations = Without(c.Colocations, i) };
        for (var i = 0; i < c.Locations.Count; i++) yield return c with { Locations = Without(c.Locations, i) };
        for (var i = 0; i < c.Primitives.Count; i++)
            if (c.Primitives.Count > 1) yield return WithoutPrimitive(c, i);
        for (var i = c.Nodes.Count - 1; i >= 0; i--)
            if (c.Nodes.Count > 1) yield return WithoutNode(c, c.Nodes[i].Name);
        for (var i = 0; i < c.Primitives.Count; i++)
        {
            var p = c.Primitives[i];
            for (var h = 0; h < p.Histories.Count; h++) yield return Replace(c, i, p with { Histories = Without(p.Histories, h) });
            if (p.Group is not null) yield return Ungroup(c, i);
            if (p.Stickiness is not null) yield return Replace(c, i, p with { Stickiness = null });
            if (p.TargetStopped) yield return Replace(c, i, p with { TargetStopped = false });
            if (p.Unmanaged) yield return Replace(c, i, p with { Unmanaged = false });
            if (p.MigrationThreshold is not null) yield return Replace(c, i, p with { MigrationThreshold = null });
            if (p.FailureTimeoutSeconds is not null) yield return Replace(c, i, p with { FailureTimeoutSeconds = null });
            if (p.MultipleActive is not null) yield return Replace(c, i, p with { MultipleActive = null });
            if (p.MonitorOnFail is not null) yield return Replace(c, i, p with { MonitorOnFail = null });
            if (p.Fake is not null) yield return Replace(c, i, p with { Fake = null });
            for (var h = 0; h < p.Histories.Count; h++)
                if (p.Histories[h].StaleDigest)
                    yield return Replace(c, i, p with { Histories = p.Histories.Select((x, k) => k == h ? x with { StaleDigest = false } : x).ToList() });
        }
        for (var i = 0; i < c.Primitives.Count; i++)
        {
            var p = c.Primitives[i];
            for (var h = 0; h < p.Histories.Count; h++)
                if (p.Histories[h].LockAgeSeconds is not null)
                    yield return Replace(c, i, p with { Histories = p.Histories.Select((x, k) => k == h ? x with { LockAgeSeconds = null } : x).ToList() });
        }
        if (c.ShutdownLock) yield return c with { ShutdownLock = false };
        if (c.ShutdownLockLimitSeconds is not null) yield return c with { ShutdownLockLimitSeconds = null };
        for (var i = 0; i < c.Nodes.Count; i++)
            if (c.Nodes[i].ShutdownAgeSeconds is not null)
                yield return c with { Nodes = c.Nodes.Select((n, k) => k == i ? n with { ShutdownAgeSeconds = null } : n).ToList() };
        if (c.DefaultStickiness is not null) yield return c with { DefaultStickiness = null };
        if (c.DefaultMigrationThreshold is not null) yield return c with { DefaultMigrationThreshold = null };
        if (c.NoQuorumPolicy is not null) yield return c with { NoQuorumPolicy = null };
        if (!c.HaveQuorum) yield return c with { HaveQuorum = true };
        for (var i = 0; i < c.Nodes.Count; i++)
            if (c.Nodes[i].State != FuzzNodeState.Online)
                yield return c with { Nodes = c.Nodes.Select((n, k) => k == i ? n with { State = FuzzNodeState.Online } : n).ToList() };
    }

    private static List<T> Without<T>(IReadOnlyList<T> list, int index) => list.Where((_, k) => k != index).ToList();

    private static FuzzCluster Replace(FuzzCluster c, int index, FuzzPrimitive p) =>
        c with { Primitives = c.Primitives.Select((x, k) => k == index ? p : x).ToList() };

    private static FuzzCluster WithoutPrimitive(FuzzCluster c, int index) =>
        Tidy(c with { Primitives = Without(c.Primitives, index) });

    private static FuzzCluster Ungroup(FuzzCluster c, int index) =>
        Tidy(Replace(c, index, c.Primitives[index] with { Group = null }));

    private static FuzzCluster WithoutNode(FuzzCluster c, string node) => c with
    {
        Nodes = c.Nodes.Where(n => n.Name != node).ToList(),
        Locations = c.Locations.Where(l => l.Node != node).ToList(),
        Primitives = c.Primitives.Select(p => p with { Histories = p.Histories.Where(h => h.Node != node).ToList() }).ToList(),
    };

    /// <summary>Constraints only name resources that still exist at the top level.</summary>
    private static FuzzCluster Tidy(FuzzCluster c)
    {
        var top = c.TopLevel().ToHashSet(StringComparer.Ordinal);
        return c with
        {
            Locations = c.Locations.Where(l => top.Contains(l.Resource)).ToList(),
            Colocations = c.Colocations.Where(o => top.Contains(o.Dependent) && top.Contains(o.With)).ToList(),
            Orders = c.Orders.Where(o => top.Contains(o.First) && top.Contains(o.Then)).ToList(),
        };
    }
}

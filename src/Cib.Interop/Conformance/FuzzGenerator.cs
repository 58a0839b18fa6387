using CsCheck;

namespace Cib.Interop.Conformance;

/// <summary>
/// CsCheck generators of random clusters over the engine's claimed scope (docs/policy-engine.md, "Scope"):
/// 2–4 nodes online, in standby, lost (unclean) or cleanly down; stonith on or off, with or without a device;
/// quorum and no-quorum-policy; primitives and a group; location, colocation and order constraints; stickiness,
/// target-role, is-managed, migration-threshold, failure-timeout, multiple-active, the monitor's on-fail; and
/// histories (probes, starts, monitors with rc 0/1/7/8/190/191, hard errors, failed starts and stops, fail counts),
/// nodes in maintenance, and parameter changes (a start recorded with other parameters than the current ones);
/// shutdown-lock with its limit, nodes shutting down cleanly and locks recorded on nodes down, back or lost.
/// Case <c>i</c> of seed <c>S</c> is always the same cluster (<see cref="Case"/>).
/// </summary>
public static class FuzzGenerator
{
    private const int NodeSlots = 4;

    public static FuzzCluster Case(ulong seed, int index) =>
        Cluster.Generate(new PCG((uint)index, seed), null!, out _);

    private static Gen<T> Pick<T>(params (int Weight, T Value)[] choices) => Gen.Frequency(choices);

    private static readonly Gen<FuzzNodeState> NodeState =
        Pick((6, FuzzNodeState.Online), (1, FuzzNodeState.Standby), (2, FuzzNodeState.Lost), (1, FuzzNodeState.Down), (1, FuzzNodeState.Maintenance));

    private static readonly Gen<string?> Stickiness = Pick<string?>((4, null), (1, "0"), (1, "50"), (2, "100"), (1, "INFINITY"));

    private static readonly Gen<string?> MigrationThreshold = Pick<string?>((4, null), (1, "1"), (1, "2"), (1, "3"));

    private static readonly Gen<int?> FailureTimeout = Pick<int?>((5, null), (1, 60), (1, 600));

    private static readonly Gen<string?> MultipleActive =
        Pick<string?>((8, null), (1, "stop_start"), (1, "stop_only"), (1, "block"), (1, "stop_unexpected"));

    private static readonly Gen<string?> OnFail =
        Pick<string?>((6, null), (1, "ignore"), (1, "restart"), (1, "block"), (1, "stop"), (1, "standby"), (1, "fence"));

    private static readonly Gen<int> MonitorRc = Pick((10, 0), (3, 7), (1, 1), (1, 190), (1, 191), (1, 8));

    private static readonly Gen<int> ProbeErrorRc = Pick((3, 5), (1, 1), (1, 2), (1, 6));

    private static readonly Gen<int> Age = Pick((1, 30), (1, 300), (1, 3000));

    /// <summary>The story on the node the primitive calls home.</summary>
    private static readonly Gen<FuzzStory> HomeStory = Pick(
        (10, FuzzStory.Running), (2, FuzzStory.ProbedRunning), (1, FuzzStory.StartFailed), (1, FuzzStory.StopFailed),
        (1, FuzzStory.Stopped), (1, FuzzStory.ProbeFailed));

    /// <summary>The story elsewhere; null means no history at all.</summary>
    private static readonly Gen<FuzzStory?> OtherStory = Pick<FuzzStory?>(
        (4, null), (6, FuzzStory.ProbedStopped), (1, FuzzStory.ProbeFailed), (1, FuzzStory.Running), (1, FuzzStory.Stopped));

    private static readonly Gen<FuzzHistory?> Slot =
        from story in OtherStory
        from rc in MonitorRc
        from probeRc in ProbeErrorRc
        from age in Age
        from fails in Gen.Int[1, 3]
        select story is { } s ? new FuzzHistory("", s, s == FuzzStory.ProbeFailed ? probeRc : rc, age, fails) : null;

    private static readonly Gen<FuzzPrimitive> Primitive =
        from meta in Gen.Select(Stickiness, Pick((12, false), (1, true)), Pick((14, false), (1, true)), MigrationThreshold, FailureTimeout, MultipleActive, OnFail)
        from home in Gen.Int[0, NodeSlots]
        from homeStory in HomeStory
        from rc in MonitorRc
        from probeRc in ProbeErrorRc
        from age in Age
        from fails in Gen.Int[1, 3]
        from others in Slot.Array[NodeSlots]
        from fake in Pick<string?>((3, null), (1, "a"))
        from stale in Pick((5, false), (1, true))
        select new FuzzPrimitive("", null, false, meta.Item1, meta.Item2, meta.Item3, meta.Item4, meta.Item5, meta.Item6, meta.Item7,
            Enumerable.Range(0, NodeSlots)
                .Select(i => i == home
                    ? new FuzzHistory($"node{i + 1}", homeStory, homeStory == FuzzStory.ProbeFailed ? probeRc : rc, age, fails, stale)
                    : others[i] is { } h ? h with { Node = $"node{i + 1}" } : null)
                .OfType<FuzzHistory>().ToList(),
            fake);

    private static readonly Gen<string> LocationScore = Pick((2, "INFINITY"), (2, "-INFINITY"), (2, "100"), (1, "-100"), (1, "50"), (1, "10"));

    private static readonly Gen<string> ColocationScore = Pick((4, "INFINITY"), (2, "-INFINITY"), (1, "100"), (1, "-100"), (1, "500"));

    private static readonly Gen<(int Resource, int Node, string Score)> LocationSlot =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, NodeSlots - 1], LocationScore);

    private static readonly Gen<(int A, int B, string Score)> ColocationSlot =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 7], ColocationScore);

    private static readonly Gen<(int A, int B, string Kind, bool Symmetrical)> OrderSlot =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 7], Pick((3, "Mandatory"), (1, "Optional")), Pick((3, true), (1, false)));

    private static readonly Gen<int?> LockLimit = Pick<int?>((3, null), (1, 60), (1, 300), (1, 600));

    /// <summary>How long ago a node was asked to shut down (its <c>shutdown</c> attribute), none when null.</summary>
    private static readonly Gen<int?> ShutdownAge = Pick<int?>((5, null), (1, 30), (1, 3000));

    /// <summary>A recorded shutdown lock: a primitive (by index), the node it is locked to, how long ago.</summary>
    private static readonly Gen<(int Resource, int Node, int Age)> LockSlot = Gen.Select(Gen.Int[0, 7], Gen.Int[0, NodeSlots - 1], Age);

    public static readonly Gen<FuzzCluster> Cluster =
        from nodeCount in Gen.Int[2, NodeSlots]
        from states in NodeState.Array[NodeSlots]
        from stonith in Pick((3, true), (1, false))
        from device in Pick((3, true), (1, false))
        from deviceHome in Gen.Int[0, NodeSlots]
        from quorum in Pick((6, true), (1, false))
        from noQuorumPolicy in Pick<string?>((3, null), (1, "stop"), (1, "freeze"), (1, "ignore"))
        from defaultStickiness in Stickiness
        from defaultMigrationThreshold in MigrationThreshold
        from primitives in Primitive.Array[1, 5]
        from groupSize in Pick((2, 0), (1, 2), (1, 3))
        from locations in LocationSlot.Array[0, 3]
        from colocations in ColocationSlot.Array[0, 2]
        from orders in OrderSlot.Array[0, 2]
        // Drawn last, so that the rest of case i is the cluster it was before shutdown-lock was generated.
        from shutdownLock in Pick((1, false), (1, true))
        from lockLimit in LockLimit
        from shutdowns in ShutdownAge.Array[NodeSlots]
        from locks in LockSlot.Array[0, 3]
        select WithShutdowns(
            Build(nodeCount, states, stonith, device, deviceHome, quorum, noQuorumPolicy, defaultStickiness, defaultMigrationThreshold,
                primitives, groupSize, locations, colocations, orders),
            shutdownLock, lockLimit, shutdowns, locks);

    /// <summary>
    /// shutdown-lock on or off with its limit; nodes shutting down cleanly (any node that is not cleanly down: a lost one
    /// was shutting down when it was lost); locks recorded by earlier shutdowns (a clean stop with the lrm_resource's
    /// shutdown-lock, on a node now down, back, or lost), before or after the limit. Locks are recorded whether or not
    /// the property is on, as a cluster that turned it off keeps them.
    /// </summary>
    private static FuzzCluster WithShutdowns(FuzzCluster c, bool shutdownLock, int? limit, int?[] shutdowns, (int Resource, int Node, int Age)[] locks)
    {
        var nodes = c.Nodes.Select((n, i) => shutdowns[i] is { } age && n.State != FuzzNodeState.Down ? n with { ShutdownAgeSeconds = age } : n).ToList();
        var primitives = c.Primitives.ToList();
        var plain = Enumerable.Range(0, primitives.Count).Where(i => !primitives[i].Stonith).ToList();
        foreach (var (resource, nodeIndex, age) in locks)
        {
            if (nodeIndex >= nodes.Count || plain.Count == 0) continue;
            var node = nodes[nodeIndex].Name;
            var k = plain[resource % plain.Count];
            primitives[k] = primitives[k] with
            {
                Histories = [.. primitives[k].Histories.Where(h => h.Node != node), new FuzzHistory(node, FuzzStory.Stopped, 0, age, 0, LockAgeSeconds: age)],
            };
        }
        return c with { Nodes = nodes, Primitives = primitives, ShutdownLock = shutdownLock, ShutdownLockLimitSeconds = limit };
    }

    private static FuzzCluster Build(int nodeCount, FuzzNodeState[] states, bool stonith, bool device, int deviceHome, bool quorum,
        string? noQuorumPolicy, string? defaultStickiness, string? defaultMigrationThreshold, FuzzPrimitive[] primitives, int groupSize,
        (int Resource, int Node, string Score)[] locations, (int A, int B, string Score)[] colocations,
        (int A, int B, string Kind, bool Symmetrical)[] orders)
    {
        var nodes = Enumerable.Range(0, nodeCount).Select(i => new FuzzNode($"node{i + 1}", states[i])).ToList();
        if (nodes.All(n => n.State is FuzzNodeState.Lost or FuzzNodeState.Down)) nodes[0] = nodes[0] with { State = FuzzNodeState.Online };
        var hasHistory = nodes.Where(n => n.State != FuzzNodeState.Down).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);

        var list = new List<FuzzPrimitive>();
        if (device)
        {
            var home = deviceHome < nodeCount && hasHistory.Contains($"node{deviceHome + 1}") ? $"node{deviceHome + 1}" : null;
            list.Add(new FuzzPrimitive("fence1", null, true, null, false, false, null, null, null, null,
                home is null ? [] : [new FuzzHistory(home, FuzzStory.Running, 0, 3000, 0)]));
        }
        var grouped = primitives.Length >= groupSize ? groupSize : 0;
        for (var i = 0; i < primitives.Length; i++)
        {
            var p = primitives[i];
            list.Add(p with
            {
                Id = $"rsc{i + 1}",
                Group = i >= primitives.Length - grouped ? "grp" : null,
                Histories = p.Histories.Where(h => hasHistory.Contains(h.Node)).ToList(),
            });
        }
        var draft = new FuzzCluster(nodes, stonith, quorum, noQuorumPolicy, defaultStickiness, defaultMigrationThreshold, list, [], [], []);
        var top = draft.TopLevel().Where(id => id != "fence1").ToList();
        return draft with
        {
            Locations = locations.Where(l => l.Node < nodeCount)
                .Select(l => new FuzzLocation(top[l.Resource % top.Count], nodes[l.Node].Name, l.Score)).ToList(),
            Colocations = Pairs(top, colocations.Select(c => (c.A, c.B))).Zip(colocations.Where(c => Distinct(top, c.A, c.B)))
                .Select(x => new FuzzColocation(x.First.Later, x.First.Earlier, x.Second.Score)).ToList(),
            Orders = Pairs(top, orders.Select(o => (o.A, o.B))).Zip(orders.Where(o => Distinct(top, o.A, o.B)))
                .Select(x => new FuzzOrder(x.First.Earlier, x.First.Later, x.Second.Kind, x.Second.Symmetrical)).ToList(),
        };
    }

    private static bool Distinct(List<string> top, int a, int b) => a % top.Count != b % top.Count;

    /// <summary>Pairs of distinct resources, the earlier one first, so that constraints never form a cycle.</summary>
    private static IEnumerable<(string Earlier, string Later)> Pairs(List<string> top, IEnumerable<(int A, int B)> slots) =>
        slots.Where(s => Distinct(top, s.A, s.B))
            .Select(s => (Math.Min(s.A % top.Count, s.B % top.Count), Math.Max(s.A % top.Count, s.B % top.Count)))
            .Select(p => (top[p.Item1], top[p.Item2]));
}

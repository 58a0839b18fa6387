namespace Soak;

/// <summary>The faults the soak injects (issue 15), each with the name its report uses.</summary>
public enum FaultKind
{
    NodeCrash,
    LinkCut,
    RuntimeKill,
    ResourceFailure,
    FenceRefusing,
    StorePrimaryLoss,
    ControllerCrash,
    AdminCommand,
}

public static class Faults
{
    public static string Name(FaultKind kind) => kind switch
    {
        FaultKind.NodeCrash => "node-crash",
        FaultKind.LinkCut => "link-cut",
        FaultKind.RuntimeKill => "runtime-kill",
        FaultKind.ResourceFailure => "resource-failure",
        FaultKind.FenceRefusing => "fence-refusing",
        FaultKind.StorePrimaryLoss => "store-primary-loss",
        FaultKind.ControllerCrash => "controller-crash",
        FaultKind.AdminCommand => "admin-command",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// Faults that take a node out of the cluster until it is fenced (and boots again). Two of them never overlap: with
    /// two of three nodes out the survivor has no quorum and no-quorum-policy=stop rightly stops everything, a different
    /// run from the one this soak measures (docs/soak.md).
    /// </summary>
    public static bool TakesANodeOut(FaultKind kind) =>
        kind is FaultKind.NodeCrash or FaultKind.LinkCut or FaultKind.RuntimeKill or FaultKind.FenceRefusing or FaultKind.ControllerCrash;

    /// <summary>
    /// The bound on recovery: from the fault's injection until every resource that can run runs again, once, and the
    /// page is served. The node faults: the lease (1 s), fencing and the starts elsewhere, with room for a loaded
    /// two-core machine; a resource failure: its monitor's interval (10 s) and a restart; a store failover: the store's
    /// own bound (15 s, docs/safety.md); a refusing fence device: the time it refuses, then a node fault's bound.
    /// </summary>
    public static TimeSpan Bound(FaultKind kind, TimeSpan hold) =>
        kind == FaultKind.FenceRefusing ? hold + BaseBound : BaseBound;

    public static readonly TimeSpan BaseBound = TimeSpan.FromSeconds(45);
}

/// <summary>
/// One fault of the plan. <see cref="Overlaps"/>: injected <see cref="Lead"/> after the previous one, before the cluster
/// has recovered from it; otherwise <see cref="Lead"/> after the cluster settled. <see cref="Pick"/> chooses among the
/// targets found at injection (sorted, so the same state gives the same target); <see cref="Hold"/> is how long the fault
/// lasts before its end (a link healed, a runtime started again, the fence device or the store member back, an admin's
/// follow-up); <see cref="Variant"/> chooses how (which resource fails and how, crash or cut, which admin command).
/// </summary>
public sealed record PlannedFault(int Index, FaultKind Kind, bool Overlaps, TimeSpan Lead, int Pick, TimeSpan Hold, int Variant)
{
    public TimeSpan Bound => Faults.Bound(Kind, Hold);
}

/// <summary>
/// The soak's plan, drawn from its seed alone (the same seed, the same plan): the kinds in rounds, each round every kind
/// once in a random order (so a short run meets every kind), and for each its parameters. A fault overlaps the previous
/// one with probability 1/4, unless it and one of the faults since the cluster last settled both take a node out, or both
/// take a store member (one store member down at a time
/// keeps the store's majority).
/// </summary>
public static class FaultPlan
{
    public static IReadOnlyList<PlannedFault> Draw(int seed, int count, IReadOnlyList<FaultKind> kinds)
    {
        if (kinds.Count == 0) throw new ArgumentException("no fault kinds", nameof(kinds));
        var random = new Random(seed);
        var plan = new List<PlannedFault>(count);
        var deck = new List<FaultKind>();
        for (var i = 0; i < count; i++)
        {
            if (deck.Count == 0)
            {
                deck.AddRange(kinds);
                random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(deck));
            }
            var kind = deck[0];
            deck.RemoveAt(0);
            // The faults since the cluster last settled: the new one may join them when it conflicts with none.
            var window = plan.AsEnumerable().Reverse().TakeWhile((_, k) => k == 0 || plan[plan.Count - k].Overlaps).Select(f => f.Kind).ToList();
            var overlaps = random.Next(4) == 0 && window.Count > 0 && !window.Any(w => Conflict(w, kind));
            var lead = overlaps ? Millis(random, 500, 4000) : Millis(random, 500, 2000);
            var hold = kind switch
            {
                FaultKind.LinkCut => Millis(random, 2000, 10000),
                FaultKind.RuntimeKill => Millis(random, 500, 4000),
                FaultKind.FenceRefusing => Millis(random, 5000, 15000),
                FaultKind.StorePrimaryLoss => Millis(random, 5000, 15000),
                FaultKind.AdminCommand => Millis(random, 3000, 8000),
                _ => TimeSpan.Zero,
            };
            plan.Add(new PlannedFault(i + 1, kind, overlaps, lead, random.Next(1 << 20), hold, random.Next(1 << 20)));
        }
        return plan;
    }

    private static bool Conflict(FaultKind a, FaultKind b) =>
        (Faults.TakesANodeOut(a) && Faults.TakesANodeOut(b)) || (a == FaultKind.StorePrimaryLoss && b == FaultKind.StorePrimaryLoss);

    private static TimeSpan Millis(Random random, int from, int to) => TimeSpan.FromMilliseconds(random.Next(from, to + 1));
}

using Cib.Domain.Nodes;
using CsCheck;
using NodeRuntime.Membership;

namespace NodeRuntime.Tests.Membership;

/// <summary>
/// The store-outage rules together (docs/safety.md), on random histories: a node renewing its lease every quarter lease
/// timeout over a network with delays, its link cut at random, the store away at random, and a peer (the controller's
/// node) renewing whenever the store is there. The node's side is <see cref="LeaseWatch"/> ticking every check interval;
/// the store's liveness row is computed as migration 0011's statement computes it (a new "up since" after a gap of
/// <see cref="LeaseLoss.OutageGap"/> in everyone's renewals); the controller, ticking every 100 ms while the store is there,
/// reads it as <see cref="LeaseLoss.LatestReturn"/> and declares the node lost when <see cref="LeaseLoss.LeaseHolds"/>
/// says its lease no longer holds.
/// </summary>
public sealed class StoreOutageRuleTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(1);
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z");
    private const int Horizon = 30_000;

    private sealed record History(int Bound, int OutageAt, int OutageFor, int CutAt, int CutFor, int[] Out, int[] Back, int NodePhase, int ControllerPhase)
    {
        public bool StoreUp(int t) => t < OutageAt || t >= OutageAt + OutageFor;
        public bool LinkUp(int t) => t < CutAt || t >= CutAt + CutFor;
    }

    private static readonly Gen<History> Histories =
        from bound in Gen.OneOf(Gen.Const(0), Gen.Int[0, 8_000])
        from outageAt in Gen.Int[2_000, 12_000]
        from outageFor in Gen.OneOf(Gen.Const(0), Gen.Int[0, 12_000])
        from cutAt in Gen.Int[2_000, 12_000]
        from cutFor in Gen.OneOf(Gen.Const(0), Gen.Int[0, 15_000], Gen.Const(Horizon))
        from delays in Gen.Select(Gen.Int[0, 150].Array[Horizon / 250 + 1], Gen.Int[0, 150].Array[Horizon / 250 + 1])
        from nodePhase in Gen.Int[0, 99]
        from controllerPhase in Gen.Int[0, 99]
        select new History(bound, outageAt, outageFor, cutAt, cutFor, delays.Item1, delays.Item2, nodePhase, controllerPhase);

    private sealed record Run(List<int> NodeStamps, int? Declared, int? Stopped, List<int> Recovered);

    private static Run Play(History h)
    {
        var bound = TimeSpan.FromMilliseconds(h.Bound);
        // The node's renewals: sent every 250 ms, stamped by the store d1 later, answered d2 after that; a renewal counts
        // when the link is up at all three instants and the store is up when it stamps.
        var stamps = new List<int>();
        var answers = new List<(int Sent, int At)>();
        for (var i = 0; i * 250 < Horizon; i++)
        {
            var sent = i * 250;
            var stamped = sent + h.Out[i];
            var answered = stamped + h.Back[i];
            if (!h.LinkUp(sent) || !h.LinkUp(stamped) || !h.LinkUp(answered) || !h.StoreUp(stamped)) continue;
            stamps.Add(stamped);
            answers.Add((sent, answered));
        }
        // The peer renews every 250 ms, at once, whenever the store is there: with the node's, what the liveness row sees.
        var all = stamps.Concat(Enumerable.Range(0, Horizon / 250).Select(i => i * 250 + 7).Where(h.StoreUp)).Order().ToList();

        // The node's watch, ticking every check interval, fed each answer at its time.
        var watch = new LeaseWatch(T, NoQuorumPolicy.Stop, T0, bound);
        int? stopped = null;
        var recovered = new List<int>();
        var next = 0;
        for (var t = h.NodePhase; t < Horizon; t += 100)
        {
            for (; next < answers.Count && answers[next].At <= t; next++)
                if (watch.Contact(T0.AddMilliseconds(answers[next].Sent), T0.AddMilliseconds(answers[next].At)) is LeaseDecision.Recover)
                    recovered.Add(answers[next].At);
            if (watch.Tick(T0.AddMilliseconds(t)) is LeaseDecision.ApplyPolicy) stopped ??= t;
        }

        // The controller, ticking every 100 ms while the store is there: the first tick at which the lease no longer holds.
        int? declared = null;
        for (var t = 200 + h.ControllerPhase; t < Horizon && declared is null; t += 100)
        {
            if (!h.StoreUp(t)) continue;
            var seen = all.Where(s => s <= t).ToList();
            var last = stamps.LastOrDefault(s => s <= t, -1);
            if (last < 0) continue;
            StoreReturn? recorded = null;
            for (var i = 0; i < seen.Count; i++)
                if (i == 0 || seen[i] - seen[i - 1] > LeaseLoss.OutageGap(T).TotalMilliseconds)
                    recorded = new StoreReturn(T0.AddMilliseconds(seen[i]), TimeSpan.FromMilliseconds(i == 0 ? 0 : seen[i] - seen[i - 1]));
            var now = T0.AddMilliseconds(t);
            var back = LeaseLoss.LatestReturn(T0.AddMilliseconds(seen[^1]), recorded, T, now);
            if (!LeaseLoss.LeaseHolds(T0.AddMilliseconds(last), back, T, bound, now)) declared = t;
        }
        return new Run(stamps, declared, stopped, recovered);
    }

    /// <summary>
    /// Safety: when the controller declares the node lost and the node never reaches the store again, the node has
    /// applied no-quorum-policy (stop) by the declaration plus the store-outage bound plus one check interval: what
    /// <see cref="LeaseLoss.StopBound"/> counts before anything it ran may start elsewhere.
    /// </summary>
    [Fact]
    public void A_declared_node_that_stays_away_has_begun_stopping_within_the_bound_the_controller_waits()
    {
        Histories.Sample(h =>
        {
            var run = Play(h);
            if (run.Declared is not { } declared || run.NodeStamps.Any(s => s > declared)) return true;
            var by = declared + h.Bound + LeaseLoss.CheckInterval(T).TotalMilliseconds;
            // A declaration so late that the node's deadline falls past the history's end says nothing.
            if (by >= Horizon) return true;
            return run.Stopped is { } stopped && stopped <= by;
        }, iter: 3_000);
    }

    /// <summary>
    /// Riding out: a store outage with a second to spare within the bound, the node's link up, never makes the node stop,
    /// nor, once the outage was long enough to be seen as one (<see cref="LeaseLoss.OutageGap"/>), makes the controller
    /// declare it lost.
    /// </summary>
    [Fact]
    public void A_store_outage_within_the_bound_stops_nothing_and_loses_no_node()
    {
        var ridden =
            from h in Histories
            from bound in Gen.Int[2_000, 8_000]
            from outageFor in Gen.Int[(int)LeaseLoss.OutageGap(T).TotalMilliseconds, bound - 1_000]
            select h with { Bound = bound, OutageFor = outageFor, CutFor = 0 };
        ridden.Sample(h =>
            {
                var run = Play(h);
                return run.Stopped is null && run.Declared is null;
            }, iter: 1_000);
    }

    /// <summary>Not vacuous: a node cut off for good is declared lost a lease timeout after its last renewal, and stops.</summary>
    [Fact]
    public void A_node_cut_off_for_good_is_declared_lost_and_stops_after_riding_out_the_bound()
    {
        var h = new History(3_000, Horizon, 0, 5_000, Horizon, new int[Horizon / 250 + 1], new int[Horizon / 250 + 1], 0, 0);
        var run = Play(h);
        Assert.Equal(4_750, run.NodeStamps[^1]);
        Assert.Equal(5_800, run.Declared);
        Assert.Equal(4_750 + 1_000 + 3_000 + 100 - 50, run.Stopped); // the first check after 8,750 ms
    }

    /// <summary>Without the bound, an outage longer than the lease stops the node; the controller still gives it its lease from the store's return.</summary>
    [Fact]
    public void Without_the_bound_an_outage_longer_than_the_lease_stops_the_node_and_the_store_return_still_loses_no_node()
    {
        var h = new History(0, 5_000, 4_000, Horizon, 0, new int[Horizon / 250 + 1], new int[Horizon / 250 + 1], 0, 0);
        var run = Play(h);
        Assert.Equal(5_800, run.Stopped);
        Assert.Null(run.Declared);
        Assert.Equal([9_000], run.Recovered);
    }
}

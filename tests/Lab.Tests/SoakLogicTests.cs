using Soak;

namespace Lab.Tests;

/// <summary>The soak's plan and its observer's rules (tests/Soak), on made-up input: no root needed.</summary>
public sealed class SoakLogicTests
{
    private static readonly IReadOnlyList<FaultKind> AllKinds = Enum.GetValues<FaultKind>();
    private static readonly IReadOnlyList<Watched> Primitives = Judge.Primitives(vips: 2, dummies: 3);

    [Fact]
    public void The_same_seed_draws_the_same_plan_and_another_seed_another()
    {
        Assert.Equal(FaultPlan.Draw(7, 200, AllKinds), FaultPlan.Draw(7, 200, AllKinds));
        Assert.NotEqual(FaultPlan.Draw(7, 200, AllKinds), FaultPlan.Draw(8, 200, AllKinds));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(1234)]
    public void Every_round_of_the_plan_holds_every_kind_once(int seed)
    {
        var plan = FaultPlan.Draw(seed, 20 * AllKinds.Count + 3, AllKinds);
        foreach (var round in plan.Chunk(AllKinds.Count).Where(r => r.Length == AllKinds.Count))
            Assert.Equal(AllKinds.Order(), round.Select(f => f.Kind).Order());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(99)]
    [InlineData(31337)]
    public void Faults_that_overlap_never_take_two_nodes_or_two_store_members_out_together(int seed)
    {
        var plan = FaultPlan.Draw(seed, 2000, AllKinds);
        Assert.Contains(plan, f => f.Overlaps);
        var window = new List<PlannedFault>();
        foreach (var f in plan)
        {
            if (!f.Overlaps) window.Clear();
            window.Add(f);
            Assert.True(window.Count(w => Faults.TakesANodeOut(w.Kind)) <= 1, $"seed {seed}: faults {string.Join(", ", window.Select(w => w.Index))} take nodes out together");
            Assert.True(window.Count(w => w.Kind == FaultKind.StorePrimaryLoss) <= 1, $"seed {seed}: two store faults together at {f.Index}");
        }
        Assert.False(plan[0].Overlaps);
    }

    [Fact]
    public void A_refusing_fence_device_is_bounded_by_its_refusal_and_then_a_node_fault()
    {
        var refusing = FaultPlan.Draw(3, 400, AllKinds).First(f => f.Kind == FaultKind.FenceRefusing);
        Assert.InRange(refusing.Hold, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15));
        Assert.Equal(refusing.Hold + Faults.BaseBound, refusing.Bound);
    }

    [Fact]
    public void A_primitive_on_two_live_nodes_is_double_active_and_one_on_a_dead_node_is_not()
    {
        var o = new Observation(TimeSpan.FromSeconds(1),
        [
            Node("node1", addresses: ["10.77.0.1", "10.77.0.100"], dummies: ["soak-d1"]),
            Node("node2", addresses: ["10.77.0.2", "10.77.0.100"]),
            Node("node3", alive: false, addresses: ["10.77.0.3", "10.77.0.101"], dummies: ["soak-d1"]),
        ]);
        var d = Assert.Single(Judge.DoubleActives(o, Primitives));
        Assert.Equal("apache-ip", d.Resource);
        Assert.Equal(["node1", "node2"], d.Nodes);
    }

    [Fact]
    public void ARP_answers_count_only_from_nodes_alive_at_the_nearest_observation()
    {
        var o = new Observation(TimeSpan.Zero, [Node("node1"), Node("node2", alive: false), Node("node3")]);
        Assert.Null(Judge.ArpDouble(new ArpAnswer(TimeSpan.Zero, "10.77.0.101", ["node1", "node2"], []), o, Primitives));
        var d = Judge.ArpDouble(new ArpAnswer(TimeSpan.Zero, "10.77.0.101", ["node1", "node3"], []), o, Primitives);
        Assert.Equal("soak-ip1", d?.Resource);
    }

    [Fact]
    public void The_service_is_whole_when_every_primitive_runs_once_the_group_together_and_the_page_is_served()
    {
        var whole = new Observation(TimeSpan.Zero,
        [
            Node("node1", addresses: ["10.77.0.100", "10.77.0.101"], mount: true, apache: 3, dummies: ["soak-d1"]),
            Node("node2", addresses: ["10.77.0.102"], dummies: ["soak-d2"]),
            Node("node3", dummies: ["soak-d3"]),
        ]);
        Assert.Null(Judge.NotWhole(whole, pageServed: true, Primitives));
        Assert.Equal("the page is not served", Judge.NotWhole(whole, pageServed: false, Primitives));

        var split = whole with { Nodes = [whole.Nodes[0] with { Mount = false }, whole.Nodes[1] with { Mount = true }, whole.Nodes[2]] };
        Assert.StartsWith("apache-group split", Judge.NotWhole(split, true, Primitives));

        var lost = whole with { Nodes = [whole.Nodes[0], whole.Nodes[1], whole.Nodes[2] with { Alive = false }] };
        Assert.Equal("soak-d3 not active", Judge.NotWhole(lost, true, Primitives));
    }

    [Fact]
    public void Recovery_is_the_last_return_to_whole_within_the_span_and_none_when_it_never_broke()
    {
        static (TimeSpan, bool) S(int ms, bool whole) => (TimeSpan.FromMilliseconds(ms), whole);
        List<(TimeSpan, bool)> series = [S(0, true), S(100, false), S(200, true), S(300, false), S(400, false), S(500, true), S(600, true)];
        Assert.Equal(TimeSpan.FromMilliseconds(500), Judge.LastRecovery(series, TimeSpan.Zero, TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromMilliseconds(200), Judge.LastRecovery(series, TimeSpan.Zero, TimeSpan.FromMilliseconds(250)));
        Assert.Null(Judge.LastRecovery(series, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void The_page_counts_as_served_by_the_latest_probe_of_the_second_before()
    {
        List<PageAnswer> pages = [new(TimeSpan.FromMilliseconds(0), true, "HTTP 200"), new(TimeSpan.FromMilliseconds(100), false, "timeout")];
        Assert.True(Judge.PageServedAt(pages, TimeSpan.FromMilliseconds(50)));
        Assert.False(Judge.PageServedAt(pages, TimeSpan.FromMilliseconds(150)));
        Assert.False(Judge.PageServedAt(pages, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var values = Enumerable.Range(1, 20).Select(i => (double)i).ToList();
        Assert.Equal(10, Report.Percentile(values, 50));
        Assert.Equal(19, Report.Percentile(values, 95));
        Assert.True(double.IsNaN(Report.Percentile([], 50)));
    }

    private static NodeState Node(string name, bool alive = true, string[]? addresses = null, bool mount = false, int apache = 0, string[]? dummies = null) =>
        new(name, alive, true, alive, (addresses ?? []).ToHashSet(), mount, apache, (dummies ?? []).ToHashSet());
}

using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Transitions;

namespace Lab.Tests;

/// <summary>
/// A node cut off from the network (its link down: a socket that gets no answer, not a refused connection) must let go
/// of what it runs by itself, by no-quorum-policy=stop, before anything it ran may start elsewhere. With fencing
/// disabled that is the only protection there is. An observer in the root namespace, sharing nothing with the product,
/// looks into both nodes every 10 ms: the VIP and the shared disk must never be held by two nodes at once.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class PartitionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Every10Ms = TimeSpan.FromMilliseconds(10);
    /// <summary>
    /// The nodes' store-outage bound: a cut node rides it out frozen before it stops (docs/safety.md), and the other waits
    /// it out too; short here, so that the cuts take seconds, not the default's quarter of a minute each.
    /// </summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);
    private readonly LabCluster _cluster = new();

    /// <summary>Cuts per scenario: HA_LAB_CUTS (default 10 for the VIP, 4 for the Apache group, whose recovery waits ~25 s).</summary>
    private static int Cuts(int fallback) => int.TryParse(Environment.GetEnvironmentVariable("HA_LAB_CUTS"), out var n) && n > 0 ? n : fallback;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (LabSupport.Lab.IsRoot) await _cluster.DisposeAsync();
    }

    private const string VipOnly = """
        node node1
        node node2
        primitive vip ocf:heartbeat:IPaddr2 \
        	params cidr_netmask=24 ip=10.77.0.100 nic=eth0 \
        	op monitor interval=10s timeout=20s \
        	op stop timeout=5s interval=0
        property no-quorum-policy=stop stonith-enabled=false
        rsc_defaults resource-stickiness=100
        """;

    [LabFact]
    public async Task Without_fencing_a_cut_node_gives_its_VIP_up_before_the_other_node_takes_it()
    {
        await _cluster.UpAsync(2, VipOnly, Bound);
        await using var observer = Observer.Start(_cluster.Lab, Every10Ms, probeVip: false);
        var cuts = await CutRepeatedlyAsync(observer, Cuts(10), n => n.HoldsVip);

        var timeline = await observer.StopAsync();
        Report("VIP", cuts, timeline);
        Assert.True(timeline.DoubleHoldings().Count == 0, "held twice: " + string.Join("; ", timeline.DoubleHoldings().Take(20)) + "\n" + timeline.Describe());
        Assert.All(cuts, c => Assert.True(c.GaveUp < c.TakenOver, $"{c}: taken over before the cut node gave up"));
        await _cluster.AssertReplaysAsync();
    }

    [LabFact]
    public async Task Without_fencing_a_cut_node_unmounts_the_shared_disk_before_the_other_node_mounts_it()
    {
        // The Apache group without fencing; every operation's timeout 8 s, so that the wait before recovery
        // (the cut node's three stops one after the other, a lease check and the margin) is about 25 s, not 60.
        await _cluster.UpAsync(2, null, Bound);
        await _cluster.LoadAsync(_cluster.ApacheConfiguration(("stonith-enabled=true", "stonith-enabled=false"), ("op_defaults timeout=20s", "op_defaults timeout=8s")));

        await using var observer = Observer.Start(_cluster.Lab, Every10Ms);
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(90)), "the page is never served\n" + await _cluster.LogAsync());
        var cuts = await CutRepeatedlyAsync(observer, Cuts(4), n => n.HoldsMount && n.HoldsVip && n.RunsApache);

        var timeline = await observer.StopAsync();
        Report("Apache group (mount)", cuts, timeline);
        Assert.True(timeline.DoubleHoldings().Count == 0, "held twice: " + string.Join("; ", timeline.DoubleHoldings().Take(20)) + "\n" + timeline.Describe());
        Assert.All(cuts, c => Assert.True(c.GaveUp < c.TakenOver, $"{c}: taken over before the cut node gave up"));
        Assert.Empty(await _cluster.EventsOfAsync<FencingRequested>());
        await _cluster.AssertReplaysAsync();
    }

    [LabFact]
    public async Task With_fencing_and_a_slow_fence_the_cut_node_stops_its_resources_by_itself_before_it_is_fenced()
    {
        await _cluster.UpAsync(2, null, Bound);
        // The hypervisor takes 8 s to carry out a destroy: the cut node's own runtime acts long before.
        var hook = Path.Combine(_cluster.Lab.HypervisorDirectory, "on-destroy");
        var original = await File.ReadAllTextAsync(hook);
        var lines = original.Split('\n').ToList();
        Assert.StartsWith("#!", lines[0]);
        lines.Insert(1, "sleep 8");
        await File.WriteAllTextAsync(hook, string.Join('\n', lines));

        await using var observer = Observer.Start(_cluster.Lab, Every10Ms);
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(90)), "the page is never served\n" + await _cluster.LogAsync());
        var holder = Holder(observer.Snapshot().Samples.Last(), n => n.HoldsVip);
        var survivor = holder == "node1" ? "node2" : "node1";
        var head = await _cluster.HeadAsync();
        var cutAt = observer.Now;
        await _cluster.Lab.CutAsync(holder);

        var fenced = await _cluster.UntilEventAsync(e => e is NodeFenced f && f.Target == holder, head, "the cut node is fenced");
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(90)), "the page is never served again\n" + await _cluster.LogAsync());
        var timeline = await observer.StopAsync();

        // Alive (not yet destroyed), cut off, and holding nothing: it stopped everything by itself.
        var gaveUp = timeline.FirstSample(cutAt, s => s[holder] is { Alive: true, LinkUp: false, HoldsVip: false, HoldsMount: false, RunsApache: false });
        Assert.True(gaveUp is not null, $"{holder} never stopped by itself before being fenced\n{timeline.Describe()}\n{_cluster.NodeLogs()}");
        var destroyed = timeline.FirstSample(cutAt, s => !s[holder].Alive);
        Assert.NotNull(destroyed);
        Assert.True(gaveUp!.At < destroyed!.At);
        var servedAt = timeline.FirstSample(cutAt, s => s[survivor].HoldsVip)!.At;
        output.WriteLine($"slow fence: cut node stopped everything by itself {(gaveUp.At - cutAt).TotalMilliseconds:F0} ms after the cut; " +
                         $"destroyed at {(destroyed.At - cutAt).TotalMilliseconds:F0} ms; survivor holds the VIP at {(servedAt - cutAt).TotalMilliseconds:F0} ms");
        Assert.True(timeline.DoubleHoldings().Count == 0, "held twice: " + string.Join("; ", timeline.DoubleHoldings().Take(20)));
        await _cluster.UntilEventAsync(e => e is TransitionCompleted, fenced.Sequence, "the recovery transition completes after the fence");
        await _cluster.AssertReplaysAsync();
    }

    /// <summary>One cut: when (after the cut) the cut node held nothing any more, and when the other node held it all.</summary>
    private sealed record Cut(int Number, string Node, TimeSpan GaveUp, TimeSpan TakenOver)
    {
        public override string ToString() => $"cut {Number} of {Node}: gave up after {GaveUp.TotalMilliseconds:F0} ms, taken over after {TakenOver.TotalMilliseconds:F0} ms";
    }

    /// <summary>
    /// Cuts whichever node holds the resources, waits until the other node holds them, heals the link, waits until the
    /// cut node is back in the cluster and the cluster has settled, and again.
    /// </summary>
    private async Task<IReadOnlyList<Cut>> CutRepeatedlyAsync(Observer observer, int count, Func<NodeSample, bool> holds)
    {
        var cuts = new List<Cut>();
        for (var i = 1; i <= count; i++)
        {
            Assert.True(await observer.WaitForAsync(s => s.Nodes.Count(n => n.Alive && holds(n)) == 1, TimeSpan.FromSeconds(90)),
                $"before cut {i}: never held by exactly one node\n{observer.Snapshot().Describe()}\n{await _cluster.LogAsync()}");
            await SettledAsync();
            var holder = Holder(observer.Snapshot().Samples.Last(), holds);
            var other = holder == "node1" ? "node2" : "node1";
            var head = await _cluster.HeadAsync();

            var cutAt = observer.Now;
            await _cluster.Lab.CutAsync(holder);
            Assert.True(await observer.WaitForAsync(s => holds(s[other]), TimeSpan.FromSeconds(90)),
                $"cut {i}: {other} never takes over\n{observer.Snapshot().Describe()}\n{await _cluster.LogAsync()}\n{_cluster.NodeLogs()}");
            var timeline = observer.Snapshot();
            var gaveUp = timeline.FirstSample(cutAt, s => !HoldsAny(s[holder]));
            var takenOver = timeline.FirstSample(cutAt, s => holds(s[other]))!;
            Assert.True(gaveUp is not null, $"cut {i}: {holder} still holds its resources after {other} took over\n{timeline.Describe()}\n{_cluster.NodeLogs()}");
            var cut = new Cut(i, holder, gaveUp!.At - cutAt, takenOver.At - cutAt);
            cuts.Add(cut);
            output.WriteLine(cut.ToString());

            await _cluster.Lab.HealAsync(holder);
            await _cluster.UntilEventAsync(e => e is NodeJoined j && j.Node == holder, head, $"cut {i}: {holder} rejoins after the heal");
        }
        return cuts;
    }

    private static bool HoldsAny(NodeSample n) => n.HoldsVip || n.HoldsMount || n.RunsApache;

    private static string Holder(Sample s, Func<NodeSample, bool> holds) => s.Nodes.Where(n => n.Alive && holds(n)).Select(n => n.Node).Single();

    /// <summary>No transition in progress: the last plan (if any) has completed or been aborted, and nothing new follows for a moment.</summary>
    private async Task SettledAsync() =>
        await _cluster.UntilAsync(async () =>
        {
            var events = await _cluster.EventsAsync();
            var last = events.LastOrDefault(e => e.Event is TransitionPlanned or TransitionCompleted or TransitionAborted);
            return last is null || last.Event is TransitionCompleted or TransitionAborted ? "settled" : null;
        }, "the cluster settles");

    private void Report(string what, IReadOnlyList<Cut> cuts, Timeline timeline)
    {
        static string Stats(IEnumerable<TimeSpan> values)
        {
            var ms = values.Select(v => v.TotalMilliseconds).Order().ToList();
            return $"median {ms[ms.Count / 2]:F0} ms, max {ms[^1]:F0} ms";
        }
        output.WriteLine($"{what}: {cuts.Count} cuts; cut node gave up: {Stats(cuts.Select(c => c.GaveUp))}; other node took over: {Stats(cuts.Select(c => c.TakenOver))}; " +
                         $"longest held by both: VIP {timeline.LongestHeldTwice(n => n.HoldsVip).TotalMilliseconds:F0} ms, mount {timeline.LongestHeldTwice(n => n.HoldsMount).TotalMilliseconds:F0} ms; " +
                         $"observer {timeline.SamplesPerSecond:F0} samples/s, largest gap {timeline.LargestSampleGap.TotalMilliseconds:F0} ms");
    }
}

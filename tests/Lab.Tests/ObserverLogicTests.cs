namespace Lab.Tests;

/// <summary>The observer's reading of kernel files and its timeline questions, on made-up input (no root needed).</summary>
public sealed class ObserverLogicTests
{
    private const string FibTrie = """
        Main:
          +-- 0.0.0.0/0 3 0 5
             +-- 10.77.0.0/24 2 0 2
                |-- 10.77.0.0
                   /24 link UNICAST
                |-- 10.77.0.2
                   /32 host LOCAL
                |-- 10.77.0.100
                   /32 host LOCAL
                |-- 10.77.0.255
                   /32 link BROADCAST
             +-- 127.0.0.0/8 2 0 2
                |-- 127.0.0.1
                   /32 host LOCAL
        Local:
          +-- 0.0.0.0/0 3 0 5
                |-- 10.77.0.2
                   /32 host LOCAL
        """;

    [Fact]
    public void Local_addresses_are_the_host_LOCAL_leaves_of_fib_trie() =>
        Assert.Equal(["10.77.0.100", "10.77.0.2", "127.0.0.1"], ProcFs.LocalAddresses(FibTrie).Order());

    [Fact]
    public void A_mount_matches_by_mount_point_or_device()
    {
        const string mounts = "tmpfs /run tmpfs rw 0 0\n/dev/loop3 /mnt/ha-shared ext4 rw 0 0\n";
        Assert.True(ProcFs.HasMount(mounts, null, "/mnt/ha-shared"));
        Assert.True(ProcFs.HasMount(mounts, "/dev/loop3", "/elsewhere"));
        Assert.False(ProcFs.HasMount("tmpfs /run tmpfs rw 0 0\n", "/dev/loop3", "/mnt/ha-shared"));
    }

    private static NodeSample Node(string name, bool alive = true, bool vip = false, bool mount = false, int apache = 0) =>
        new(name, alive, true, vip, mount, apache);

    private static Sample At(int ms, params NodeSample[] nodes) => new(TimeSpan.FromMilliseconds(ms), nodes);

    [Fact]
    public void Double_holdings_count_only_live_nodes()
    {
        var timeline = new Timeline(DateTimeOffset.UnixEpoch,
        [
            At(0, Node("node1", vip: true, mount: true, apache: 3), Node("node2")),
            At(50, Node("node1", alive: false, vip: true), Node("node2", vip: true)),
            At(100, Node("node1", vip: true), Node("node2", vip: true, apache: 1)),
            At(150, Node("node1", mount: true, apache: 2), Node("node2", mount: true, apache: 1)),
        ], [], TimeSpan.FromMilliseconds(200));

        var found = timeline.DoubleHoldings();
        Assert.Equal(
            [(100, "the VIP"), (150, "the shared mount"), (150, "a running apache")],
            found.Select(d => ((int)d.At.TotalMilliseconds, d.What)));
        Assert.All(found, d => Assert.Equal(["node1", "node2"], d.Nodes));
        Assert.Equal(TimeSpan.FromMilliseconds(50), timeline.LargestSampleGap);
        Assert.Equal(20, timeline.SamplesPerSecond);
    }

    [Fact]
    public void First_served_after_is_the_earliest_answer_among_probes_sent_after_the_mark()
    {
        static Probe P(int sent, int? answered, bool served) =>
            new(TimeSpan.FromMilliseconds(sent), answered is { } a ? TimeSpan.FromMilliseconds(a) : null, served, served ? "HTTP 200" : "timeout");
        var timeline = new Timeline(DateTimeOffset.UnixEpoch, [],
            [P(0, 5, true), P(50, null, false), P(100, null, false), P(150, 400, true), P(200, 210, true), P(250, 255, true)],
            TimeSpan.FromMilliseconds(300));

        Assert.Equal(TimeSpan.FromMilliseconds(210), timeline.FirstServedAfter(TimeSpan.FromMilliseconds(40))!.AnsweredAt);
        Assert.Equal(TimeSpan.FromMilliseconds(50), timeline.FirstFailedAfter(TimeSpan.FromMilliseconds(1))!.SentAt);
        Assert.Null(timeline.FirstServedAfter(TimeSpan.FromMilliseconds(260)));
        Assert.Equal(TimeSpan.FromMilliseconds(210), timeline.FirstAnsweredAfter(TimeSpan.FromMilliseconds(40))!.AnsweredAt);
    }

    [Fact]
    public void A_refused_connection_is_an_answer_without_the_page()
    {
        var refused = new Probe(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(101), false, "connection refused");
        var timeline = new Timeline(DateTimeOffset.UnixEpoch, [],
            [new Probe(TimeSpan.Zero, null, false, "timeout"), refused], TimeSpan.FromMilliseconds(150));
        Assert.Equal(refused, timeline.FirstAnsweredAfter(TimeSpan.Zero));
        Assert.Null(timeline.FirstServedAfter(TimeSpan.Zero));
    }
}

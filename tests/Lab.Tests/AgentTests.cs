namespace Lab.Tests;

[Collection(LabCollection.Name)]
public sealed class AgentTests(LabFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);
    private readonly LabSupport.Lab _lab = fixture.Lab;

    [LabFact]
    public async Task Real_agents_on_node1_serve_the_page_from_the_shared_disk_until_they_are_stopped()
    {
        await using var observer = Observer.Start(_lab);
        Assert.True(await observer.WaitForPageAsync(served: false, Soon));
        var startedAt = observer.Now;

        foreach (var start in new[] { Agents.Vip, Agents.SharedFs, Agents.Apache })
        {
            var r = await start(_lab, "node1", "start");
            Assert.True(r.Succeeded, r.ToString());
        }
        Assert.True(await observer.WaitForPageAsync(served: true, Soon));
        Assert.True(await observer.WaitForAsync(s => s["node1"] is { HoldsVip: true, HoldsMount: true, RunsApache: true }, Soon));
        foreach (var monitor in new[] { Agents.Vip, Agents.SharedFs, Agents.Apache })
            Assert.Equal(0, (await monitor(_lab, "node1", "monitor")).ExitCode);
        Assert.Equal(7, (await Agents.Apache(_lab, "node2", "monitor")).ExitCode);

        var stoppedAt = observer.Now;
        foreach (var stop in new[] { Agents.Apache, Agents.SharedFs, Agents.Vip })
        {
            var r = await stop(_lab, "node1", "stop");
            Assert.True(r.Succeeded, r.ToString());
        }
        Assert.True(await observer.WaitForAsync(s => s["node1"] is { HoldsVip: false, HoldsMount: false, RunsApache: false }, Soon));
        Assert.True(await observer.WaitForPageAsync(served: false, Soon));

        var timeline = await observer.StopAsync();
        output.WriteLine(timeline.Describe());
        var served = timeline.FirstServedAfter(startedAt);
        Assert.NotNull(served);
        Assert.True(served.SentAt < stoppedAt);
        Assert.NotNull(timeline.FirstFailedAfter(stoppedAt));
        Assert.Null(timeline.FirstServedAfter(timeline.Duration - TimeSpan.FromMilliseconds(500)));
        Assert.Empty(timeline.DoubleHoldings());
        Assert.DoesNotContain(timeline.Samples, s => s["node2"].HoldsVip || s["node2"].HoldsMount || s["node2"].RunsApache);
    }

    [LabFact]
    public async Task A_crashed_node_keeps_its_vip_in_the_namespace_until_boot_resets_the_interface()
    {
        await using var observer = Observer.Start(_lab);
        var r = await Agents.Vip(_lab, "node2", "start");
        Assert.True(r.Succeeded, r.ToString());
        Assert.True(await observer.WaitForAsync(s => s["node2"].HoldsVip, Soon));
        // The VIP alone answers (nothing listens on port 80: refused) but serves no page.
        Assert.True(await observer.WaitForAnswerAsync(Soon));
        var answered = observer.Snapshot().Probes.Last(p => p.Answered);
        Assert.False(answered.Served);

        await _lab.KillAsync("node2");
        Assert.True(await observer.WaitForAsync(s => !s["node2"].Alive && !s["node2"].HoldsVip, Soon));
        Assert.Contains(LabSupport.Lab.Vip + "/24", await AddressesInNamespace("node2"));

        await _lab.BootAsync("node2");
        Assert.True(await observer.WaitForAsync(s => s["node2"].Alive, Soon));
        Assert.Equal([LabSupport.Lab.Address("node2") + "/24"], await AddressesInNamespace("node2"));
        Assert.Equal(7, (await Agents.Vip(_lab, "node2", "monitor")).ExitCode);
        output.WriteLine((await observer.StopAsync()).Describe());
    }

    private static async Task<List<string>> AddressesInNamespace(string node)
    {
        var r = await Command.RunAsync("ip", ["-n", LabSupport.Lab.Namespace(node), "-4", "-o", "addr", "show", "dev", "eth0"]);
        Assert.True(r.Succeeded, r.ToString());
        return r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]).ToList();
    }
}

namespace Lab.Tests;

[Collection(LabCollection.Name)]
public sealed class PowerTests(LabFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);
    private readonly LabSupport.Lab _lab = fixture.Lab;

    [LabFact]
    public async Task Virsh_destroy_over_ssh_powers_a_node_off_and_start_or_boot_brings_it_back()
    {
        await using var observer = Observer.Start(_lab);
        Assert.True(await observer.WaitForAsync(s => s["node2"].Alive && s["node2"].LinkUp, Soon));

        var destroy = await _lab.ExecAsync("node1", _lab.Ssh(LabSupport.Lab.HostAddress, "virsh", "destroy", "node2"));
        Assert.True(destroy.Succeeded, destroy.ToString());
        Assert.Contains("Domain 'node2' destroyed", destroy.Output);
        Assert.True(await observer.WaitForAsync(s => !s["node2"].Alive && !s["node2"].LinkUp && s["node1"].Alive, Soon));
        Assert.Equal("shut off", _lab.PowerState("node2"));
        Assert.Null(_lab.TiniPid("node2"));
        Assert.False((await _lab.ExecAsync("node2", "true")).Succeeded);
        var state = await _lab.ExecAsync("node1", _lab.Ssh(LabSupport.Lab.HostAddress, "virsh", "domstate", "node2"));
        Assert.Equal("shut off", state.Output.Trim());

        // The hypervisor's start, from the root namespace on loopback.
        var ssh = _lab.Ssh("127.0.0.1", "virsh", "start", "node2");
        var start = await Command.RunAsync(ssh[0], ssh[1..]);
        Assert.True(start.Succeeded, start.ToString());
        Assert.True(await observer.WaitForAsync(s => s["node2"].Alive && s["node2"].LinkUp, Soon));
        Assert.Equal("running", _lab.PowerState("node2"));

        // A crash (kill) leaves the domain "running" to the hypervisor; boot brings the node back.
        var before = _lab.TiniPid("node2");
        await _lab.KillAsync("node2");
        Assert.True(await observer.WaitForAsync(s => !s["node2"].Alive && s["node2"].LinkUp, Soon));
        Assert.Equal("running", _lab.PowerState("node2"));
        await _lab.BootAsync("node2");
        Assert.True(await observer.WaitForAsync(s => s["node2"].Alive, Soon));
        Assert.NotEqual(before, _lab.TiniPid("node2"));
        Assert.True((await _lab.ExecAsync("node2", "true")).Succeeded);

        var timeline = await observer.StopAsync();
        output.WriteLine(timeline.Describe());
        Assert.Empty(timeline.DoubleHoldings());
    }

    [LabFact]
    public async Task Cut_partitions_a_node_that_stays_powered_and_heal_restores_it()
    {
        await using var observer = Observer.Start(_lab);
        const string reachHypervisor = "timeout 1 bash -c 'exec 3<>/dev/tcp/10.77.0.254/2222'";
        Assert.True((await _lab.ShellAsync("node2", reachHypervisor)).Succeeded);

        await _lab.CutAsync("node2");
        Assert.True(await observer.WaitForAsync(s => s["node2"].Alive && !s["node2"].LinkUp, Soon));
        Assert.False((await _lab.ShellAsync("node2", reachHypervisor)).Succeeded);
        // Partitioned is not off: the hypervisor still reads it as running.
        var state = await _lab.ExecAsync("node1", _lab.Ssh(LabSupport.Lab.HostAddress, "virsh", "domstate", "node2"));
        Assert.Equal("running", state.Output.Trim());

        await _lab.HealAsync("node2");
        Assert.True(await observer.WaitForAsync(s => s["node2"].Alive && s["node2"].LinkUp, Soon));
        var healed = false;
        for (var i = 0; i < 20 && !healed; i++) healed = (await _lab.ShellAsync("node2", reachHypervisor)).Succeeded;
        Assert.True(healed);
        output.WriteLine((await observer.StopAsync()).Describe());
    }
}

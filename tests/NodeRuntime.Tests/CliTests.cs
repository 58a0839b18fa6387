using NodeRuntime.Tests.Support;

namespace NodeRuntime.Tests;

/// <summary>ha-node's command line: exit codes for good and bad input (bad input is exit 2 with a message, never an exception).</summary>
public sealed class CliTests : IDisposable
{
    private readonly Scratch _scratch = new();

    [Fact]
    public async Task Usage_errors_exit_2()
    {
        Assert.Equal(2, await Cli.RunAsync([]));
        Assert.Equal(2, await Cli.RunAsync(["run", "not-an-agent", "start"]));
        Assert.Equal(2, await Cli.RunAsync(["run", "ocf:heartbeat:Dummy", "start", "--timeout", "soon"]));
        Assert.Equal(2, await Cli.RunAsync(["run", "ocf:heartbeat:Dummy", "start", "stray"]));
        Assert.Equal(2, await Cli.RunAsync(["fence", "stonith:external/libvirt", "n1", "explode",
            "hostlist=n1", "hypervisor_uri=qemu+ssh://h/system", "identity_file=k", "known_hosts_file=kh"]));
        Assert.Equal(2, await Cli.RunAsync(["fence", "stonith:external/libvirt", "n1", "off", "hostlist=n1"]));
    }

    [Fact]
    public async Task Agent_commands_report_problems_with_exit_1_and_success_with_0()
    {
        Assert.Equal(0, await Cli.RunAsync(["agent", "meta-data", "ocf:heartbeat:Dummy"]));
        Assert.Equal(1, await Cli.RunAsync(["agent", "meta-data", "ocf:heartbeat:NoSuchAgent"]));
        Assert.Equal(0, await Cli.RunAsync(["agent", "validate", "ocf:heartbeat:IPaddr2", "ip=10.77.0.10"]));
        Assert.Equal(1, await Cli.RunAsync(["agent", "validate", "ocf:heartbeat:IPaddr2", "nci=eth0"]));
    }

    [Fact]
    public async Task Run_executes_one_action_through_the_executor()
    {
        var id = _scratch.Id("cli");
        var state = "state=" + _scratch.File("cli.state");
        Assert.Equal(0, await Cli.RunAsync(["run", "ocf:heartbeat:Dummy", "start", "--id", id, state]));
        Assert.True(File.Exists(_scratch.File("cli.state")));
        Assert.Equal(0, await Cli.RunAsync(["run", "ocf:heartbeat:Dummy", "monitor", "--id", id, state]));
        Assert.Equal(0, await Cli.RunAsync(["run", "ocf:heartbeat:Dummy", "stop", "--id", id, state]));
        Assert.Equal(1, await Cli.RunAsync(["run", "ocf:heartbeat:Dummy", "monitor", "--interval", "10s", "--id", id, state]));
    }

    public void Dispose() => _scratch.Dispose();
}

using Cib.Domain.Fencing;
using NodeRuntime.Execution;
using NodeRuntime.Fencing;
using NodeRuntime.Tests.Support;

namespace NodeRuntime.Tests.Fencing;

/// <summary>Debian's fence_virsh, fed key=value lines on stdin as Pacemaker's fencer does, against the same sshd and stand-in virsh.</summary>
public sealed class FenceVirshTests(Hypervisor hypervisor) : IClassFixture<Hypervisor>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Fence_virsh_reads_status_powers_off_and_on_through_stdin()
    {
        var domain = await hypervisor.DefineDomainAsync("vm-fv1");
        await using var device = FenceDevices.Create(hypervisor.FenceVirshDevice("fv", $"node1:{domain}"));
        Assert.IsType<FenceAgentDevice>(device);

        var status = await device.ExecuteAsync("node1", FenceActions.Status, Timeout);
        Assert.True(status.Succeeded, status.Reason + status.OutputTail);
        Assert.Equal("on", status.PowerState);

        var sink = new RecordingEventSink();
        var result = await new Fencer("node2", [device], sink, TimeProvider.System)
            .FenceAsync(new FencingRequested("req-1", "node1", "off", "lost", "fv", "t9", 1, DateTimeOffset.UnixEpoch), Timeout);
        var fenced = Assert.IsType<NodeFenced>(result);
        Assert.Equal(("node1", "fv", "off", "node2"), (fenced.Target, fenced.Device, fenced.Action, fenced.ExecutedBy));
        Assert.Equal("shut off", hypervisor.DomainState(domain));
        Assert.Equal("off", (await device.ExecuteAsync("node1", FenceActions.Status, Timeout)).PowerState);

        Assert.True((await device.ExecuteAsync("node1", FenceActions.On, Timeout)).Succeeded);
        Assert.Equal("running", hypervisor.DomainState(domain));
        Assert.True((await device.MonitorAsync(Timeout)).Succeeded);
    }

    [Fact]
    public async Task Fence_virsh_failing_to_log_in_is_FencingFailed()
    {
        var domain = await hypervisor.DefineDomainAsync("vm-fv2");
        var p = hypervisor.FenceVirshDevice("fv-bad", $"node1:{domain}");
        p = p with { Params = p.Params.Set("username", "nobody-here") };
        await using var device = FenceDevices.Create(p);
        var result = await new Fencer("node2", [device], new RecordingEventSink(), TimeProvider.System)
            .FenceAsync(new FencingRequested("req-2", "node1", "reboot", "lost", null, null, 1, DateTimeOffset.UnixEpoch), Timeout);
        Assert.IsType<FencingFailed>(result);
        Assert.Equal("running", hypervisor.DomainState(domain));
    }

    [Fact]
    public void The_stdin_protocol_carries_parameters_action_and_plug_but_not_pacemaker_settings()
    {
        var device = FenceAgentDevice.Create(hypervisor.FenceVirshDevice("fv", "node1:vm-x"));
        var lines = device.Stdin("reboot", "vm-x", Timeout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("action=reboot", lines);
        Assert.Contains("plug=vm-x", lines);
        Assert.Contains("ip=127.0.0.1", lines);
        Assert.Contains($"ipport={hypervisor.Port}", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("pcmk_"));
    }
}

/// <summary>The device monitor reports only a change of reachability.</summary>
public sealed class FenceDeviceMonitorTests
{
    [Fact]
    public async Task The_device_monitor_reports_loss_and_return_of_the_hypervisor_once_each()
    {
        var hv = new Hypervisor();
        try
        {
            await hv.InitializeAsync();
            await using var device = LibvirtSshFenceDevice.Create(hv.LibvirtDevice("fence-mon", "n1"));
            var sink = new RecordingEventSink();
            await using var monitor = new FenceDeviceMonitor("self", device, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5), sink, TimeProvider.System);

            Assert.True((await monitor.CheckAsync()).Succeeded);
            Assert.True((await monitor.CheckAsync()).Succeeded);
            Assert.Empty(sink.Events);

            await hv.StopSshdAsync();
            Assert.False((await monitor.CheckAsync()).Succeeded);
            Assert.False((await monitor.CheckAsync()).Succeeded);
            var failed = Assert.IsType<Cib.Domain.Operations.ResourceOperationFailed>(Assert.Single(sink.Events));
            Assert.Equal(("fence-mon", "monitor"), (failed.Resource, failed.Operation));

            await hv.StartSshdAsync();
            Assert.True((await monitor.CheckAsync()).Succeeded);
            Assert.Equal(2, sink.Events.Count);
            Assert.IsType<Cib.Domain.Operations.ResourceOperationSucceeded>(sink.Events[1]);
        }
        finally
        {
            await hv.DisposeAsync();
        }
    }
}

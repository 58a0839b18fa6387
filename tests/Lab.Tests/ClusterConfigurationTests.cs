using Cib.Interop.Crm;
using NodeRuntime.Fencing;

namespace Lab.Tests;

/// <summary>The example Apache cluster adapted to the lab (.ha/lab/apache-cluster.crm), as the end-to-end tests load it.</summary>
[Collection(LabCollection.Name)]
public sealed class ClusterConfigurationTests(LabFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly LabSupport.Lab _lab = fixture.Lab;

    [LabFact]
    public async Task The_lab_configuration_parses_and_its_libvirt_fence_device_powers_a_node_off_and_on()
    {
        var text = await File.ReadAllTextAsync(Path.Combine(_lab.StateDirectory, "apache-cluster.crm"));
        var parsed = CrmParser.Parse(text);
        Assert.True(parsed.IsSuccess, string.Join('\n', parsed.Errors));
        var configuration = parsed.Parsed!.Configuration;

        var (devices, problems) = FenceDevices.CreateAll(configuration);
        Assert.Empty(problems);
        await using var device = Assert.Single(devices);

        await using var observer = Observer.Start(_lab);
        var status = await device.ExecuteAsync("node2", FenceActions.Status, Timeout);
        Assert.True(status.Succeeded, status.Reason + status.OutputTail);
        Assert.Equal("on", status.PowerState);

        var off = await device.ExecuteAsync("node2", FenceActions.Off, Timeout);
        Assert.True(off.Succeeded, off.Reason + off.OutputTail);
        Assert.True(await observer.WaitForAsync(s => !s["node2"].Alive && !s["node2"].LinkUp, Timeout));
        Assert.Equal("shut off", _lab.PowerState("node2"));
        Assert.Equal("off", (await device.ExecuteAsync("node2", FenceActions.Status, Timeout)).PowerState);

        var on = await device.ExecuteAsync("node2", FenceActions.On, Timeout);
        Assert.True(on.Succeeded, on.Reason + on.OutputTail);
        Assert.True(await observer.WaitForAsync(s => s["node2"].Alive && s["node2"].LinkUp, Timeout));
        Assert.Equal("running", _lab.PowerState("node2"));
        output.WriteLine($"fence off {off.DurationMs} ms, on {on.DurationMs} ms");
        output.WriteLine((await observer.StopAsync()).Describe());
    }
}

using Cib.Domain.Fencing;
using NodeRuntime.Execution;
using NodeRuntime.Fencing;
using NodeRuntime.Tests.Support;

namespace NodeRuntime.Tests.Fencing;

/// <summary>stonith:external/libvirt over SSH.NET against a real sshd and the stand-in virsh.</summary>
public sealed class LibvirtSshFenceTests(Hypervisor hypervisor) : IClassFixture<Hypervisor>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];

    private static FencingRequested Request(string target, string action = "off", string? device = null) =>
        new(Guid.NewGuid().ToString("N"), target, action, "test", device, "t1", 1, DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task Fencing_off_destroys_the_domain_and_reports_NodeFenced()
    {
        var domain = await hypervisor.DefineDomainAsync("vm-" + _tag);
        await using var device = LibvirtSshFenceDevice.Create(hypervisor.LibvirtDevice("fence-" + _tag, $"node-{_tag}:{domain}"));
        var sink = new RecordingEventSink();
        var fencer = new Fencer("node-self", [device], sink, TimeProvider.System);

        var result = await fencer.FenceAsync(Request("node-" + _tag), Timeout);

        var fenced = Assert.IsType<NodeFenced>(result);
        Assert.Equal(("node-" + _tag, "fence-" + _tag, "off", "node-self"), (fenced.Target, fenced.Device, fenced.Action, fenced.ExecutedBy));
        Assert.Equal("shut off", hypervisor.DomainState(domain));
        Assert.Same(result, Assert.Single(sink.Events));
        Assert.Equal(["destroy " + domain, "domstate " + domain], hypervisor.VirshCommands(domain));
    }

    [Fact]
    public async Task Status_off_and_start_work_over_one_reused_connection()
    {
        var domain = await hypervisor.DefineDomainAsync("vm-" + _tag);
        await using var device = LibvirtSshFenceDevice.Create(hypervisor.LibvirtDevice("fence-" + _tag, domain));

        Assert.Equal("on", (await device.ExecuteAsync(domain, FenceActions.Status, Timeout)).PowerState);
        Assert.True((await device.ExecuteAsync(domain, FenceActions.Off, Timeout)).Succeeded);
        Assert.Equal("off", (await device.ExecuteAsync(domain, FenceActions.Status, Timeout)).PowerState);
        var on = await device.ExecuteAsync(domain, FenceActions.On, Timeout);
        Assert.True(on.Succeeded, on.Reason);
        Assert.Equal("running", hypervisor.DomainState(domain));
        Assert.True((await device.MonitorAsync(Timeout)).Succeeded);

        Assert.Equal(1, device.ConnectionsOpened);
    }

    [Fact]
    public async Task Reboot_powers_off_then_on_and_counts_as_fenced()
    {
        var domain = await hypervisor.DefineDomainAsync("vm-" + _tag);
        await using var device = LibvirtSshFenceDevice.Create(hypervisor.LibvirtDevice("fence-" + _tag, domain));
        var sink = new RecordingEventSink();
        var fencer = new Fencer("self", [device], sink, TimeProvider.System);
        var result = await fencer.FenceAsync(Request(domain, "reboot"), Timeout);
        await fencer.PowerOn;

        Assert.Equal("reboot", Assert.IsType<NodeFenced>(result).Action);
        Assert.Equal("running", hypervisor.DomainState(domain));
        Assert.Equal(["destroy " + domain, "domstate " + domain, "start " + domain, "domstate " + domain], hypervisor.VirshCommands(domain));
        Assert.Same(result, Assert.Single(sink.Events));
    }

    [Fact]
    public async Task A_reboot_counts_as_fenced_once_off_and_a_failed_power_on_is_reported_without_undoing_it()
    {
        // The stand-in's start hook refuses domains named vm-nostart-*: the hypervisor cannot boot them.
        var hook = Path.Combine(hypervisor.StateDirectory, "on-start");
        await File.WriteAllTextAsync(hook, "#!/bin/sh\ncase \"$1\" in vm-nostart-*) echo 'no boot disk' >&2; exit 1 ;; esac\n");
        File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var domain = await hypervisor.DefineDomainAsync("vm-nostart-" + _tag);
        await using var device = LibvirtSshFenceDevice.Create(hypervisor.LibvirtDevice("fence-" + _tag, $"node-{_tag}:{domain}"));
        var sink = new RecordingEventSink();
        var fencer = new Fencer("self", [device], sink, TimeProvider.System);

        var result = await fencer.FenceAsync(Request("node-" + _tag, "reboot"), Timeout);
        Assert.Equal("reboot", Assert.IsType<NodeFenced>(result).Action);
        await fencer.PowerOn;

        Assert.Equal("shut off", hypervisor.DomainState(domain));
        Assert.Equal(2, sink.Events.Count);
        var failed = Assert.IsType<FencedNodePowerOnFailed>(sink.Events[1]);
        Assert.Equal(("node-" + _tag, "fence-" + _tag, "self"), (failed.Target, failed.Device, failed.ExecutedBy));
        Assert.Contains("did not power it on", failed.Reason);
    }

    [Fact]
    public async Task An_unknown_host_key_is_refused_and_nothing_is_run()
    {
        var domain = await hypervisor.DefineDomainAsync("vm-" + _tag);
        var otherHosts = Path.Combine(hypervisor.Directory, $"other-{_tag}");
        await File.WriteAllTextAsync(otherHosts, $"[10.77.0.254]:{hypervisor.Port} {File.ReadAllText(hypervisor.KnownHosts).Split(' ', 2)[1]}");
        await using var device = LibvirtSshFenceDevice.Create(hypervisor.LibvirtDevice("fence-" + _tag, domain, knownHosts: otherHosts));

        var result = await new Fencer("self", [device], new RecordingEventSink(), TimeProvider.System).FenceAsync(Request(domain), Timeout);

        var failed = Assert.IsType<FencingFailed>(result);
        Assert.Contains("is not in", failed.Reason);
        Assert.Contains("refused", failed.Reason);
        Assert.Equal("running", hypervisor.DomainState(domain));
    }

    [Fact]
    public async Task A_changed_host_key_is_refused()
    {
        var domain = await hypervisor.DefineDomainAsync("vm-" + _tag);
        var impostor = Path.Combine(hypervisor.Directory, $"impostor-{_tag}");
        await Hypervisor.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", impostor);
        var changedHosts = Path.Combine(hypervisor.Directory, $"changed-{_tag}");
        await File.WriteAllTextAsync(changedHosts, $"[127.0.0.1]:{hypervisor.Port} {string.Join(' ', File.ReadAllText(impostor + ".pub").Split(' ').Take(2))}\n");
        await using var device = LibvirtSshFenceDevice.Create(hypervisor.LibvirtDevice("fence-" + _tag, domain, knownHosts: changedHosts));

        var result = await device.ExecuteAsync(domain, FenceActions.Off, Timeout);

        Assert.False(result.Succeeded);
        Assert.Contains("CHANGED", result.Reason);
        Assert.Equal("running", hypervisor.DomainState(domain));
    }

    [Fact]
    public async Task A_client_key_the_hypervisor_does_not_know_is_refused()
    {
        var domain = await hypervisor.DefineDomainAsync("vm-" + _tag);
        var stranger = Path.Combine(hypervisor.Directory, $"stranger-{_tag}");
        await Hypervisor.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger);
        await using var device = LibvirtSshFenceDevice.Create(hypervisor.LibvirtDevice("fence-" + _tag, domain, identity: stranger));

        var result = await new Fencer("self", [device], new RecordingEventSink(), TimeProvider.System).FenceAsync(Request(domain), Timeout);

        Assert.Contains("refused the key", Assert.IsType<FencingFailed>(result).Reason);
        Assert.Equal("running", hypervisor.DomainState(domain));
    }

    [Fact]
    public async Task A_device_that_cannot_fence_the_target_fails_without_touching_anything()
    {
        await using var device = LibvirtSshFenceDevice.Create(hypervisor.LibvirtDevice("fence-" + _tag, "vm-a vm-b"));
        var result = await new Fencer("self", [device], new RecordingEventSink(), TimeProvider.System).FenceAsync(Request("vm-c"), Timeout);
        Assert.Contains("no fence device on self can fence vm-c", Assert.IsType<FencingFailed>(result).Reason);
    }

    [Fact]
    public void Bad_parameters_are_named()
    {
        var noUri = hypervisor.LibvirtDevice("f", "n1") with { Params = hypervisor.LibvirtDevice("f", "n1").Params.Set("hypervisor_uri", "qemu://host/system") };
        Assert.Contains("only the ssh transport", Assert.Throws<FenceDeviceConfigurationException>(() => LibvirtSshFenceDevice.Create(noUri)).Message);
        var noKnownHosts = hypervisor.LibvirtDevice("f", "n1") with { Params = hypervisor.LibvirtDevice("f", "n1").Params.Remove("known_hosts_file") };
        Assert.Contains("known_hosts_file", Assert.Throws<FenceDeviceConfigurationException>(() => LibvirtSshFenceDevice.Create(noKnownHosts)).Message);
    }
}

/// <summary>An unreachable hypervisor: fencing must come back as FencingFailed within the stonith timeout.</summary>
public sealed class UnreachableHypervisorTests
{
    [Fact]
    public async Task Sshd_down_after_a_successful_fence_gives_FencingFailed()
    {
        await using var hypervisor = new HypervisorLease();
        await hypervisor.Value.InitializeAsync();
        var domain = await hypervisor.Value.DefineDomainAsync("vm-down");
        await using var device = LibvirtSshFenceDevice.Create(hypervisor.Value.LibvirtDevice("fence-down", domain));
        Assert.True((await device.ExecuteAsync(domain, FenceActions.Status, TimeSpan.FromSeconds(10))).Succeeded);

        await hypervisor.Value.StopSshdAsync();
        var result = await new Fencer("self", [device], new RecordingEventSink(), TimeProvider.System)
            .FenceAsync(new FencingRequested("r", domain, "off", "test", null, null, 1, DateTimeOffset.UnixEpoch), TimeSpan.FromSeconds(5));

        var failed = Assert.IsType<FencingFailed>(result);
        Assert.Equal("fence-down", failed.Device);
        Assert.Equal("running", hypervisor.Value.DomainState(domain));
    }

    [Fact]
    public async Task A_hypervisor_that_accepts_but_never_answers_times_out_as_FencingFailed()
    {
        using var silent = new SilentPeer();
        var scratch = Directory.CreateTempSubdirectory("hat-silent-").FullName;
        try
        {
            await using var device = await DeviceAsync("fence-silent", silent.Port, scratch);

            var result = await new Fencer("self", [device], new RecordingEventSink(), TimeProvider.System)
                .FenceAsync(new FencingRequested("r", "n1", "reboot", "test", null, null, 2, DateTimeOffset.UnixEpoch), TimeSpan.FromSeconds(1.5));

            var failed = Assert.IsType<FencingFailed>(result);
            Assert.Contains("timed out after 1500 ms", failed.Reason);
            Assert.Equal(2, failed.Attempt);
        }
        finally
        {
            Directory.Delete(scratch, true);
        }
    }

    [Fact]
    public async Task A_fence_behind_a_warm_up_stuck_on_a_silent_hypervisor_fails_within_its_own_timeout()
    {
        using var silent = new SilentPeer();
        var scratch = Directory.CreateTempSubdirectory("hat-warm-").FullName;
        try
        {
            await using var device = await DeviceAsync("fence-warm", silent.Port, scratch);

            // The warm-up holds the device's connection while it waits for a hypervisor that never answers.
            var warming = device.WarmUpAsync();
            await TestSupport.Eventually.True(() => Task.FromResult(silent.Accepted > 0), "the warm-up connects");
            var result = await device.ExecuteAsync("n1", FenceActions.Off, TimeSpan.FromSeconds(1));

            Assert.False(result.Succeeded);
            Assert.Contains("timed out after 1000 ms (waiting for the device's connection)", result.Reason);
            Assert.False(warming.IsCompleted, "the fence did not wait for the warm-up to give up");
            await warming;
        }
        finally
        {
            Directory.Delete(scratch, true);
        }
    }

    [Fact]
    public async Task Nothing_listening_is_reported_as_unreachable()
    {
        var scratch = Directory.CreateTempSubdirectory("hat-closed-").FullName;
        try
        {
            await using var device = await DeviceAsync("fence-closed", Hypervisor.FreePort(), scratch);
            var result = await device.ExecuteAsync("n1", FenceActions.Off, TimeSpan.FromSeconds(5));
            Assert.False(result.Succeeded);
            Assert.Contains("cannot reach 127.0.0.1", result.Reason);
        }
        finally
        {
            Directory.Delete(scratch, true);
        }
    }

    /// <summary>An external/libvirt device for host n1 on a hypervisor at 127.0.0.1:<paramref name="port"/>, with a fresh key and no known hosts.</summary>
    private static async Task<LibvirtSshFenceDevice> DeviceAsync(string id, int port, string scratch)
    {
        await Hypervisor.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(scratch, "k"));
        await File.WriteAllTextAsync(Path.Combine(scratch, "known_hosts"), "");
        return LibvirtSshFenceDevice.Create(Cib.Domain.Resources.Primitive.Create(id, "stonith:external/libvirt", Cib.Domain.Primitives.ValueMap.Of(
            ("hostlist", "n1"), ("hypervisor_uri", $"qemu+ssh://root@127.0.0.1:{port}/system"),
            ("identity_file", Path.Combine(scratch, "k")), ("known_hosts_file", Path.Combine(scratch, "known_hosts")))));
    }

    /// <summary>A hypervisor of the test's own (it gets stopped), disposed at the end.</summary>
    private sealed class HypervisorLease : IAsyncDisposable
    {
        public Hypervisor Value { get; } = new();
        public async ValueTask DisposeAsync() => await Value.DisposeAsync();
    }
}

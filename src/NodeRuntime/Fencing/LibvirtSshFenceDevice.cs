using System.Diagnostics;
using Cib.Domain.Fencing;
using Cib.Domain.Resources;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace NodeRuntime.Fencing;

/// <summary>
/// <c>stonith:external/libvirt</c>, compatible in parameters (<c>hostlist</c>, <c>hypervisor_uri</c>)
/// but speaking SSH instead of libvirt's RPC: it logs in to the hypervisor with a private key
/// (<c>identity_file</c>), trusts only the host key listed in <c>known_hosts_file</c>, and runs
/// <c>virsh -c qemu:///system destroy|start|domstate NODE</c>. One connection is kept and reused
/// between fences (a fresh one costs a key exchange); a broken one is replaced on the next action.
/// </summary>
public sealed class LibvirtSshFenceDevice : IFenceDevice
{
    public const string AgentType = "external/libvirt";
    public const string IdentityFileParameter = "identity_file";
    public const string KnownHostsParameter = "known_hosts_file";

    private readonly IReadOnlyDictionary<string, string> _targets;
    private readonly HypervisorUri _uri;
    private readonly string _identityFile;
    private readonly string _knownHostsFile;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SshClient? _client;
    private string? _hostKeyProblem;

    public string Id { get; }
    public string Agent => $"stonith:{AgentType}";
    public HypervisorUri Uri => _uri;

    /// <summary>How many SSH connections this device opened (a reused connection does not count).</summary>
    public int ConnectionsOpened { get; private set; }

    private LibvirtSshFenceDevice(string id, IReadOnlyDictionary<string, string> targets, HypervisorUri uri, string identityFile, string knownHostsFile)
    {
        Id = id;
        _targets = targets;
        _uri = uri;
        _identityFile = identityFile;
        _knownHostsFile = knownHostsFile;
    }

    /// <summary>Builds the device from its primitive, or says which parameter is wrong.</summary>
    public static LibvirtSshFenceDevice Create(Primitive primitive)
    {
        if (primitive.Agent.Class != ResourceAgent.Stonith || primitive.Agent.Type != AgentType)
            throw new FenceDeviceConfigurationException(primitive.Id, $"agent {primitive.Agent} is not stonith:{AgentType}");
        if (!HypervisorUri.TryParse(primitive.Params.Get("hypervisor_uri"), out var uri, out var error))
            throw new FenceDeviceConfigurationException(primitive.Id, error);
        var identity = primitive.Params.Get(IdentityFileParameter)
                       ?? throw new FenceDeviceConfigurationException(primitive.Id, $"parameter '{IdentityFileParameter}' (the private key for {uri.User}@{uri.Host}) is required");
        var knownHosts = primitive.Params.Get(KnownHostsParameter)
                         ?? throw new FenceDeviceConfigurationException(primitive.Id, $"parameter '{KnownHostsParameter}' (the hypervisor's host key) is required: unknown host keys are refused");
        var targets = Targets(primitive);
        if (targets.Count == 0)
            throw new FenceDeviceConfigurationException(primitive.Id, "no targets: set hostlist (or pcmk_host_list / pcmk_host_map)");
        return new LibvirtSshFenceDevice(primitive.Id, targets, uri, identity, knownHosts);
    }

    /// <summary>
    /// Node → domain. external/libvirt's <c>hostlist</c> is "node[:domain] ..." (space or comma separated);
    /// pcmk_host_map and pcmk_host_list are read as Pacemaker reads them and win over hostlist.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Targets(Primitive primitive)
    {
        var targets = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (node, name) in FenceDevice.From(primitive with { Params = primitive.Params.Remove("hostlist") }).Targets) targets[node] = name;
        foreach (var entry in (primitive.Params.Get("hostlist") ?? "").Split((char[])[' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.IndexOf(':');
            if (colon > 0) targets.TryAdd(entry[..colon], entry[(colon + 1)..]);
            else targets.TryAdd(entry, entry);
        }
        return targets;
    }

    public bool CanFence(string node) => _targets.ContainsKey(node);

    public async Task<FenceResult> ExecuteAsync(string target, string action, TimeSpan timeout, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        if (!_targets.TryGetValue(target, out var domain))
            return FenceResult.Failed(0, $"device {Id} cannot fence {target} (not in its host list)");
        if (!SafeDomain(domain))
            return FenceResult.Failed(0, $"device {Id}: '{domain}' is not a domain name virsh can be given");

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var entered = false;
        try
        {
            // Waiting for the connection (a warm-up or another command on a silent link) counts in the fence's timeout.
            await _gate.WaitAsync(deadline.Token);
            entered = true;
            var result = FenceActions.Normalize(action) switch
            {
                FenceActions.Status => await StatusAsync(domain, deadline.Token),
                FenceActions.Off => await OffAsync(domain, deadline.Token),
                FenceActions.On => await OnAsync(domain, deadline.Token),
                FenceActions.Reboot => await RebootAsync(domain, deadline.Token),
                _ => FenceResult.Failed(0, $"device {Id} does not support action '{action}'"),
            };
            return result with { DurationMs = clock.ElapsedMilliseconds };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            if (entered) Drop();
            return FenceResult.Failed(clock.ElapsedMilliseconds, $"{action} of {target} via {Id} timed out after {(long)timeout.TotalMilliseconds} ms"
                + (entered ? "" : " (waiting for the device's connection)"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Drop();
            return FenceResult.Failed(clock.ElapsedMilliseconds, Describe(e));
        }
        finally
        {
            if (entered) _gate.Release();
        }
    }

    public async Task<FenceResult> MonitorAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var entered = false;
        try
        {
            await _gate.WaitAsync(deadline.Token);
            entered = true;
            var (exit, output, error) = await RunAsync("list --all", deadline.Token);
            return exit == 0
                ? FenceResult.Ok(clock.ElapsedMilliseconds, output: output)
                : FenceResult.Failed(clock.ElapsedMilliseconds, $"virsh list on {_uri.Host} exited {exit}: {error.Trim()}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            if (entered) Drop();
            return FenceResult.Failed(clock.ElapsedMilliseconds, $"monitor of {Id} timed out after {(long)timeout.TotalMilliseconds} ms");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Drop();
            return FenceResult.Failed(clock.ElapsedMilliseconds, Describe(e));
        }
        finally
        {
            if (entered) _gate.Release();
        }
    }

    /// <summary>Opens the SSH connection (key exchange, authentication, host key check) if none is open.</summary>
    public async Task WarmUpAsync(CancellationToken ct = default)
    {
        // A warm-up holds the connection while it connects: on a silent link it gives up after WarmUpTimeout, and a
        // fence waiting meanwhile counts the wait in its own timeout.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(WarmUpTimeout);
        await _gate.WaitAsync(ct);
        try
        {
            await ConnectedAsync(deadline.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Not reachable now: a fence connects afresh, and reports the problem then.
            Drop();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>How long a warm-up may try to connect.</summary>
    public static readonly TimeSpan WarmUpTimeout = TimeSpan.FromSeconds(10);

    private async Task<FenceResult> StatusAsync(string domain, CancellationToken ct)
    {
        var (exit, output, error) = await RunAsync($"domstate {domain}", ct);
        if (exit != 0) return FenceResult.Failed(0, $"virsh domstate {domain} exited {exit}: {error.Trim()}", error);
        return FenceResult.Ok(0, PowerState(output), output.Trim());
    }

    /// <summary>
    /// destroy and the check that the domain is off go in one exec (one round trip on a kept
    /// connection): an already-off domain makes destroy fail, and the state check still says "off".
    /// </summary>
    private async Task<FenceResult> OffAsync(string domain, CancellationToken ct)
    {
        var (exit, output, error) = await RunAsync($"destroy {domain}; virsh -c {_uri.LocalUri} domstate {domain}", ct);
        var state = LastLine(output);
        if (exit == 0 && PowerState(state) == "off") return FenceResult.Ok(0, "off", output.Trim());
        return FenceResult.Failed(0, $"virsh destroy {domain} did not power it off: state '{state}', exit {exit}: {error.Trim()}", output + error);
    }

    private async Task<FenceResult> OnAsync(string domain, CancellationToken ct)
    {
        var (exit, output, error) = await RunAsync($"start {domain}; virsh -c {_uri.LocalUri} domstate {domain}", ct);
        var state = LastLine(output);
        if (exit == 0 && PowerState(state) == "on") return FenceResult.Ok(0, "on", output.Trim());
        return FenceResult.Failed(0, $"virsh start {domain} did not power it on: state '{state}', exit {exit}: {error.Trim()}", output + error);
    }

    private static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";

    private async Task<FenceResult> RebootAsync(string domain, CancellationToken ct)
    {
        // external/libvirt's reset: power off, then on. The node is fenced once it is off.
        var off = await OffAsync(domain, ct);
        if (!off.Succeeded) return off;
        var on = await OnAsync(domain, ct);
        return on.Succeeded ? FenceResult.Ok(0, "on") : FenceResult.Failed(0, $"{domain} was powered off but did not start again: {on.Reason}");
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(string virshArguments, CancellationToken ct)
    {
        var reused = _client is { IsConnected: true };
        try
        {
            return await RunOnceAsync(virshArguments, ct);
        }
        catch (Exception e) when (reused && e is SshException or System.Net.Sockets.SocketException or IOException or ObjectDisposedException)
        {
            // The kept connection went stale (hypervisor sshd restarted, link flapped): one fresh try within the same deadline.
            Drop();
            return await RunOnceAsync(virshArguments, ct);
        }
    }

    private async Task<(int Exit, string Output, string Error)> RunOnceAsync(string virshArguments, CancellationToken ct)
    {
        var client = await ConnectedAsync(ct);
        using var command = client.CreateCommand($"virsh -c {_uri.LocalUri} {virshArguments}");
        await command.ExecuteAsync(ct);
        return (command.ExitStatus ?? -1, command.Result, command.Error);
    }

    private async Task<SshClient> ConnectedAsync(CancellationToken ct)
    {
        if (_client is { IsConnected: true } reused) return reused;
        Drop();
        var knownHosts = KnownHosts.Load(_knownHostsFile);
        var key = new PrivateKeyFile(_identityFile);
        var connection = new ConnectionInfo(_uri.Host, _uri.Port, _uri.User, new PrivateKeyAuthenticationMethod(_uri.User, key));
        // Keep-alives: a kept connection that died (hypervisor rebooted, link flapped) is noticed before a fence needs it.
        var client = new SshClient(connection) { KeepAliveInterval = TimeSpan.FromSeconds(5) };
        _hostKeyProblem = null;
        client.HostKeyReceived += (_, e) =>
        {
            var check = knownHosts.Check(_uri.Host, _uri.Port, e.HostKeyName, e.HostKey);
            e.CanTrust = check == HostKeyCheck.Trusted;
            _hostKeyProblem = check switch
            {
                HostKeyCheck.Unknown => $"host key of {KnownHosts.HostPattern(_uri.Host, _uri.Port)} ({e.HostKeyName} {e.FingerPrintSHA256}) is not in {_knownHostsFile}: refused",
                HostKeyCheck.Changed => $"host key of {KnownHosts.HostPattern(_uri.Host, _uri.Port)} has CHANGED ({e.HostKeyName} {e.FingerPrintSHA256} is not the key in {_knownHostsFile}): refused",
                _ => null,
            };
        };
        try
        {
            await client.ConnectAsync(ct);
        }
        catch
        {
            client.Dispose();
            throw;
        }
        ConnectionsOpened++;
        _client = client;
        return client;
    }

    private string Describe(Exception e) => _hostKeyProblem ?? e switch
    {
        SshAuthenticationException => $"{_uri.User}@{_uri.Host}:{_uri.Port} refused the key {_identityFile}: {e.Message}",
        System.Net.Sockets.SocketException s => $"cannot reach {_uri.Host}:{_uri.Port}: {s.Message}",
        _ => $"ssh to {_uri.Host}:{_uri.Port} failed: {e.Message}",
    };

    private void Drop()
    {
        var c = _client;
        _client = null;
        if (c is null) return;
        try { c.Disconnect(); } catch (Exception) { /* already broken */ }
        c.Dispose();
    }

    private static string PowerState(string domstate) => domstate.Trim().Split('\n')[0].Trim() switch
    {
        "running" or "blocked" or "idle" or "paused" or "no state" or "in shutdown" or "pmsuspended" => "on",
        _ => "off",
    };

    private static bool SafeDomain(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try { Drop(); }
        finally { _gate.Release(); }
    }

    /// <summary>What the device says for <c>meta-data</c>: its parameters, so primitives can be validated.</summary>
    public const string MetadataXml = """
        <?xml version="1.0"?>
        <resource-agent name="external/libvirt" shortdesc="libvirt fencing over SSH (virsh on the hypervisor)">
          <version>1.0</version>
          <longdesc lang="en">Fences virtual machines by running virsh destroy/start/domstate on the hypervisor over SSH, with key authentication and a pinned host key.</longdesc>
          <shortdesc lang="en">libvirt fencing over SSH</shortdesc>
          <parameters>
            <parameter name="hostlist" required="1"><content type="string"/><shortdesc lang="en">Nodes this device can fence, as node or node:domain, separated by spaces or commas</shortdesc></parameter>
            <parameter name="hypervisor_uri" required="1"><content type="string"/><shortdesc lang="en">qemu+ssh://[user@]host[:port]/system</shortdesc></parameter>
            <parameter name="identity_file" required="1"><content type="string"/><shortdesc lang="en">Private key for the SSH login</shortdesc></parameter>
            <parameter name="known_hosts_file" required="1"><content type="string"/><shortdesc lang="en">known_hosts file holding the hypervisor's host key; an unknown or changed key is refused</shortdesc></parameter>
            <parameter name="reset_method"><content type="string" default="power_cycle"/><shortdesc lang="en">Only power_cycle (destroy, then start) is supported</shortdesc></parameter>
          </parameters>
          <actions>
            <action name="on" timeout="20s"/>
            <action name="off" timeout="20s"/>
            <action name="reboot" timeout="20s"/>
            <action name="status" timeout="20s"/>
            <action name="monitor" timeout="20s" interval="3600s"/>
            <action name="meta-data" timeout="5s"/>
          </actions>
        </resource-agent>
        """;
}

/// <summary>A fence device's primitive cannot be used as configured; names the device and the problem.</summary>
public sealed class FenceDeviceConfigurationException(string device, string problem) : Exception($"fence device {device}: {problem}")
{
    public string Device { get; } = device;
}

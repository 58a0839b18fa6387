using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using TestSupport;

namespace NodeRuntime.Tests.Support;

/// <summary>
/// A stand-in hypervisor for fencing tests: a real OpenSSH sshd on 127.0.0.1 and a free port, started
/// with lab/hypervisor/sshd-up.sh (own host key, key-only root login, the stand-in virsh first in PATH),
/// a client key pair, and domains kept as files. Stopped and removed on dispose, also after failures.
/// </summary>
public sealed class Hypervisor : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("hat-hv-").FullName;
    public string StateDirectory => Path.Combine(Directory, "hv");
    public int Port { get; } = FreePort();
    public string ClientKey => Path.Combine(Directory, "client");
    public string KnownHosts => Path.Combine(StateDirectory, "known_hosts");
    public static string LabScripts => Path.Combine(Repo.Root, "lab", "hypervisor");

    public async Task InitializeAsync()
    {
        await Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ClientKey, "-C", "fencing-test");
        await StartSshdAsync();
    }

    public Task StartSshdAsync() => Run(Path.Combine(LabScripts, "sshd-up.sh"), StateDirectory, "127.0.0.1", Port.ToString(), ClientKey + ".pub");

    public Task StopSshdAsync() => Run(Path.Combine(LabScripts, "sshd-down.sh"), StateDirectory);

    /// <summary>Registers a domain with the stand-in virsh, running.</summary>
    public async Task<string> DefineDomainAsync(string name)
    {
        System.IO.Directory.CreateDirectory(Path.Combine(StateDirectory, "domains"));
        await File.WriteAllTextAsync(Path.Combine(StateDirectory, "domains", name), "running\n");
        return name;
    }

    public string DomainState(string name) => File.ReadAllText(Path.Combine(StateDirectory, "domains", name)).Trim();

    /// <summary>The stand-in's log of virsh commands it ran for the domain, in order.</summary>
    public IReadOnlyList<string> VirshCommands(string domain) =>
        File.ReadAllLines(Path.Combine(StateDirectory, "virsh.log")).Select(l => l.Split(' ', 2)[1]).Where(l => l.EndsWith(" " + domain)).ToList();

    public Primitive LibvirtDevice(string id, string hostlist, string? identity = null, string? knownHosts = null) =>
        Primitive.Create(id, "stonith:external/libvirt", ValueMap.Of(
            ("hostlist", hostlist),
            ("hypervisor_uri", $"qemu+ssh://root@127.0.0.1:{Port}/system"),
            ("identity_file", identity ?? ClientKey),
            ("known_hosts_file", knownHosts ?? KnownHosts)));

    /// <summary>fence_virsh as Pacemaker would configure it, with ssh checking the host key against our known_hosts.</summary>
    public Primitive FenceVirshDevice(string id, string hostMap) =>
        Primitive.Create(id, "stonith:fence_virsh", ValueMap.Of(
            ("ip", "127.0.0.1"),
            ("ipport", Port.ToString()),
            ("username", "root"),
            ("identity_file", ClientKey),
            ("ssh_options", $"""-o UserKnownHostsFile={KnownHosts} -o StrictHostKeyChecking=yes -o BatchMode=yes -t '/bin/bash -c "PS1=\\[EXPECT\\]# /bin/bash --noprofile --norc"'"""),
            ("pcmk_host_map", hostMap)));

    public async Task DisposeAsync()
    {
        try { await StopSshdAsync(); } catch (InvalidOperationException) { }
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    internal static async Task Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var error = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {p.ExitCode}: {await error}{await output}");
    }
}

using System.Diagnostics;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using NodeRuntime.Agents;
using NodeRuntime.Execution;
using NodeRuntime.Tests.Support;

namespace NodeRuntime.Tests.Agents;

/// <summary>IPaddr2 for real, inside a throw-away network namespace with a dummy link on 10.77.x.x (never any other range).</summary>
public sealed class IpAddr2NamespaceTests
{
    [RootFact]
    public async Task IPaddr2_adds_and_removes_its_address_inside_a_network_namespace()
    {
        await using var ns = await NetworkNamespace.CreateAsync();
        var host = AgentHost.Local(TestExecutors.Node).InNetworkNamespace(ns.Name);
        var executor = ResourceExecutor.Create(host);
        var vip = Primitive.Create("vip-" + ns.Name, "ocf:heartbeat:IPaddr2",
            ValueMap.Of(("ip", "10.77.200.10"), ("cidr_netmask", "24"), ("nic", "hat0")));

        Assert.Equal(OcfRc.NotRunning, (await executor.ExecuteAsync(ActionRequest.Probe(vip))).Rc);
        var start = await executor.ExecuteAsync(ActionRequest.For(vip, Operations.Start));
        Assert.True(start.Succeeded, start + " " + start.OutputTail);
        Assert.Contains("10.77.200.10/24", await ns.RunAsync("ip -o addr show dev hat0"));
        Assert.Equal(OcfRc.Success, (await executor.ExecuteAsync(ActionRequest.Probe(vip))).Rc);

        Assert.True((await executor.ExecuteAsync(ActionRequest.For(vip, Operations.Stop))).Succeeded);
        Assert.DoesNotContain("10.77.200.10", await ns.RunAsync("ip -o addr show dev hat0"));
    }
}

/// <summary>A namespace <c>hat-&lt;random&gt;</c> with a veth pair hat0/hat1 (both ends inside it) at 10.77.200.1/24; deleted on dispose, also after a failure.</summary>
public sealed class NetworkNamespace : IAsyncDisposable
{
    public string Name { get; } = "hat-" + Guid.NewGuid().ToString("N")[..8];

    public static async Task<NetworkNamespace> CreateAsync()
    {
        var ns = new NetworkNamespace();
        try
        {
            await Sh($"ip netns add {ns.Name}");
            await ns.RunAsync("ip link set lo up");
            await ns.RunAsync("ip link add hat0 type veth peer name hat1");
            await ns.RunAsync("ip addr add 10.77.200.1/24 dev hat0");
            await ns.RunAsync("ip link set hat0 up");
            await ns.RunAsync("ip link set hat1 up");
            return ns;
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
    }

    public Task<string> RunAsync(string command) => Sh($"ip netns exec {Name} {command}");

    public async ValueTask DisposeAsync()
    {
        try { await Sh($"ip netns delete {Name}"); } catch (InvalidOperationException) { }
    }

    private static async Task<string> Sh(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"'{command}' exited {p.ExitCode}: {error}");
        return output;
    }
}

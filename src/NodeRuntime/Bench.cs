using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using NodeRuntime.Agents;
using NodeRuntime.Execution;
using NodeRuntime.Fencing;

namespace NodeRuntime;

/// <summary>
/// <c>ha-node bench</c>: prints action latencies measured through the real executor and devices —
/// Dummy start, IPaddr2 start in a scratch namespace (10.77.x.x), one SSH fence (off) with a fresh
/// and with a reused connection against the lab's stand-in hypervisor. Numbers only; nothing asserts.
/// </summary>
public static class Bench
{
    public static async Task<int> RunAsync(Options options)
    {
        var runs = options.Int("runs", 10);
        var scratch = Directory.CreateTempSubdirectory("ha-bench-").FullName;
        try
        {
            await DummyAsync(runs, scratch);
            if (IsRoot) await IpAddr2Async(runs);
            else Console.WriteLine("ipaddr2_start: skipped (needs root for a network namespace)");
            if (IsRoot && FindLab(options.Value("lab")) is { } lab) await SshFenceAsync(runs, scratch, lab);
            else Console.WriteLine("ssh_fence: skipped (needs root and lab/hypervisor; pass --lab DIR)");
        }
        finally
        {
            Directory.Delete(scratch, true);
        }
        return 0;
    }

    /// <summary>Starts <c>ha-node serve</c> as a child, lets it settle, prints its VmRSS and VmHWM, and stops it.</summary>
    public static async Task<int> RssAsync(Options options)
    {
        var seconds = options.Int("seconds", 30);
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "serve", "--node", options.Value("node") ?? "rss", "--for", (seconds + 30).ToString() }) psi.ArgumentList.Add(a);
        if (options.Value("connection") is { } cs) { psi.ArgumentList.Add("--connection"); psi.ArgumentList.Add(cs); }
        using var child = Process.Start(psi)!;
        var drainOut = child.StandardOutput.ReadToEndAsync();
        var drainErr = child.StandardError.ReadToEndAsync();
        try
        {
            var samples = new List<long>();
            for (var t = 0; t < seconds && !child.HasExited; t++)
            {
                await Task.Delay(1000);
                if (t >= seconds / 2 && Status(child.Id, "VmRSS") is { } rss) samples.Add(rss);
            }
            if (child.HasExited || samples.Count == 0)
            {
                Console.WriteLine($"rss: serve exited early ({child.ExitCode}): {await drainErr}{await drainOut}");
                return 1;
            }
            Console.WriteLine($"serve_idle_rss: store={(options.Value("connection") is null ? "none" : "postgresql")} after_s={seconds} rss_mb={samples[^1] / 1024.0:F1} " +
                              $"min_mb={samples.Min() / 1024.0:F1} max_mb={samples.Max() / 1024.0:F1} peak_mb={(Status(child.Id, "VmHWM") ?? 0) / 1024.0:F1}");
            return 0;
        }
        finally
        {
            if (!child.HasExited) child.Kill();
            await child.WaitForExitAsync();
        }
    }

    private static long? Status(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        catch (IOException) { return null; }
    }

    private static async Task DummyAsync(int runs, string scratch)
    {
        var executor = ResourceExecutor.Create(AgentHost.Local("bench"));
        var wall = new List<double>();
        var agent = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var p = Primitive.Create($"bench-dummy-{Environment.ProcessId}-{i}", "ocf:heartbeat:Dummy", ValueMap.Of(("state", Path.Combine(scratch, $"d{i}.state"))));
            var clock = Stopwatch.StartNew();
            var start = await executor.ExecuteAsync(ActionRequest.For(p, Operations.Start));
            wall.Add(clock.Elapsed.TotalMilliseconds);
            agent.Add(start.DurationMs);
            await executor.ExecuteAsync(ActionRequest.For(p, Operations.Stop));
        }
        Print("dummy_start", wall, $"(agent process {Median(agent):F1} ms median)");
    }

    private static async Task IpAddr2Async(int runs)
    {
        var ns = "hat-bench" + Environment.ProcessId % 10000;
        try
        {
            await Sh($"ip netns add {ns} && ip netns exec {ns} ip link set lo up && ip netns exec {ns} ip link add hat0 type veth peer name hat1 && ip netns exec {ns} ip addr add 10.77.201.1/24 dev hat0 && ip netns exec {ns} ip link set hat0 up && ip netns exec {ns} ip link set hat1 up");
            var executor = ResourceExecutor.Create(AgentHost.Local("bench").InNetworkNamespace(ns));
            var wall = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                var vip = Primitive.Create($"bench-vip-{i}", "ocf:heartbeat:IPaddr2", ValueMap.Of(("ip", "10.77.201.10"), ("cidr_netmask", "24"), ("nic", "hat0")));
                var clock = Stopwatch.StartNew();
                var start = await executor.ExecuteAsync(ActionRequest.For(vip, Operations.Start));
                wall.Add(clock.Elapsed.TotalMilliseconds);
                if (!start.Succeeded) { Console.WriteLine($"ipaddr2_start: failed: {start}"); return; }
                await executor.ExecuteAsync(ActionRequest.For(vip, Operations.Stop));
            }
            Print("ipaddr2_start", wall);
        }
        finally
        {
            await Sh($"ip netns delete {ns} 2>/dev/null || true");
        }
    }

    private static async Task SshFenceAsync(int runs, string scratch, string lab)
    {
        var port = FreePort();
        var hv = Path.Combine(scratch, "hv");
        var key = Path.Combine(scratch, "client");
        await Sh($"ssh-keygen -q -t ed25519 -N '' -f {key} && {lab}/sshd-up.sh {hv} 127.0.0.1 {port} {key}.pub");
        try
        {
            var domains = Path.Combine(hv, "domains");
            Directory.CreateDirectory(domains);
            var primitive = Primitive.Create("bench-fence", "stonith:external/libvirt", ValueMap.Of(
                ("hostlist", "bench-node"), ("hypervisor_uri", $"qemu+ssh://root@127.0.0.1:{port}/system"),
                ("identity_file", key), ("known_hosts_file", Path.Combine(hv, "known_hosts"))));
            var timeout = TimeSpan.FromSeconds(20);

            var fresh = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                await File.WriteAllTextAsync(Path.Combine(domains, "bench-node"), "running\n");
                await using var device = LibvirtSshFenceDevice.Create(primitive);
                var clock = Stopwatch.StartNew();
                var r = await device.ExecuteAsync("bench-node", FenceActions.Off, timeout);
                fresh.Add(clock.Elapsed.TotalMilliseconds);
                if (!r.Succeeded) { Console.WriteLine($"ssh_fence: failed: {r.Reason}"); return; }
            }
            Print("ssh_fence_off_fresh_connection", fresh, "(connect + key exchange + one exec: destroy; domstate)");

            await using var reusedDevice = LibvirtSshFenceDevice.Create(primitive);
            await reusedDevice.ExecuteAsync("bench-node", FenceActions.Status, timeout);
            var reused = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                await File.WriteAllTextAsync(Path.Combine(domains, "bench-node"), "running\n");
                var clock = Stopwatch.StartNew();
                var r = await reusedDevice.ExecuteAsync("bench-node", FenceActions.Off, timeout);
                reused.Add(clock.Elapsed.TotalMilliseconds);
                if (!r.Succeeded) { Console.WriteLine($"ssh_fence: failed: {r.Reason}"); return; }
            }
            Print("ssh_fence_off_reused_connection", reused, $"(one exec: destroy; domstate; {reusedDevice.ConnectionsOpened} connection for {runs + 1} actions)");
        }
        finally
        {
            await Sh($"{lab}/sshd-down.sh {hv}");
        }
    }

    private static void Print(string name, List<double> ms, string note = "") =>
        Console.WriteLine($"{name}: runs={ms.Count} median_ms={Median(ms):F1} min_ms={ms.Min():F1} max_ms={ms.Max():F1} {note}".TrimEnd());

    private static double Median(List<double> values)
    {
        var s = values.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static string? FindLab(string? given)
    {
        if (given is not null) return Directory.Exists(given) ? Path.GetFullPath(given) : null;
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var lab = Path.Combine(dir.FullName, "lab", "hypervisor");
                if (File.Exists(Path.Combine(lab, "sshd-up.sh"))) return lab;
            }
        }
        return null;
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static async Task Sh(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"'{command}' exited {p.ExitCode}: {await err}");
    }
}

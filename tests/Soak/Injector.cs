using System.Text.RegularExpressions;
using LabSupport;

namespace Soak;

/// <summary>A fault as it was injected: when (observer time), on what, how, and the task of its end (heal, restart...).</summary>
public sealed record Injected(PlannedFault Fault, TimeSpan At, DateTimeOffset WallClock, string Target, string Detail, Task End);

/// <summary>
/// Injects the plan's faults into the lab with the lab's own commands (./ha lab kill|cut|heal|runtime|hypervisor|store
/// ...), and the admin's commands through a node's HTTP API. Targets are chosen among what the observer sees (a node is
/// healthy when its machine runs, its link is up and its runtime runs), never from the product's status; the controller
/// is the node of the log's latest election.
/// </summary>
public sealed partial class Injector(Lab lab, SoakObserver observer, AdminClient admin, StoreReader store, IReadOnlyList<Watched> primitives, TextWriter log)
{
    public async Task<Injected> InjectAsync(PlannedFault f)
    {
        var seen = observer.Latest;
        var healthy = seen.Nodes.Where(n => n.Alive && n.LinkUp && n.Runtime).Select(n => n.Node).Order().ToList();
        if (healthy.Count == 0) healthy = lab.Nodes.ToList();
        string Pick(IReadOnlyList<string> from, int salt = 0) => from[(f.Pick + salt) % from.Count];
        var at = observer.Now;
        var wall = DateTimeOffset.UtcNow;
        switch (f.Kind)
        {
            case FaultKind.NodeCrash:
            {
                var node = Pick(healthy);
                await RunAsync("kill", node);
                return new(f, at, wall, node, $"machine crashed (it held: {Held(seen, node)})", Task.CompletedTask);
            }
            case FaultKind.ControllerCrash:
            {
                var node = await store.ControllerAsync() is { } c && healthy.Contains(c) ? c : Pick(healthy);
                await RunAsync("kill", node);
                return new(f, at, wall, node, $"the controller's machine crashed (it held: {Held(seen, node)})", Task.CompletedTask);
            }
            case FaultKind.LinkCut:
            {
                var node = Pick(healthy);
                await RunAsync("cut", node);
                return new(f, at, wall, node, $"link cut, healed after {f.Hold.TotalSeconds:F1} s unless fenced first (it held: {Held(seen, node)})",
                    AfterAsync(f.Hold, async () => { if (!LinkUp(node)) await RunAsync("heal", node); }));
            }
            case FaultKind.RuntimeKill:
            {
                var node = Pick(healthy);
                // The machine's boot (its PID 1) when the runtime was killed: a runtime is started again only on that same
                // boot. A machine fenced meanwhile boots with a runtime of its own, which a second one would double.
                var boot = lab.TiniPid(node);
                await RunAsync("runtime", "kill", node);
                return new(f, at, wall, node, $"runtime killed, started again after {f.Hold.TotalSeconds:F1} s unless the machine was fenced first (it held: {Held(seen, node)})",
                    AfterAsync(f.Hold, async () =>
                    {
                        var now = observer.Latest.Nodes.Single(n => n.Node == node);
                        try
                        {
                            if (boot is not null && lab.TiniPid(node) == boot && now.Alive && !now.Runtime) await RunAsync("runtime", "start", node);
                            else log.WriteLine($"soak: fault {f.Index}: {node} was fenced and booted with a runtime of its own");
                        }
                        catch (InvalidOperationException) when (lab.TiniPid(node) != boot)
                        {
                            // Fenced between the look and the start: the fence's boot starts its own runtime.
                            log.WriteLine($"soak: fault {f.Index}: {node} was fenced while its runtime was being started again");
                        }
                    }));
            }
            case FaultKind.FenceRefusing:
            {
                var node = Pick(healthy);
                var how = f.Variant % 2 == 0 ? "kill" : "cut";
                await RunAsync("hypervisor", "refuse");
                await RunAsync(how, node);
                return new(f, at, wall, node, $"the fence device refuses for {f.Hold.TotalSeconds:F1} s; {node} {(how == "kill" ? "crashed" : "cut off")} meanwhile (it held: {Held(seen, node)})",
                    AfterAsync(f.Hold, () => RunAsync("hypervisor", "accept")));
            }
            case FaultKind.StorePrimaryLoss:
            {
                var status = await lab.StoreStatusAsync();
                var leader = status.Leader ?? throw new InvalidOperationException("the store has no leader:\n" + status.Text);
                var how = f.Variant % 2 == 0 ? "kill" : "cut";
                await RunAsync("store", how, leader);
                return new(f, at, wall, leader, $"store primary {(how == "kill" ? "killed" : "cut off")}, back after {f.Hold.TotalSeconds:F1} s",
                    AfterAsync(f.Hold, () => RunAsync("store", "heal", leader)));
            }
            case FaultKind.ResourceFailure:
                return await ResourceFailureAsync(f, seen, at, wall);
            case FaultKind.AdminCommand:
                return await AdminCommandAsync(f, seen, healthy, at, wall);
            default:
                throw new ArgumentOutOfRangeException(nameof(f));
        }
    }

    /// <summary>A primitive fails behind its agent's back on the node that runs it: apache killed, a VIP removed, a Dummy's state lost.</summary>
    private async Task<Injected> ResourceFailureAsync(PlannedFault f, Observation seen, TimeSpan at, DateTimeOffset wall)
    {
        var candidates = primitives.Where(p => p.Id != "apache-fs").ToList();
        for (var k = 0; k < candidates.Count; k++)
        {
            var w = candidates[(f.Variant + k) % candidates.Count];
            var holder = seen.Nodes.FirstOrDefault(n => n.Alive && n.Runtime && w.ActiveOn(n));
            if (holder is null) continue;
            var script = w.Id switch
            {
                "apache-service" => "pkill -KILL -x apache2",
                _ when w.How.StartsWith("VIP ", StringComparison.Ordinal) => $"ip addr del {w.How[4..]}/24 dev eth0",
                _ => $"rm -f /run/resource-agents/Dummy-{w.Id}.state",
            };
            var r = await lab.ShellAsync(holder.Node, script);
            if (!r.Succeeded && !w.ActiveOn(observer.Latest.Nodes.Single(n => n.Node == holder.Node)))
            {
                // It moved away between the look and the act (a transition in progress): the next candidate.
                log.WriteLine($"soak: fault {f.Index}: {w.Id} left {holder.Node} before it could be failed there");
                continue;
            }
            if (!r.Succeeded) throw new InvalidOperationException(r.ToString());
            var id = w.Group ?? w.Id;
            return new(f, at, wall, $"{w.Id}@{holder.Node}", $"`{script}` on {holder.Node}; once recovered, the admin's cleanup of {id}",
                CleanupWhenWholeAsync(id));
        }
        return new(f, at, wall, "-", "nothing was active to fail", Task.CompletedTask);
    }

    /// <summary>
    /// An admin's command in the middle of a transition: the Apache group moved to another node, and while it moves a
    /// second command (a node put in standby, every failure cleaned up, a Dummy's parameter edited, or a second move);
    /// after the fault's hold the move's constraint is cleared and the node put back online.
    /// </summary>
    private async Task<Injected> AdminCommandAsync(PlannedFault f, Observation seen, IReadOnlyList<string> healthy, TimeSpan at, DateTimeOffset wall)
    {
        var holder = seen.Nodes.FirstOrDefault(n => n.Alive && n.Addresses.Contains(Lab.Vip))?.Node;
        var others = healthy.Where(n => n != holder).ToList();
        if (others.Count == 0) others = healthy.ToList();
        var to = others[f.Pick % others.Count];
        await admin.OnAnyNodeAsync(healthy, http => AdminClient.PostAsync(http, "api/v1/resources/apache-group/move", new { node = to }));
        await Task.Delay(TimeSpan.FromMilliseconds(100 + f.Variant % 400));
        string second;
        string? standby = null;
        switch (f.Variant % 4)
        {
            case 0:
                var candidates = healthy.Where(n => n != to).ToList();
                standby = candidates[f.Pick / 7 % candidates.Count];
                await admin.OnAnyNodeAsync(healthy, http => AdminClient.PostAsync(http, $"api/v1/nodes/{standby}/standby"));
                second = $"{standby} put in standby";
                break;
            case 1:
                await admin.OnAnyNodeAsync(healthy, http => AdminClient.PostAsync(http, "api/v1/cluster/cleanup"));
                second = "every failure cleaned up";
                break;
            case 2:
                var dummy = $"{Judge.DummyPrefix}{1 + f.Pick % primitives.Count(p => p.Id.StartsWith(Judge.DummyPrefix, StringComparison.Ordinal))}";
                await admin.OnAnyNodeAsync(healthy, http => AdminClient.EditObjectAsync(http, dummy, text => FakeParameter().Replace(text, $"fake={f.Index}")));
                second = $"{dummy}'s parameter fake set to {f.Index}";
                break;
            default:
                var third = healthy.Where(n => n != to && n != holder).ToList();
                var again = third.Count > 0 ? third[f.Pick % third.Count] : holder ?? to;
                await admin.OnAnyNodeAsync(healthy, http => AdminClient.PostAsync(http, "api/v1/resources/apache-group/move", new { node = again }));
                second = $"moved again, to {again}";
                break;
        }
        return new(f, at, wall, $"apache-group→{to}", $"apache-group moved from {holder ?? "nowhere"} to {to}; meanwhile {second}; after {f.Hold.TotalSeconds:F1} s cleared{(standby is null ? "" : $", {standby} online")}",
            AfterAsync(f.Hold, async () =>
            {
                var live = observer.Latest.Nodes.Where(n => n.Alive && n.LinkUp && n.Runtime).Select(n => n.Node).ToList();
                await admin.OnAnyNodeAsync(live, http => AdminClient.PostAsync(http, "api/v1/resources/apache-group/clear"));
                if (standby is not null) await admin.OnAnyNodeAsync(live, http => AdminClient.PostAsync(http, $"api/v1/nodes/{standby}/online"));
            }));
    }

    private Task CleanupWhenWholeAsync(string id) => Task.Run(async () =>
    {
        var until = observer.Now + Faults.BaseBound;
        while (observer.Now < until && Judge.NotWhole(observer.Latest, Judge.PageServedAt(observer.PagesSince(observer.Now - TimeSpan.FromSeconds(1)), observer.Now), primitives) is not null)
            await Task.Delay(250);
        var live = observer.Latest.Nodes.Where(n => n.Alive && n.LinkUp && n.Runtime).Select(n => n.Node).ToList();
        await admin.OnAnyNodeAsync(live, http => AdminClient.PostAsync(http, $"api/v1/resources/{id}/cleanup"));
    });

    private Task AfterAsync(TimeSpan delay, Func<Task> then) => Task.Run(async () =>
    {
        await Task.Delay(delay);
        await then();
    });

    private bool LinkUp(string node) => ProcFs.ReadOrNull($"/sys/class/net/{Lab.HostLink(node)}/operstate")?.Trim() == "up";

    private string Held(Observation seen, string node)
    {
        var n = seen.Nodes.Single(s => s.Node == node);
        var held = primitives.Where(p => p.ActiveOn(n)).Select(p => p.Id).ToList();
        return held.Count == 0 ? "nothing" : string.Join(", ", held);
    }

    private async Task RunAsync(params string[] args)
    {
        var r = await lab.RunLabAsync(args, null, TimeSpan.FromSeconds(90));
        if (!r.Succeeded) throw new InvalidOperationException(r.ToString());
    }

    [GeneratedRegex(@"fake=\S+")]
    private static partial Regex FakeParameter();
}

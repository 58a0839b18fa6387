using System.Text.Json;
using System.Text.RegularExpressions;
using Cib.Domain;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Transitions;
using Cib.Projections.Store;
using LabSupport;
using Marten;

namespace Lab.Tests;

/// <summary>
/// The product proving itself: two lab nodes running ha-node, the Apache group (IPaddr2, Filesystem on the
/// shared disk, apache) with SSH fencing through the stand-in hypervisor, and an observer that trusts only
/// what it sees from outside (HTTP on the VIP, each node's addresses, mounts and processes).
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly LabCluster _cluster = new();

    public async Task InitializeAsync()
    {
        if (LabSupport.Lab.IsRoot) await _cluster.UpAsync(2);
    }

    public async Task DisposeAsync()
    {
        if (LabSupport.Lab.IsRoot) await _cluster.DisposeAsync();
    }

    [LabFact]
    public async Task A_crashed_node_is_fenced_and_the_group_is_served_again_from_the_survivor()
    {
        await using var observer = Observer.Start(_cluster.Lab);
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(90)), "the page is never served\n" + await LogAsync());
        var active = HolderOfVip(observer.Snapshot());
        var survivor = active == "node1" ? "node2" : "node1";
        await AssertGroupStartedInOrderAsync(active, after: 0);

        var crashAt = observer.Now;
        await _cluster.Lab.KillAsync(active);
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(90)), "the page is never served again\n" + await LogAsync());
        var events = await EventsAsync();

        var lost = Single<NodeLost>(events, e => e.Node == active);
        var requested = First<FencingRequested>(events, e => e.Target == active, after: lost.Sequence);
        var fenced = Single<NodeFenced>(events, e => e.Target == active);
        Assert.Equal("fence-virt", fenced.Event.Device);
        Assert.Equal(survivor, fenced.Event.ExecutedBy);
        Assert.True(requested.Sequence < fenced.Sequence);
        await AssertGroupStartedInOrderAsync(survivor, after: fenced.Sequence);

        // The fenced node boots again, rejoins, and the group stays where it is (stickiness).
        var rejoined = await UntilAsync(async () => (await EventsAsync()).FirstOrDefault(e => e.Event is NodeJoined j && j.Node == active && e.Sequence > fenced.Sequence),
            "the fenced node rejoins");
        await UntilAsync(async () => (await EventsAsync()).FirstOrDefault(e => e.Event is TransitionCompleted && e.Sequence > rejoined.Sequence), "the cluster settles after the rejoin");
        Assert.Equal(survivor, HolderOfVip(observer.Snapshot()));

        var timeline = await observer.StopAsync();
        Assert.True(timeline.DoubleHoldings().Count == 0, "held twice: " + string.Join("; ", timeline.DoubleHoldings()));
        var outage = timeline.FirstFailedAfter(crashAt);
        Assert.NotNull(outage);
        var servedAgain = timeline.FirstServedAfter(outage!.SentAt);
        Assert.NotNull(servedAgain);
        output.WriteLine($"crash -> served again: {(servedAgain!.AnsweredAt!.Value - crashAt).TotalMilliseconds:F0} ms; observer {timeline.SamplesPerSecond:F1} samples/s, largest gap {timeline.LargestSampleGap.TotalMilliseconds:F0} ms");
        await AssertReplaysAsync();
        await AssertAuditedAsync(active, survivor, fenced.Event);
    }

    /// <summary>
    /// What an auditor sees of the failover (issue 12), through hactl and the survivor's API as an auditor: one node-lost
    /// incident for the crashed node with its fence (device, executor, result, the duration the log records) and the
    /// group's starts on the survivor, recovered; <c>hactl explain</c> of the transition that started them replays it as
    /// recorded and shows the group placed on the survivor with the crashed node ruled out. Both outputs go to the log.
    /// </summary>
    private async Task AssertAuditedAsync(string crashed, string survivor, NodeFenced fence)
    {
        var hactl = await AuditorOnAsync(survivor);
        // The stored history is written by the active controller a second or so behind: --current folds the rest.
        var incidents = await UntilAsync(async () =>
        {
            var r = await hactl("history", "failovers", "--current", "--format", "json");
            Assert.True(r.Succeeded, r.ToString());
            var all = JsonDocument.Parse(r.Output).RootElement.GetProperty("items").EnumerateArray().Select(i => i.Clone()).ToList();
            return all.Any(i => i.GetProperty("status").GetString() == "recovered") ? all : null;
        }, "the failover is listed, recovered");
        var table = await hactl("history", "failovers", "--resource", "apache-group", "--current");
        output.WriteLine("$ hactl history failovers --resource apache-group --current\n" + table.Output);
        Assert.True(table.Succeeded, table.ToString());
        Assert.Contains($"node-lost  {crashed}", table.Output);
        var json = await hactl("history", "failovers", "--current", "--format", "json");
        output.WriteLine("$ hactl history failovers --current --format json\n" + json.Output);

        var incident = Assert.Single(incidents);
        Assert.Equal(("node-lost", crashed, "recovered"), (Text(incident, "trigger"), Text(incident, "subject"), Text(incident, "status")));
        Assert.Equal(("fence-virt", survivor, "succeeded", fence.DurationMs),
            (Text(incident, "fenceDevice"), Text(incident, "fenceExecutor"), Text(incident, "fenceResult"), incident.GetProperty("fenceDurationMs").GetInt64()));
        var recovery = incident.GetProperty("recovery").EnumerateArray()
            .Select(a => (Resource: Text(a, "resource"), Operation: Text(a, "operation"), Node: Text(a, "node"), Result: Text(a, "result"), Transition: Text(a, "transitionId")))
            .ToList();
        Assert.Equal([("apache-ip", "start", survivor, "succeeded"), ("apache-fs", "start", survivor, "succeeded"), ("apache-service", "start", survivor, "succeeded")],
            recovery.Select(a => (a.Resource, a.Operation, a.Node, a.Result)));
        Assert.Equal(["apache-fs", "apache-group", "apache-ip", "apache-service"], incident.GetProperty("resources").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
        Assert.True(incident.GetProperty("timeToRecoveryMs").GetInt64() > 0);

        var transition = recovery[^1].Transition!;
        Assert.Contains(transition, incident.GetProperty("transitions").EnumerateArray().Select(t => t.GetString()));
        var explain = await hactl("explain", transition, "--resource", "apache-group");
        output.WriteLine($"$ hactl explain {transition} --resource apache-group\n" + explain.Output);
        Assert.True(explain.Succeeded, explain.ToString());
        Assert.Contains("replayed from its inputs: the same transition", explain.Output);
        var lines = explain.Output.Split('\n');
        foreach (var member in new[] { "apache-ip", "apache-fs", "apache-service" })
        {
            Assert.Contains(lines, l => l.TrimStart().StartsWith($"* {member} on {survivor}:", StringComparison.Ordinal));
            // The crashed node: not chosen, and the check that ruled it out named.
            var at = Array.FindIndex(lines, l => l.Trim().StartsWith($"{member} on {crashed}:", StringComparison.Ordinal));
            Assert.True(at >= 0, $"no score of {member} on {crashed}:\n{explain.Output}");
            Assert.Contains(lines.Skip(at + 1).TakeWhile(l => l.StartsWith("        ", StringComparison.Ordinal)), l => l.Contains("ruled out by", StringComparison.Ordinal));
        }
    }

    private static string? Text(JsonElement e, string name) => e.GetProperty(name).GetString();

    private delegate Task<CommandResult> Hactl(params string[] args);

    /// <summary>
    /// The API on <paramref name="node"/>, as the lab runs it for people (its tests leave it out), and an auditor created
    /// on the store host (as the first admin is) logged in to it with hactl: returns a runner of hactl as that auditor.
    /// </summary>
    private async Task<Hactl> AuditorOnAsync(string node)
    {
        var lab = _cluster.Lab;
        var dir = Path.Combine(lab.StateDirectory, "nodes", node, "auditor");
        Directory.CreateDirectory(dir);
        var log = Path.Combine(dir, "api.log");
        var api = Path.Combine(lab.Root, "src", "Audit.Api", "bin", "Release", "net10.0", "Audit.Api");
        var hactl = Path.Combine(lab.Root, "src", "HaCtl", "bin", "Release", "net10.0", "hactl");
        var started = await lab.ShellAsync(node,
            $"HA_CONNECTION=\"$(cat '{lab.StateDirectory}/store-url.api')\" setsid '{api}' --Api:DataDir='{dir}/api' >>'{log}' 2>&1 </dev/null &");
        Assert.True(started.Succeeded, started.ToString());
        var fingerprint = await UntilAsync(async () => File.Exists(log) && Regex.Match(await File.ReadAllTextAsync(log), "SHA-256 ([0-9A-F:]+)") is { Success: true } m
            ? m.Groups[1].Value : null, $"the API on {node} starts", 60);

        var password = Path.Combine(dir, "password");
        await File.WriteAllTextAsync(password, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)) + "\n");
        var environment = new Dictionary<string, string> { ["HA_HACTL_CONFIG"] = Path.Combine(dir, "hactl.json"), ["HA_CONNECTION"] = lab.StoreUrl };
        Task<CommandResult> Shell(string script) => Command.RunAsync("/bin/bash", ["-c", script], environment);
        var added = await Shell($"'{hactl}' user add auditor --role auditor --store < '{password}'");
        Assert.True(added.Succeeded, added.ToString());
        await UntilAsync(async () => await Shell($"'{hactl}' login --url https://{LabSupport.Lab.Address(node)}:7630 --user auditor --fingerprint {fingerprint} < '{password}'")
            is { Succeeded: true } r ? r : null, $"hactl logs in to the API on {node}", 60);
        return args => Command.RunAsync(hactl, args, environment);
    }

    [LabFact]
    public async Task A_partitioned_node_is_fenced_and_the_group_moves()
    {
        await using var observer = Observer.Start(_cluster.Lab);
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(90)), "the page is never served\n" + await LogAsync());
        var active = HolderOfVip(observer.Snapshot());
        var survivor = active == "node1" ? "node2" : "node1";

        var cutAt = observer.Now;
        await _cluster.Lab.CutAsync(active);
        var fenced = await UntilAsync(async () => (await EventsAsync()).FirstOrDefault(e => e.Event is NodeFenced f && f.Target == active), "the cut node is fenced");
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(90)), "the page is never served again\n" + await LogAsync());
        await AssertGroupStartedInOrderAsync(survivor, after: fenced.Sequence);

        var timeline = await observer.StopAsync();
        Assert.True(timeline.DoubleHoldings().Count == 0, "held twice: " + string.Join("; ", timeline.DoubleHoldings()));
        var outage = timeline.FirstFailedAfter(cutAt);
        Assert.NotNull(outage);
        output.WriteLine($"cut -> served again: {(timeline.FirstServedAfter(outage!.SentAt)!.AnsweredAt!.Value - cutAt).TotalMilliseconds:F0} ms");
        await AssertReplaysAsync();
    }

    [LabFact]
    public async Task A_killed_apache_is_restarted_in_place_and_moves_after_migration_threshold_failures()
    {
        await using var observer = Observer.Start(_cluster.Lab);
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(90)), "the page is never served\n" + await LogAsync());
        var active = HolderOfVip(observer.Snapshot());
        var other = active == "node1" ? "node2" : "node1";

        // Start from a clean slate, as an admin would (crm resource cleanup): nothing earlier counts.
        await using (var session = _cluster.Store.LightweightSession())
        {
            foreach (var rsc in new[] { "apache-ip", "apache-fs", "apache-service" })
                session.Events.Append(StreamIds.Resource(rsc), new FailCountCleared(rsc, null, Actor.User("admin"), "cleanup before the test", DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }
        await UntilAsync(async () => (await EventsAsync()).LastOrDefault(e => e.Event is TransitionCompleted or TransitionPlanned) is { Event: TransitionCompleted } c ? c : null,
            "the cluster settles");
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(60)));
        active = HolderOfVip(observer.Snapshot());
        other = active == "node1" ? "node2" : "node1";

        // The lab configuration has migration-threshold=3: two failures restart apache where it is, the third moves the group.
        for (var failure = 1; failure <= 3; failure++)
        {
            var before = (await EventsAsync()).Max(e => e.Sequence);
            await _cluster.Lab.ExecAsync(active, "pkill", "-9", "apache2");
            var failed = await UntilAsync(async () => (await EventsAsync()).FirstOrDefault(e => e.Sequence > before
                && e.Event is ResourceOperationFailed { Resource: "apache-service", Operation: "monitor" } f && f.Node == active), $"failure {failure} is reported");
            var expected = failure < 3 ? active : other;
            await UntilAsync(async () => (await EventsAsync()).FirstOrDefault(e => e.Sequence > failed.Sequence
                && e.Event is ResourceOperationSucceeded { Resource: "apache-service", Operation: "start" } ok && ok.Node == expected), $"after failure {failure} apache starts on {expected}");
            Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(60)), $"the page is not served after failure {failure}\n" + await LogAsync());
        }
        Assert.Equal(other, HolderOfVip(observer.Snapshot()));
        Assert.Empty(await EventsOfAsync<NodeFenced>());

        var timeline = await observer.StopAsync();
        Assert.True(timeline.DoubleHoldings().Count == 0, "held twice: " + string.Join("; ", timeline.DoubleHoldings()));
        await AssertReplaysAsync();
    }

    private static string HolderOfVip(Timeline t) =>
        t.Samples.Last().Nodes.Where(n => n.Alive && n.HoldsVip).Select(n => n.Node).Single();

    /// <summary>IP, then file system, then apache, each started on the node (after the given sequence), in that order.</summary>
    private async Task AssertGroupStartedInOrderAsync(string node, long after)
    {
        var starts = await UntilAsync(async () =>
        {
            var events = await EventsAsync();
            var s = new[] { "apache-ip", "apache-fs", "apache-service" }
                .Select(r => events.FirstOrDefault(e => e.Sequence > after && e.Event is ResourceOperationSucceeded { Operation: "start" } ok && ok.Resource == r && ok.Node == node))
                .ToList();
            return s.All(x => x is not null) ? s : null;
        }, $"the group starts on {node}");
        Assert.True(starts[0]!.Sequence < starts[1]!.Sequence && starts[1]!.Sequence < starts[2]!.Sequence,
            $"start order on {node}: {string.Join(", ", starts.Select(s => s!.Sequence))}");
    }

    private Task<List<T>> EventsOfAsync<T>() => _cluster.EventsOfAsync<T>();
    private Task<IReadOnlyList<Logged>> EventsAsync() => _cluster.EventsAsync();
    private Task AssertReplaysAsync() => _cluster.AssertReplaysAsync();
    private Task<string> LogAsync() => _cluster.LogAsync();
    private Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, int seconds = 90) where T : class => _cluster.UntilAsync(probe, what, seconds);
    private static Logged<T> Single<T>(IReadOnlyList<Logged> events, Func<T, bool> match) => LabCluster.Single(events, match);
    private static Logged<T> First<T>(IReadOnlyList<Logged> events, Func<T, bool> match, long after) => LabCluster.First(events, match, after);
}

[CollectionDefinition(Name)]
public sealed class FailoverCollection
{
    public const string Name = "failover in the lab";
}

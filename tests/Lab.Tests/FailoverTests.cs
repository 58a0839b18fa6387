using Cib.Domain;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Transitions;
using Cib.Projections.Cluster;
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
    private readonly LabSupport.Lab _lab = new();
    private DocumentStore? _store;

    public async Task InitializeAsync()
    {
        if (!LabSupport.Lab.IsRoot) return;
        await _lab.UpAsync(2, database: $"ha_e2e_{Guid.NewGuid():N}"[..20]);
        await SchemaMigrations.ApplyAsync(_lab.StoreUrl);
        _store = CibStore.Create(_lab.StoreUrl);
        var text = await File.ReadAllTextAsync(Path.Combine(_lab.StateDirectory, "apache-cluster.crm"));
        var loaded = await new ConfigurationLoader(_store).LoadAsync(text, LoadMode.Replace, CommandMetadata.For(Actor.User("admin")));
        Assert.True(loaded.Errors.Count == 0, string.Join("; ", loaded.Errors));
    }

    public async Task DisposeAsync()
    {
        if (!LabSupport.Lab.IsRoot) return;
        _store?.Dispose();
        await _lab.DownAsync();
    }

    [LabFact]
    public async Task A_crashed_node_is_fenced_and_the_group_is_served_again_from_the_survivor()
    {
        await using var observer = Observer.Start(_lab);
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(90)), "the page is never served\n" + await LogAsync());
        var active = HolderOfVip(observer.Snapshot());
        var survivor = active == "node1" ? "node2" : "node1";
        await AssertGroupStartedInOrderAsync(active, after: 0);

        var crashAt = observer.Now;
        await _lab.KillAsync(active);
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
    }

    [LabFact]
    public async Task A_partitioned_node_is_fenced_and_the_group_moves()
    {
        await using var observer = Observer.Start(_lab);
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(90)), "the page is never served\n" + await LogAsync());
        var active = HolderOfVip(observer.Snapshot());
        var survivor = active == "node1" ? "node2" : "node1";

        var cutAt = observer.Now;
        await _lab.CutAsync(active);
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
        await using var observer = Observer.Start(_lab);
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(90)), "the page is never served\n" + await LogAsync());
        var active = HolderOfVip(observer.Snapshot());
        var other = active == "node1" ? "node2" : "node1";

        // Start from a clean slate, as an admin would (crm resource cleanup): nothing earlier counts.
        await using (var session = _store!.LightweightSession())
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
            await _lab.ExecAsync(active, "pkill", "-9", "apache2");
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

    private async Task<List<T>> EventsOfAsync<T>() => (await EventsAsync()).Select(e => e.Event).OfType<T>().ToList();

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

    private async Task AssertReplaysAsync()
    {
        var (count, mismatches) = await Planning.ReplayAsync(_store!);
        Assert.True(count > 0);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Select(m =>
            $"{m.TransitionId}:\n recorded {System.Text.Json.JsonSerializer.Serialize(m.Recorded)}\n replayed {System.Text.Json.JsonSerializer.Serialize(m.Replayed)}")) + "\n" + await LogAsync());
    }

    private sealed record Logged(long Sequence, DateTimeOffset At, object Event);

    private sealed record Logged<T>(long Sequence, T Event);

    private async Task<IReadOnlyList<Logged>> EventsAsync()
    {
        await using var session = _store!.QuerySession();
        var all = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync();
        return all.Select(e => new Logged(e.Sequence, e.Timestamp, e.Data)).ToList();
    }

    private static Logged<T> Single<T>(IReadOnlyList<Logged> events, Func<T, bool> match) =>
        events.Where(e => e.Event is T t && match(t)).Select(e => new Logged<T>(e.Sequence, (T)e.Event)).Single();

    private static Logged<T> First<T>(IReadOnlyList<Logged> events, Func<T, bool> match, long after) =>
        events.Where(e => e.Sequence > after && e.Event is T t && match(t)).Select(e => new Logged<T>(e.Sequence, (T)e.Event)).First();

    private async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, int seconds = 90) where T : class
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            if (await probe() is { } found) return found;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"never happened: {what}\n" + await LogAsync());
    }

    private async Task<string> LogAsync()
    {
        var events = await EventsAsync();
        return string.Join("\n", events.Select(e => $"{e.Sequence,5} {e.At:HH:mm:ss.fff} {e.Event}"));
    }
}

[CollectionDefinition(Name)]
public sealed class FailoverCollection
{
    public const string Name = "failover in the lab";
}

using Cib.Domain.Controller;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Projections.Store;
using LabSupport;

namespace Lab.Tests;

/// <summary>
/// The product across a failover of its replicated store (issue 14; docs/safety.md): two lab nodes serving the Apache
/// group with fencing on, the store three members (Patroni + etcd, decision 0014); the store's primary is killed. The
/// observer outside the product probes the page and each node's addresses, mounts and processes: the page stays served,
/// no node is lost or fenced, nothing stops, a controller is elected on the new primary, and a resource an admin adds
/// after the failover is started. The primary is killed (its machine crashes) or cut off from everyone (it keeps running,
/// isolated, and demotes itself when it cannot renew its leader key).
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class StoreFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly LabCluster _cluster = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (LabSupport.Lab.IsRoot) await _cluster.DisposeAsync();
    }

    [LabFact]
    public Task The_store_primary_killed_while_the_group_is_served_stops_nothing_fences_nobody_and_the_cluster_goes_on() =>
        StoreFailoverAsync("kill");

    [LabFact]
    public Task The_store_primary_cut_off_from_everyone_while_the_group_is_served_stops_nothing_fences_nobody_and_the_cluster_goes_on() =>
        StoreFailoverAsync("cut");

    private async Task StoreFailoverAsync(string fault)
    {
        await _cluster.UpAsync(2, replicatedStore: true);
        await using var observer = Observer.Start(_cluster.Lab);
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(120)), "the page is never served\n" + await _cluster.LogAsync() + "\n" + _cluster.NodeLogs());
        await _cluster.UntilAsync(async () => (await _cluster.EventsAsync()).LastOrDefault(e => e.Event is Cib.Domain.Transitions.TransitionCompleted or Cib.Domain.Transitions.TransitionPlanned)
            is { Event: Cib.Domain.Transitions.TransitionCompleted } c ? c : null, "the cluster settles");
        var holder = observer.Snapshot().Samples.Last().Nodes.Single(n => n.Alive && n.HoldsVip).Node;
        var before = await _cluster.Lab.StoreStatusAsync();
        var leader = before.Leader ?? throw new Xunit.Sdk.XunitException("no store leader\n" + before.Text);
        var head = await _cluster.HeadAsync();
        var electedBefore = (await _cluster.EventsOfAsync<ControllerElected>()).Max(e => e.Term);

        var killAt = observer.Now;
        await _cluster.Lab.StoreAsync(fault, leader);

        // An admin's change after the failover (a new Dummy resource: the cluster must start it), appended through the
        // multi-host connection string of ./ha and the tests once a primary takes it.
        var appended = await _cluster.UntilAsync(async () =>
        {
            try
            {
                var loaded = await new Cib.Interop.Crm.ConfigurationLoader(_cluster.Store).LoadAsync(
                    "primitive after-failover ocf:heartbeat:Dummy op monitor interval=10s timeout=20s", Cib.Interop.Crm.LoadMode.Update,
                    CommandMetadata.For(Actor.User("admin")));
                Assert.Empty(loaded.Errors);
                return (object)observer.Now;
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException or Marten.Exceptions.MartenCommandException)
            {
                return null;
            }
        }, "an admin's change is appended after the failover", 60);
        var resumed = (TimeSpan)appended - killAt;
        var elected = await _cluster.UntilAsync(async () => (await _cluster.EventsOfAsync<ControllerElected>()).FirstOrDefault(e => e.Term > electedBefore),
            "a controller is elected on the new primary", 60);
        var started = await _cluster.UntilEventAsync(e => e is ResourceOperationSucceeded { Resource: "after-failover", Operation: "start" }, head,
            "the resource added after the failover is started", 60);
        await _cluster.UntilEventAsync(e => e is Cib.Domain.Transitions.TransitionCompleted, started.Sequence, "its transition completes", 60);
        // Past the nodes' lease and the grace after the store's return: whatever would be lost is lost by now.
        await Task.Delay(TimeSpan.FromSeconds(20));

        var timeline = await observer.StopAsync();
        var after = await _cluster.Lab.StoreStatusAsync();
        output.WriteLine(before.Text + "\n" + after.Text);
        var events = (await _cluster.EventsAsync()).Where(e => e.Sequence > head).ToList();
        output.WriteLine($"store primary {leader} {(fault == "kill" ? "killed" : "cut off")}; appends resumed after {resumed.TotalMilliseconds:F0} ms; controller term {elected.Term} on {elected.Node}; " +
                         $"observer {timeline.ProbesPerSecond:F1} probes/s; {events.Count} events after the kill");
        var failed = timeline.Probes.Where(p => p.SentAt >= killAt && !p.Served).ToList();
        Assert.True(failed.Count == 0, $"the page failed {failed.Count} times after the {fault}: {string.Join("; ", failed.Take(10))}\n{timeline.Describe()}");
        Assert.DoesNotContain(events, e => e.Event is NodeLost or FencingRequested or NodeFenced);
        Assert.DoesNotContain(events, e => e.Event is ResourceOperationSucceeded { Operation: "stop" } or ResourceOperationFailed);
        Assert.True(timeline.DoubleHoldings().Count == 0, "held twice: " + string.Join("; ", timeline.DoubleHoldings()));
        Assert.Equal(holder, timeline.Samples.Last().Nodes.Single(n => n.Alive && n.HoldsVip).Node);
        Assert.NotEqual(leader, after.Leader);
        await _cluster.AssertReplaysAsync();
    }

    [LabFact]
    public async Task A_node_crashing_during_a_store_failover_is_fenced_and_its_group_recovered_once_the_store_is_back()
    {
        await _cluster.UpAsync(2, replicatedStore: true);
        await using var observer = Observer.Start(_cluster.Lab);
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(120)), "the page is never served\n" + await _cluster.LogAsync() + "\n" + _cluster.NodeLogs());
        await SettledAsync();
        var holder = observer.Snapshot().Samples.Last().Nodes.Single(n => n.Alive && n.HoldsVip).Node;
        var survivor = _cluster.Lab.Nodes.Single(n => n != holder);
        var leader = (await _cluster.Lab.StoreStatusAsync()).Leader ?? throw new Xunit.Sdk.XunitException("no store leader");
        var head = await _cluster.HeadAsync();

        // The node serving the group and the store's primary crash at the same moment: nobody can record the node's
        // loss, fence it or start anything until a new primary takes writes.
        await _cluster.Lab.KillAsync(holder);
        await _cluster.Lab.StoreAsync("kill", leader);

        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(180)),
            "the page is never served again\n" + await _cluster.LogAsync() + "\n" + _cluster.NodeLogs());
        var fenced = await _cluster.UntilEventAsync(e => e is NodeFenced f && f.Target == holder, head, $"{holder} is fenced", 60);
        var timeline = await observer.StopAsync();
        var events = (await _cluster.EventsAsync()).Where(e => e.Sequence > head).ToList();
        output.WriteLine($"{holder} and store primary {leader} killed together; {events.Count} events after; page back: {timeline.Describe()}");

        var lost = Assert.Single(events, e => e.Event is NodeLost);
        Assert.Equal(holder, ((NodeLost)lost.Event).Node);
        Assert.DoesNotContain(events, e => e.Event is FencingRequested f && f.Target == survivor);
        // Fencing first, then the recovery: no start on the survivor before the crashed node is known to be off.
        var firstStart = events.First(e => e.Event is ResourceOperationSucceeded { Operation: "start" } s && s.Node == survivor);
        Assert.True(fenced.Sequence < firstStart.Sequence, $"started at {firstStart.Sequence} before the fence at {fenced.Sequence}");
        Assert.True(timeline.DoubleHoldings().Count == 0, "held twice: " + string.Join("; ", timeline.DoubleHoldings()));
        Assert.Equal(survivor, timeline.Samples.Last().Nodes.Single(n => n.Alive && n.HoldsVip).Node);
        await _cluster.AssertReplaysAsync();
    }

    [LabFact]
    public async Task The_whole_store_down_past_the_bound_applies_no_quorum_policy_and_the_cluster_recovers_by_itself_once_it_is_back()
    {
        // A short bound, so the test waits seconds for it: past it, no-quorum-policy (stop) applies on every node.
        var bound = TimeSpan.FromSeconds(3);
        await _cluster.UpAsync(2, storeOutageBound: bound, replicatedStore: true);
        await using var observer = Observer.Start(_cluster.Lab);
        Assert.True(await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(120)), "the page is never served\n" + await _cluster.LogAsync() + "\n" + _cluster.NodeLogs());
        await SettledAsync();
        var head = await _cluster.HeadAsync();
        var members = new[] { "s1", "s2", "s3" };

        foreach (var member in members) await _cluster.Lab.StoreAsync("cut", member);
        var stopped = await observer.WaitForPageAsync(false, TimeSpan.FromSeconds(60));
        var whileDown = observer.Snapshot();
        Assert.True(stopped, "the page is still served with the whole store away past the bound\n" + whileDown.Describe() + "\n" + _cluster.NodeLogs());
        // Give the nodes the time to finish stopping before the store returns.
        await Task.Delay(TimeSpan.FromSeconds(10));
        Assert.All(observer.Snapshot().Samples.Last().Nodes, n => Assert.False(n.HoldsVip || n.HoldsMount || n.ApacheProcesses > 0, $"{n} still holds the group"));

        foreach (var member in members) await _cluster.Lab.StoreAsync("heal", member);
        if (!await observer.WaitForPageAsync(true, TimeSpan.FromSeconds(180)))
            Assert.Fail("the page is never served again after the store is back\n" + await _cluster.LogAsync() + "\n" + _cluster.NodeLogs());
        await SettledAsync();
        var timeline = await observer.StopAsync();
        var events = (await _cluster.EventsAsync()).Where(e => e.Sequence > head).ToList();
        output.WriteLine($"whole store cut; {events.Count} events after; {timeline.Describe()}");

        // The stops the nodes made by themselves while the store was away reach the log afterwards (their outboxes),
        // and a store that comes back is no reason to fence anyone.
        Assert.Contains(events, e => e.Event is ResourceOperationSucceeded { Operation: "stop" });
        Assert.DoesNotContain(events, e => e.Event is NodeLost or FencingRequested);
        Assert.True(timeline.DoubleHoldings().Count == 0, "held twice: " + string.Join("; ", timeline.DoubleHoldings()));
        await _cluster.AssertReplaysAsync();
    }

    private Task SettledAsync() =>
        _cluster.UntilAsync(async () => (await _cluster.EventsAsync()).LastOrDefault(e => e.Event is Cib.Domain.Transitions.TransitionCompleted or Cib.Domain.Transitions.TransitionPlanned)
            is { Event: Cib.Domain.Transitions.TransitionCompleted } c ? c : null, "the cluster settles", 120);
}

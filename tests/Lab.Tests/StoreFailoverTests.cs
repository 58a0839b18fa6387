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
/// after the failover is started.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class StoreFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly LabCluster _cluster = new();

    public async Task InitializeAsync()
    {
        if (LabSupport.Lab.IsRoot) await _cluster.UpAsync(2, replicatedStore: true);
    }

    public async Task DisposeAsync()
    {
        if (LabSupport.Lab.IsRoot) await _cluster.DisposeAsync();
    }

    [LabFact]
    public async Task The_store_primary_killed_while_the_group_is_served_stops_nothing_fences_nobody_and_the_cluster_goes_on()
    {
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
        await _cluster.Lab.StoreAsync("kill", leader);

        // An admin's change after the failover (a new Dummy resource: the cluster must start it), appended through the
        // same multi-host connection string once a primary takes it.
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
        output.WriteLine($"store primary {leader} killed; appends resumed after {resumed.TotalMilliseconds:F0} ms; controller term {elected.Term} on {elected.Node}; " +
                         $"observer {timeline.ProbesPerSecond:F1} probes/s; {events.Count} events after the kill");
        var failed = timeline.Probes.Where(p => p.SentAt >= killAt && !p.Served).ToList();
        Assert.True(failed.Count == 0, $"the page failed {failed.Count} times after the kill: {string.Join("; ", failed.Take(10))}\n{timeline.Describe()}");
        Assert.DoesNotContain(events, e => e.Event is NodeLost or FencingRequested or NodeFenced);
        Assert.DoesNotContain(events, e => e.Event is ResourceOperationSucceeded { Operation: "stop" } or ResourceOperationFailed);
        Assert.True(timeline.DoubleHoldings().Count == 0, "held twice: " + string.Join("; ", timeline.DoubleHoldings()));
        Assert.Equal(holder, timeline.Samples.Last().Nodes.Single(n => n.Alive && n.HoldsVip).Node);
        Assert.NotEqual(leader, after.Leader);
        await _cluster.AssertReplaysAsync();
    }
}

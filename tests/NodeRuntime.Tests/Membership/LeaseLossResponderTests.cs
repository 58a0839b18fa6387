using Cib.Domain;
using Cib.Domain.Operations;
using Microsoft.Extensions.Time.Testing;
using NodeRuntime.Execution;
using NodeRuntime.Membership;
using NodeRuntime.Tests.Support;

namespace NodeRuntime.Tests.Membership;

/// <summary>The policy acted out with the real Dummy agent: a fake clock and a switchable "store reachable".</summary>
public sealed class LeaseLossResponderTests : IDisposable
{
    private readonly Scratch _scratch = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
    private readonly SwitchableStore _store = new();
    private readonly StoreSink _log;

    public LeaseLossResponderTests() => _log = new StoreSink(_store);

    private (LeaseLossResponder Responder, LocalResources Resources, OutboxEventSink Outbox) Build(NoQuorumPolicy policy)
    {
        var resources = new LocalResources(TestExecutors.Local(_clock), _clock);
        var outbox = new OutboxEventSink(_log);
        var monitors = new RecurringMonitors(resources, outbox, _clock);
        var watch = new LeaseWatch(TimeSpan.FromSeconds(1), policy, _clock.GetUtcNow());
        return (new LeaseLossResponder(watch, _store, resources, monitors, outbox, _clock), resources, outbox);
    }

    [Fact]
    public async Task Policy_stop_stops_every_local_resource_for_real_and_reports_it_after_reconnecting()
    {
        var (responder, resources, outbox) = Build(NoQuorumPolicy.Stop);
        var a = _scratch.Dummy("a");
        var b = _scratch.Dummy("b", "ocf:pacemaker:Dummy");
        Assert.True((await resources.ExecuteAsync(ActionRequest.For(a, Operations.Start))).Succeeded);
        Assert.True((await resources.ExecuteAsync(ActionRequest.For(b, Operations.Start))).Succeeded);

        await LoseStoreAsync(responder);

        Assert.False(File.Exists(a.Params["state"]), "a was stopped by its agent");
        Assert.False(File.Exists(b.Params["state"]), "b was stopped by its agent");
        Assert.Empty(resources.Running);
        Assert.Equal(2, outbox.Pending);
        Assert.Empty(_log.Events);
        Assert.False((await resources.ExecuteAsync(ActionRequest.For(a, Operations.Start))).Succeeded, "nothing starts while the lease is lost");

        _store.Reachable = true;
        Assert.IsType<LeaseDecision.Recover>(await responder.CheckAsync());
        var stops = _log.Events.Cast<ResourceOperationSucceeded>().ToList();
        Assert.Equal([(b.Id, "stop"), (a.Id, "stop")], stops.Select(s => (s.Resource, s.Operation)));
        Assert.Equal(0, outbox.Pending);
        Assert.True((await resources.ExecuteAsync(ActionRequest.For(a, Operations.Start))).Succeeded, "starts are allowed again");
        await resources.ExecuteAsync(ActionRequest.For(a, Operations.Stop));
    }

    [Fact]
    public async Task Policy_freeze_keeps_resources_running_and_refuses_new_starts_until_reconnection()
    {
        var (responder, resources, _) = Build(NoQuorumPolicy.Freeze);
        var running = _scratch.Dummy("run");
        var other = _scratch.Dummy("new");
        await resources.ExecuteAsync(ActionRequest.For(running, Operations.Start));

        await LoseStoreAsync(responder);

        Assert.True(File.Exists(running.Params["state"]), "a frozen node keeps its resources");
        Assert.Equal(OcfRc.Success, (await resources.ExecuteAsync(ActionRequest.Probe(running))).Rc);
        var refused = await resources.ExecuteAsync(ActionRequest.For(other, Operations.Start));
        Assert.Equal((false, OperationStatus.Cancelled), (refused.Succeeded, refused.Status));
        Assert.Contains("no-quorum-policy=freeze", refused.ExitReason);
        Assert.False(File.Exists(other.Params["state"]));
        Assert.True((await resources.ExecuteAsync(ActionRequest.For(running, Operations.Stop))).Succeeded, "stops are still allowed");

        _store.Reachable = true;
        await responder.CheckAsync();
        Assert.True((await resources.ExecuteAsync(ActionRequest.For(other, Operations.Start))).Succeeded);
        await resources.ExecuteAsync(ActionRequest.For(other, Operations.Stop));
    }

    [Fact]
    public async Task Policy_ignore_changes_nothing_but_still_keeps_events_for_later()
    {
        var (responder, resources, outbox) = Build(NoQuorumPolicy.Ignore);
        var dummy = _scratch.Dummy("ign");
        await resources.ExecuteAsync(ActionRequest.For(dummy, Operations.Start));

        await LoseStoreAsync(responder);
        Assert.True(File.Exists(dummy.Params["state"]));
        var started = await resources.ExecuteAsync(ActionRequest.For(_scratch.Dummy("ign2"), Operations.Start));
        Assert.True(started.Succeeded);
        await outbox.AppendAsync(started.ToEvent());
        Assert.Empty(_log.Events);

        _store.Reachable = true;
        await responder.CheckAsync();
        Assert.Single(_log.Events);
        foreach (var p in resources.Running) await resources.ExecuteAsync(ActionRequest.For(p, Operations.Stop));
    }

    private async Task LoseStoreAsync(LeaseLossResponder responder)
    {
        _store.Reachable = true;
        Assert.IsType<LeaseDecision.Carry>(await responder.CheckAsync());
        _store.Reachable = false;
        _clock.Advance(TimeSpan.FromMilliseconds(600));
        Assert.IsType<LeaseDecision.Carry>(await responder.CheckAsync());
        _clock.Advance(TimeSpan.FromMilliseconds(600));
        Assert.IsType<LeaseDecision.ApplyPolicy>(await responder.CheckAsync());
    }

    public void Dispose() => _scratch.Dispose();

    private sealed class SwitchableStore : IStoreReachability
    {
        public volatile bool Reachable = true;
        public Task<bool> IsReachableAsync(CancellationToken ct = default) => Task.FromResult(Reachable);
    }

    /// <summary>The store side: refuses appends while "unreachable", like a dead connection would.</summary>
    private sealed class StoreSink(SwitchableStore store) : IEventSink
    {
        public List<ICibEvent> Events { get; } = [];
        public Task AppendAsync(ICibEvent @event, CancellationToken ct = default)
        {
            if (!store.Reachable) throw new IOException("store unreachable");
            Events.Add(@event);
            return Task.CompletedTask;
        }
    }
}

using NodeRuntime.Controller;
using NodeRuntime.Membership;
using Cib.Domain;
using Cib.Domain.Operations;
using Cib.Projections.Store;
using Microsoft.Extensions.Time.Testing;
using NodeRuntime.Execution;
using NodeRuntime.Tests.Support;
using TestSupport;

namespace NodeRuntime.Tests.Membership;

/// <summary>
/// The policy acted out with the real Dummy agent and a fake clock. Contact is what the lease renewals report; the
/// store side of the outbox refuses appends while "unreachable". The first test renews against a real socket that
/// never answers: the decision must not wait for it.
/// </summary>
public sealed class LeaseLossResponderTests : IAsyncDisposable
{
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(1);
    private readonly Scratch _scratch = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
    private readonly StoreSink _log = new();
    private readonly List<OutboxEventSink> _outboxes = [];

    private (LeaseLossResponder Responder, LocalResources Resources, OutboxEventSink Outbox) Build(NoQuorumPolicy policy)
    {
        var resources = new LocalResources(TestExecutors.Local(_clock), _clock);
        var outbox = new OutboxEventSink(_log, _clock);
        _outboxes.Add(outbox);
        var monitors = new RecurringMonitors(resources, outbox, _clock);
        var watch = new LeaseWatch(LeaseTimeout, policy, _clock.GetUtcNow());
        return (new LeaseLossResponder(watch, resources, monitors, outbox, _clock), resources, outbox);
    }

    [Fact]
    public async Task A_renewal_that_never_answers_does_not_hold_the_policy_back()
    {
        var (responder, resources, _) = Build(NoQuorumPolicy.Stop);
        var dummy = _scratch.Dummy("cut");
        Assert.True((await resources.ExecuteAsync(ActionRequest.For(dummy, Operations.Start))).Succeeded);

        // The lease renews against a peer that takes the connection and never answers (a dead link).
        using var silent = new SilentPeer();
        await using var db = StoreDataSource.Create(silent.ConnectionString);
        var lease = new NodeLease(db, "node-test", _clock, renewalDeadline: LeaseTimeout);
        lease.Renewed += responder.Contact;
        using var stop = new CancellationTokenSource();
        var renewing = Task.Run(() => lease.RunAsync(LeaseTimeout / 4, stop.Token));
        await Eventually.True(() => Task.FromResult(silent.Accepted > 0), "the lease connects to the silent peer");

        var start = _clock.GetUtcNow();
        LeaseDecision decision = LeaseDecision.Nothing;
        var checks = 0;
        while (decision is LeaseDecision.Carry && checks++ < 100)
        {
            _clock.Advance(LeaseWatch.CheckInterval(LeaseTimeout));
            decision = await responder.CheckAsync();
        }

        var applied = Assert.IsType<LeaseDecision.ApplyPolicy>(decision);
        Assert.InRange(_clock.GetUtcNow() - start, LeaseTimeout, LeaseTimeout + LeaseWatch.CheckInterval(LeaseTimeout));
        Assert.Equal(start, applied.LastContact);
        Assert.Null(lease.LastRenewed);
        Assert.False(File.Exists(dummy.Params["state"]), "the Dummy was stopped by its agent");
        Assert.Empty(resources.Running);
        await stop.CancelAsync();
        await renewing;
    }

    [Fact]
    public async Task Policy_stop_stops_every_local_resource_last_started_first_and_reports_it_after_reconnecting()
    {
        var (responder, resources, outbox) = Build(NoQuorumPolicy.Stop);
        var b = _scratch.Dummy("b");
        var a = _scratch.Dummy("a", "ocf:pacemaker:Dummy");
        var c = _scratch.Dummy("c");
        foreach (var p in new[] { b, a, c })
            Assert.True((await resources.ExecuteAsync(ActionRequest.For(p, Operations.Start))).Succeeded);

        await LoseStoreAsync(responder);

        foreach (var p in new[] { a, b, c }) Assert.False(File.Exists(p.Params["state"]), $"{p.Id} was stopped by its agent");
        Assert.Empty(resources.Running);
        Assert.Equal(3, outbox.Pending);
        Assert.Empty(_log.Events);
        Assert.False((await resources.ExecuteAsync(ActionRequest.For(a, Operations.Start))).Succeeded, "nothing starts while the lease is lost");

        _log.Reachable = true;
        responder.Contact(_clock.GetUtcNow());
        Assert.IsType<LeaseDecision.Recover>(await responder.CheckAsync());
        await outbox.FlushAsync();
        var stops = _log.Events.Cast<ResourceOperationSucceeded>().ToList();
        Assert.Equal([(c.Id, "stop"), (a.Id, "stop"), (b.Id, "stop")], stops.Select(s => (s.Resource, s.Operation)));
        Assert.Equal(0, outbox.Pending);
        Assert.True((await resources.ExecuteAsync(ActionRequest.For(a, Operations.Start))).Succeeded, "starts are allowed again");
        await resources.ExecuteAsync(ActionRequest.For(a, Operations.Stop));
    }

    [Fact]
    public async Task A_start_already_running_when_the_lease_is_lost_ends_and_is_stopped_too()
    {
        var (responder, resources, _) = Build(NoQuorumPolicy.Stop);
        var slow = _scratch.Dummy("slow", "ocf:pacemaker:Dummy", ("op_sleep", "1"));
        responder.Contact(_clock.GetUtcNow());
        await responder.CheckAsync();

        // The start (1 s: op_sleep) is registered before its first await: it is in flight when the policy applies.
        var starting = resources.ExecuteAsync(ActionRequest.For(slow, Operations.Start));
        Assert.False(starting.IsCompleted);
        _clock.Advance(LeaseTimeout + TimeSpan.FromMilliseconds(1));
        Assert.IsType<LeaseDecision.ApplyPolicy>(await responder.CheckAsync());

        Assert.True(starting.IsCompleted, "the policy waited for the start in flight");
        Assert.True((await starting).Succeeded);
        Assert.False(File.Exists(slow.Params["state"]), "and then stopped it");
        Assert.Empty(resources.Running);
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

        _log.Reachable = true;
        responder.Contact(_clock.GetUtcNow());
        Assert.IsType<LeaseDecision.Recover>(await responder.CheckAsync());
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

        _log.Reachable = true;
        responder.Contact(_clock.GetUtcNow());
        Assert.IsType<LeaseDecision.Recover>(await responder.CheckAsync());
        await outbox.FlushAsync();
        Assert.Single(_log.Events);
        foreach (var p in resources.Running) await resources.ExecuteAsync(ActionRequest.For(p, Operations.Stop));
    }

    [Fact]
    public async Task Events_wait_in_the_outbox_without_blocking_the_caller_and_go_out_when_the_store_answers_again()
    {
        var (responder, _, outbox) = Build(NoQuorumPolicy.Stop);
        _log.Reachable = false;
        var e = new ResourceOperationSucceeded("x", "node-test", "monitor", 0, 7, new OperationOrigin(null, null), 1, null, null, _clock.GetUtcNow());
        var appended = outbox.AppendAsync(e);
        Assert.True(appended.IsCompleted, "appending never waits on the store");
        await Eventually.True(() => Task.FromResult(outbox.IsOffline), "the failed delivery takes the outbox offline");
        Assert.Equal(1, outbox.Pending);

        // The lease holds (renewals answer) while appends fail: each step tries again.
        _log.Reachable = true;
        responder.Contact(_clock.GetUtcNow());
        Assert.IsType<LeaseDecision.Carry>(await responder.CheckAsync());
        await Eventually.True(() => Task.FromResult(outbox.Pending == 0), "the kept event is delivered");
        Assert.Equal([e], _log.Events);
    }

    private async Task LoseStoreAsync(LeaseLossResponder responder)
    {
        _log.Reachable = true;
        responder.Contact(_clock.GetUtcNow());
        Assert.IsType<LeaseDecision.Carry>(await responder.CheckAsync());
        _log.Reachable = false;
        _clock.Advance(TimeSpan.FromMilliseconds(600));
        Assert.IsType<LeaseDecision.Carry>(await responder.CheckAsync());
        _clock.Advance(TimeSpan.FromMilliseconds(600));
        Assert.IsType<LeaseDecision.ApplyPolicy>(await responder.CheckAsync());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var o in _outboxes) await o.DisposeAsync();
        _scratch.Dispose();
    }

    /// <summary>The store side: refuses appends while "unreachable", like a dead connection would.</summary>
    private sealed class StoreSink : IReportStore
    {
        private readonly List<NodeReport> _reports = [];
        public volatile bool Reachable = true;
        public IReadOnlyList<ICibEvent> Events { get { lock (_reports) return [.. _reports.Select(r => r.Event)]; } }

        public Task AppendAsync(IReadOnlyList<NodeReport> reports, CancellationToken ct = default)
        {
            if (!Reachable) throw new IOException("store unreachable");
            lock (_reports) _reports.AddRange(reports);
            return Task.CompletedTask;
        }

        public Task<IReadOnlySet<Guid>> StoredAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct = default)
        {
            if (!Reachable) throw new IOException("store unreachable");
            lock (_reports) return Task.FromResult<IReadOnlySet<Guid>>(_reports.Select(r => r.Id).Where(ids.Contains).ToHashSet());
        }
    }
}

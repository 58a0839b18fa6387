using Cib.Domain.Resources;
using NodeRuntime.Execution;

namespace NodeRuntime.Membership;

/// <summary>
/// Acts on <see cref="LeaseWatch"/>'s decisions, on a timer of its own that never waits on the store: the lease
/// renewals report each answered round trip (<see cref="Contact"/>, any thread), and every
/// <see cref="LeaseWatch.CheckInterval"/> one step (<see cref="CheckAsync"/>) decides from those reports and the
/// time alone. On lease loss: stop (ride out the store-outage bound frozen, then refuse new starts, let the starts
/// already running end, then stop every local resource, last started first, after cancelling its monitors), freeze
/// (refuse new starts) or ignore. Events go to the
/// outbox, which keeps them while the store is away; on reconnecting, the freeze is lifted and the outbox resumes, so
/// the log learns what happened meanwhile. Nothing in a step touches the store: the stops are local agents, bounded by
/// their stop timeouts, which is what the controller's wait before recovering without fencing is built from
/// (docs/control-loop.md, "Lease loss").
/// </summary>
public sealed class LeaseLossResponder(
    LeaseWatch watch, LocalResources resources, RecurringMonitors monitors, OutboxEventSink outbox, TimeProvider time,
    Func<Primitive, TimeSpan>? stopTimeout = null)
{
    private long _contactTicks = NoContact;
    private const long NoContact = long.MinValue;

    /// <summary>What each step did, for logs and tests.</summary>
    public event Action<LeaseDecision, IReadOnlyList<OperationOutcome>>? Acted;

    public LeaseWatch Watch => watch;

    /// <summary>A store round trip sent at <paramref name="sentAt"/> was answered (thread-safe; the next step reads it).</summary>
    public void Contact(DateTimeOffset sentAt)
    {
        var ticks = sentAt.UtcTicks;
        var seen = Interlocked.Read(ref _contactTicks);
        while (ticks > seen)
        {
            var was = Interlocked.CompareExchange(ref _contactTicks, ticks, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    /// <summary>One step at the current time: feed the watch what was heard since the last step, then act.</summary>
    public async Task<LeaseDecision> CheckAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var decision = LeaseDecision.Nothing;
        var sent = Interlocked.Exchange(ref _contactTicks, NoContact);
        if (sent != NoContact) decision = watch.Contact(new DateTimeOffset(sent, TimeSpan.Zero), now);
        if (decision is LeaseDecision.Carry) decision = watch.Tick(now);

        IReadOnlyList<OperationOutcome> stops = [];
        switch (decision)
        {
            case LeaseDecision.RideOut riding:
                outbox.GoOffline();
                resources.Freeze($"store unreachable since {riding.LastContact:O}: starting nothing until it is back, stopping everything at {riding.Until:O} (store-outage-bound)");
                break;
            case LeaseDecision.ApplyPolicy { Policy: NoQuorumPolicy.Stop } lost:
                outbox.GoOffline();
                resources.Freeze($"lease lost at {lost.LastContact + lost.Unreachable:O} (no-quorum-policy=stop)");
                await resources.StartsSettledAsync();
                stops = await StopEverythingAsync(ct);
                break;
            case LeaseDecision.ApplyPolicy { Policy: NoQuorumPolicy.Freeze } lost:
                outbox.GoOffline();
                resources.Freeze($"lease lost at {lost.LastContact + lost.Unreachable:O} (no-quorum-policy=freeze)");
                break;
            case LeaseDecision.ApplyPolicy:
                outbox.GoOffline();
                break;
            case LeaseDecision.Recover:
                resources.Thaw();
                outbox.Resume();
                break;
            default:
                // Events kept after a failed delivery: try again while the lease holds.
                if (!watch.IsLost && outbox.IsOffline && outbox.Pending > 0) outbox.Resume();
                break;
        }
        Acted?.Invoke(decision, stops);
        return decision;
    }

    /// <summary>Steps every <see cref="LeaseWatch.CheckInterval"/> until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(LeaseWatch.CheckInterval(watch.LeaseTimeout), time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) await CheckAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    private async Task<IReadOnlyList<OperationOutcome>> StopEverythingAsync(CancellationToken ct)
    {
        var outcomes = new List<OperationOutcome>();
        foreach (var p in resources.StopOrder)
        {
            await monitors.StopAsync(p.Id);
            var request = ActionRequest.For(p, Operations.Stop, timeout: stopTimeout?.Invoke(p));
            var outcome = await resources.ExecuteAsync(request, ct);
            await outbox.AppendAsync(outcome.ToEvent(), ct);
            outcomes.Add(outcome);
        }
        return outcomes;
    }
}

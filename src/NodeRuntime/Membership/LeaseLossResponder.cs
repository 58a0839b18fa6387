using NodeRuntime.Execution;

namespace NodeRuntime.Membership;

/// <summary>
/// Acts on <see cref="LeaseWatch"/>'s decisions: on lease loss, stop (stop every local resource, in
/// reverse order of id after stopping their monitors), freeze (refuse new starts) or ignore; while cut
/// off, events go to the outbox; on reconnect, the freeze is lifted and the outbox delivered, so the
/// log learns what happened meanwhile. <see cref="CheckAsync"/> is one step (tests drive it with a fake
/// clock); <see cref="RunAsync"/> repeats it at the check interval.
/// </summary>
public sealed class LeaseLossResponder(
    LeaseWatch watch, IStoreReachability store, LocalResources resources, RecurringMonitors monitors, OutboxEventSink outbox, TimeProvider time)
{
    /// <summary>What each step did, for logs and tests.</summary>
    public event Action<LeaseDecision, IReadOnlyList<OperationOutcome>>? Acted;

    public async Task<LeaseDecision> CheckAsync(CancellationToken ct = default)
    {
        bool reachable;
        try { reachable = await store.IsReachableAsync(ct); }
        catch (Exception e) when (e is not OperationCanceledException) { reachable = false; }

        if (!reachable) outbox.GoOffline();
        var decision = watch.Observe(reachable, time.GetUtcNow());
        IReadOnlyList<OperationOutcome> stops = [];
        switch (decision)
        {
            case LeaseDecision.ApplyPolicy { Policy: NoQuorumPolicy.Stop } lost:
                resources.Freeze($"lease lost at {lost.LastContact + lost.Unreachable:O} (no-quorum-policy=stop)");
                stops = await StopEverythingAsync(ct);
                break;
            case LeaseDecision.ApplyPolicy { Policy: NoQuorumPolicy.Freeze } lost:
                resources.Freeze($"lease lost at {lost.LastContact + lost.Unreachable:O} (no-quorum-policy=freeze)");
                break;
            case LeaseDecision.Recover:
                resources.Thaw();
                await outbox.FlushAsync(ct);
                break;
            default:
                if (reachable && outbox.Pending > 0) await outbox.FlushAsync(ct);
                break;
        }
        Acted?.Invoke(decision, stops);
        return decision;
    }

    public async Task RunAsync(TimeSpan checkInterval, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await CheckAsync(ct);
                await Task.Delay(checkInterval, time, ct);
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task<IReadOnlyList<OperationOutcome>> StopEverythingAsync(CancellationToken ct)
    {
        var outcomes = new List<OperationOutcome>();
        foreach (var p in resources.Running.OrderByDescending(p => p.Id, StringComparer.Ordinal))
        {
            await monitors.StopAsync(p.Id);
            var outcome = await resources.ExecuteAsync(ActionRequest.For(p, Operations.Stop), ct);
            await outbox.AppendAsync(outcome.ToEvent(), ct);
            outcomes.Add(outcome);
        }
        return outcomes;
    }
}

using LabSupport;

namespace Soak;

/// <summary>
/// Waits until the cluster has settled: the service whole at every observation of the last 2 s (every primitive active
/// on exactly one live node, the group together, the page served); every machine up with its link and its runtime; the
/// product's status with quorum and every node online (the soak paces itself by it; the observer judges); after a store
/// fault, every store member up and streaming again. <see cref="LastReason"/> says what was missing when it gave up.
/// </summary>
public sealed class Settler(Lab lab, SoakObserver observer, AdminClient admin, StoreReader store, IReadOnlyList<Watched> primitives, TextWriter log)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    public SoakObserver Observer => observer;
    public string LastReason { get; private set; } = "";

    public async Task<bool> UntilSettledAsync(TimeSpan limit, bool storeFaulted)
    {
        var deadline = observer.Now + limit;
        var since = observer.Now;
        while (observer.Now < deadline)
        {
            await Task.Delay(250);
            if (await WhyNotAsync(since, storeFaulted) is not { } reason) return true;
            LastReason = reason;
        }
        log.WriteLine($"soak: not settled after {limit.TotalSeconds:F0} s: {LastReason}");
        return false;
    }

    private async Task<string?> WhyNotAsync(TimeSpan since, bool storeFaulted)
    {
        var now = observer.Now;
        if (now - since < Quiet) return "not quiet for 2 s yet";
        var samples = observer.SamplesSince(now - Quiet);
        // A page counts for the second after it was sent (Judge.PageServedAt): the probes of that much more.
        var pages = observer.PagesSince(now - Quiet - TimeSpan.FromSeconds(1));
        var series = SoakRun.WholeSeries(samples, pages, primitives);
        if (series.Count < 10) return $"only {series.Count} observations in the last 2 s";
        if (series.FindIndex(s => !s.Whole) is var bad and >= 0)
            return "not whole: " + Judge.NotWhole(samples[bad], Judge.PageServedAt(pages, samples[bad].At), primitives);
        if (samples[^1].Nodes.FirstOrDefault(n => !n.Alive || !n.LinkUp || !n.Runtime) is { } down) return "a machine is not whole: " + down;
        var healthy = samples[^1].Nodes.Select(n => n.Node).ToList();
        try
        {
            var status = await admin.OnAnyNodeAsync(healthy, AdminClient.StatusAsync);
            if (!status.GetProperty("hasQuorum").GetBoolean()) return "the product has no quorum";
            var nodes = status.GetProperty("nodes").EnumerateArray().Select(n => (Name: n.GetProperty("name").GetString(), State: n.GetProperty("state").GetString())).ToList();
            if (nodes.FirstOrDefault(n => n.State != "online") is { Name: not null } off) return $"the product has {off.Name} {off.State}";
        }
        catch (Exception e) when (e is InvalidOperationException or Polly.Timeout.TimeoutRejectedException) { return "no status from the API: " + e.Message; }
        if (storeFaulted)
        {
            var s = await lab.StoreStatusAsync();
            if (s.Members.FirstOrDefault(m => !m.Up || m.Link != "up") is { } m) return $"store member {m.Name} not back";
            if (s.Leader is null || s.SyncStandby is null) return "the store has no leader and sync standby yet";
            if (await store.StreamingReplicasAsync() < s.Members.Count - 1) return "not every store replica streams yet";
        }
        return null;
    }
}

using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Projections.Store;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace Cib.Projections.Cluster;

public sealed record ControllerOptions
{
    /// <summary>How long a lease may go unrenewed before its node is lost (corosync's token).</summary>
    public Duration LeaseTimeout { get; init; } = new(1000);
    /// <summary>How often a standby controller tries to take the role over.</summary>
    public TimeSpan ElectionPoll { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>How often the active controller looks at the leases.</summary>
    public TimeSpan LeaseCheck { get; init; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>
/// The controller role (Pacemaker's DC), hosted in every node runtime and active in one: it follows the whole
/// log in order (configuration, membership, fencing), watches the leases and appends membership changes.
/// Planning and transition execution hang off the same loop.
/// </summary>
public sealed class ClusterController(IDocumentStore store, NpgsqlDataSource db, string connectionString, string node, ControllerOptions options)
{
    public const string ControllerStream = "controller";

    private ClusterConfiguration _configuration = ClusterConfiguration.Empty;
    private MembershipState _membership = MembershipState.Empty;

    public bool IsActive { get; private set; }
    public Exception? LastError { get; private set; }
    public MembershipState Membership => _membership;

    public async Task RunAsync(CancellationToken ct)
    {
        await using var election = new ControllerElection(connectionString);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (await election.TryAcquireAsync(ct)) await LeadAsync(election, ct);
                else await Task.Delay(options.ElectionPoll, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Whatever went wrong, give the role up so that a healthy runtime can take it, and try again.
                LastError = e;
                IsActive = false;
                await election.ReleaseAsync();
                await Task.Delay(options.ElectionPoll, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        IsActive = false;
    }

    private async Task LeadAsync(ControllerElection election, CancellationToken ct)
    {
        var leases = new Leases(db);
        _configuration = ClusterConfiguration.Empty;
        _membership = MembershipState.Empty;
        await using var feed = new EventFeed(store, connectionString);
        await feed.StartAsync(0, ct);
        await CatchUpAsync(feed, ct);

        var term = await NextTermAsync(ct);
        await AppendAsync(ControllerStream, [new ControllerElected(node, term, "took the controller role (advisory lock)", await StoreClock.NowAsync(db, ct))], ct);
        IsActive = true;
        try
        {
            while (!ct.IsCancellationRequested && await election.IsHeldAsync(ct))
            {
                await CatchUpAsync(feed, ct);
                var (observed, now) = await leases.ObserveAsync(ct);
                var decided = MembershipDecider.Decide(new ObserveLeases(observed, _configuration.Nodes.Keys.ToList(), options.LeaseTimeout,
                    _configuration.Options.IsStonithEnabled, now), _membership);
                if (decided.Count > 0 && await election.IsHeldAsync(ct))
                {
                    foreach (var e in decided) await AppendAsync(StreamIds.Node(NodeOf(e)), [e], ct);
                    await CatchUpAsync(feed, ct);
                }
                await feed.WaitAsync(options.LeaseCheck, ct);
            }
        }
        finally
        {
            IsActive = false;
        }
    }

    private async Task CatchUpAsync(EventFeed feed, CancellationToken ct)
    {
        while (true)
        {
            var events = await feed.ReadAsync(await StoreClock.NowAsync(db, ct), ct);
            if (events.Count == 0) return;
            foreach (var e in events) Apply(e);
        }
    }

    private void Apply(IEvent e)
    {
        switch (e.Data)
        {
            case IConfigurationEvent c: _configuration = ConfigurationDecider.Evolve(_configuration, c); break;
            case IStatusEvent s: _membership = MembershipDecider.Evolve(_membership, s); break;
        }
    }

    private async Task<long> NextTermAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(ControllerStream, token: ct);
        return events.Select(e => e.Data).OfType<ControllerElected>().Select(c => c.Term).DefaultIfEmpty(0).Max() + 1;
    }

    private async Task AppendAsync(string stream, IReadOnlyList<IStatusEvent> events, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var actor = Actor.Controller(node);
        ConfigurationWriter.Stamp(session, CommandMetadata.For(actor), null, null);
        session.Events.Append(stream, events.Cast<object>().ToArray());
        await session.SaveChangesAsync(ct);
    }

    private static string NodeOf(IStatusEvent e) => e switch
    {
        NodeJoined j => j.Node,
        NodeLost l => l.Node,
        NodeLeft l => l.Node,
        _ => throw new InvalidOperationException($"{e.GetType().Name} is not a membership event"),
    };
}

using Cib.Domain;
using Cib.Domain.Controller;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Transitions;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Store;
using Npgsql;

using Cib.Projections.Planning;

namespace NodeRuntime.Controller;

public sealed record ControllerOptions
{
    /// <summary>How long a lease may go unrenewed before its node is lost (corosync's token).</summary>
    public Duration LeaseTimeout { get; init; } = new(1000);
    /// <summary>How long the nodes ride out an outage of the store frozen before applying no-quorum-policy (docs/safety.md); the same on every node.</summary>
    public TimeSpan StoreOutageBound { get; init; } = ControllerRules.DefaultStoreOutageBound;
    /// <summary>How often a standby controller tries to take the role over.</summary>
    public TimeSpan ElectionPoll { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>How often the active controller looks at the leases and the transition.</summary>
    public TimeSpan LeaseCheck { get; init; } = TimeSpan.FromMilliseconds(100);
    /// <summary>How long a new controller waits for configured nodes to join before planning (Pacemaker's dc-deadtime).</summary>
    public TimeSpan StartupGrace { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>
    /// With fencing disabled, the margin (clocks, scheduling) added to the time a lost node may take to stop what it ran
    /// (<see cref="NoFencingRecovery"/>) before the controller recovers it elsewhere.
    /// </summary>
    public TimeSpan NoFencingMargin { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>
    /// Fence attempts for one node before giving up (the node then stays unclean, visibly): Pacemaker's stonith-max-attempts
    /// default, 10; with the backoff, about 55 s of a fence device that refuses.
    /// </summary>
    public int MaxFenceAttempts { get; init; } = ControllerRules.DefaultMaxFenceAttempts;
    /// <summary>Wait after the first failed fence; doubles with each further failure (up to 10 s).</summary>
    public TimeSpan FenceRetryBackoff { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>How often, at most, the active controller stores the cluster status when the log moved (<see cref="StoredStatus"/>).</summary>
    public TimeSpan StatusWriteInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Stores the status sooner than <see cref="StatusWriteInterval"/> once this many events came since the last write.</summary>
    public int StatusWriteEvents { get; init; } = 10_000;
    /// <summary>How often the stored history's writer looks whether the log moved (decision 0011).</summary>
    public TimeSpan HistoryPoll { get; init; } = TimeSpan.FromMilliseconds(20);
    /// <summary>Events folded into the stored history per transaction (decision 0011).</summary>
    public int HistoryBatch { get; init; } = 5_000;

    /// <summary>The rules the controller decider applies.</summary>
    public ControllerRules Rules => new(LeaseTimeout, StartupGrace, NoFencingMargin, MaxFenceAttempts, FenceRetryBackoff, StoreOutageBound);
}

/// <summary>
/// The controller role (Pacemaker's DC), hosted in every node runtime and active in one: the process shell around
/// <see cref="ControllerDecider"/>. It holds the election, follows the whole log in order (the feed), watches the leases
/// (membership, <see cref="MembershipDecider"/>), feeds the decider every event and a tick with the store's time, and
/// appends what the decider returns, each append carrying this controller's term (the fencing token).
/// </summary>
public sealed class ClusterController(NpgsqlDataSource db, string connectionString, string node, ControllerOptions options)
{
    private readonly CibEventLog _log = new(db);
    private readonly StoredStatus _stored = new(db);
    private ControllerState _state = ControllerState.Initial(options.Rules);
    /// <summary>
    /// The log folded as a controller that leads nothing folds it (the decider, the status read model, the latest plan):
    /// what is stored, since a successor restores it and goes on as if it had folded the log from sequence 0.
    /// </summary>
    private LogFold _fold = LogFold.Initial(options.Rules);
    private long _storedPosition;
    /// <summary>The position of the fold of the log (written by the control loop, read by the history's writer).</summary>
    private long _foldedPosition;
    private DateTimeOffset _storedAt;
    private long _term;
    /// <summary>The latest plan just appended and its event id, until the feed brings it back into the fold.</summary>
    private StatusSnapshot.PlanRef? _appendedPlan;

    public bool IsActive { get; private set; }
    public Exception? LastError { get; private set; }
    /// <summary>How often the store refused this controller's append because a newer term had been elected (it then stepped down).</summary>
    public int Deposed { get; private set; }
    /// <summary>The term this controller leads (or last led) in.</summary>
    public long Term => _term;
    /// <summary>Ticks taken since this controller last took the role (each after catching up with the log and the leases).</summary>
    public int TicksSinceElected { get; private set; }
    public MembershipState Membership => _fold.Status.Membership;
    public ClusterStatus Status => _fold.Status;
    /// <summary>The position the stored history is current as of, as this controller last wrote it.</summary>
    public long HistoryPosition { get; private set; }
    /// <summary>The last failure to write the stored history (it is tried again a second later).</summary>
    public Exception? HistoryError { get; private set; }
    /// <summary>The log position this controller started from when it last took the role (that of the stored status, or 0).</summary>
    public long RestoredFrom { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        await using var election = new ControllerElection(connectionString, node);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (await election.TryAcquireAsync(ct)) await LeadAsync(election, ct);
                else if (await election.DeposeLostAsync(options.LeaseTimeout.ToTimeSpan(), ct) == 0) await Task.Delay(options.ElectionPoll, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Whatever went wrong (a refused append of a deposed term among it: ControllerDeposedException), give the
                // role up so that a healthy runtime can take it, and try again.
                LastError = e;
                if (e is ControllerDeposedException) Deposed++;
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
        await RestoreAsync(ct);
        TicksSinceElected = 0;
        await using var feed = new EventFeed(db, connectionString);
        await feed.StartAsync(_fold.Position, ct);
        await CatchUpAsync(feed, ct);
        // The new term first: from its append on, the store refuses every append of an older term (the fencing token),
        // and every append of this controller carries this one.
        _term = await NextTermAsync(ct);
        var electedAt = await StoreClock.NowAsync(db, ct);
        var step = ControllerStep.Next(_term, _state.Position, options.Rules);
        var electedId = Guid.CreateVersion7();
        // Refused by the store when another node took this term meanwhile: the role is given up and tried again.
        await _log.AppendElectionAsync(new ControllerElected(node, _term, "took the controller role (advisory lock)", electedAt),
            step.Stamp(Actor.Controller(node), eventId: electedId), ct);
        // A transition left open by the previous controller is over; plan afresh from the log.
        await DecideAsync(new ControllerInput.Elected(node, electedAt, electedId.ToString()), step, ct);
        await CatchUpAsync(feed, ct);
        await StoreStatusAsync(electedAt, force: true, ct);
        IsActive = true;
        // The stored history follows the stored status, off the control loop (decision 0011).
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var history = Task.Run(() => WriteHistoryAsync(leading.Token), CancellationToken.None);
        try
        {
            while (!ct.IsCancellationRequested && await election.IsHeldAsync(ct))
            {
                await CatchUpAsync(feed, ct);
                if (feed.Behind)
                {
                    // An append in flight holds an earlier place in the log: decide nothing on a partial view.
                    await feed.WaitAsync(TimeSpan.FromMilliseconds(20), ct);
                    continue;
                }
                var (observed, now, lastRenewal, lastReturn) = await leases.ObserveAsync(ct);
                var storeBack = LeaseLoss.LatestReturn(lastRenewal, lastReturn, options.LeaseTimeout.ToTimeSpan(), now);
                // The controller's own node is alive by definition while it holds the role: a stalled renewal of
                // its own lease must never make it declare itself lost (no other node could then fence it).
                observed = [.. observed.Select(l => l.Node == node ? l with { RenewedAt = now } : l)];
                var decided = MembershipDecider.Decide(new ObserveLeases(observed, _state.Configuration.Nodes.Keys.ToList(), options.LeaseTimeout,
                    _state.Configuration.Options.IsStonithEnabled, now, storeBack, options.StoreOutageBound), _fold.Status.Membership);
                if (decided.Count > 0)
                {
                    foreach (var e in decided)
                    {
                        var seen = ControllerStep.Next(_term, _state.Position, null);
                        await _log.AppendAsync(StreamIds.Node(NodeOf(e)), [e], seen.Stamp(Actor.Controller(node)), _term, ct);
                    }
                    await CatchUpAsync(feed, ct);
                }
                // The planner sees the status as of the decider's position: both are fed the same events.
                var (configuration, status) = (_state.Configuration, _fold.Status);
                await DecideAsync(new ControllerInput.Tick(now, observed, (asOf, at) => TransitionPlanner.Plan(configuration, status, asOf, at)),
                    ControllerStep.Next(_term, _state.Position, null), ct);
                TicksSinceElected++;
                await StoreStatusAsync(now, force: false, ct);
                await feed.WaitAsync(TickWait(options.LeaseCheck, ControllerDecider.NextWake(_state), now), ct);
            }
        }
        finally
        {
            IsActive = false;
            await leading.CancelAsync();
            await history.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// While this controller leads: folds the log into the stored history (<see cref="StoredHistory"/>) up to the position
    /// its own fold of the log has reached, a prefix its feed saw whole (no holes left: the feed waited for them), as soon
    /// as that position moves (looked at every <see cref="ControllerOptions.HistoryPoll"/>). Its own task: a long catch-up
    /// (a new store over a long log) never holds up a tick. A failure is kept (<see cref="HistoryError"/>) and tried again a
    /// second later.
    /// </summary>
    private async Task WriteHistoryAsync(CancellationToken ct)
    {
        var stored = new StoredHistory(db);
        while (!ct.IsCancellationRequested)
        {
            var wait = options.HistoryPoll;
            try
            {
                var upTo = Volatile.Read(ref _foldedPosition);
                if (upTo > HistoryPosition) HistoryPosition = await stored.CatchUpAsync(upTo, options.HistoryBatch, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                HistoryError = e;
                wait = TimeSpan.FromSeconds(1);
            }
            await Task.Delay(wait, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// How long the loop waits for news before its next tick: the lease check interval, or less when the decider asked to
    /// be woken sooner (<see cref="ControllerDecider.NextWake"/>: a time-bound constraint ends), counted from the store's
    /// <paramref name="now"/> the decider was given, so the tick that follows carries a store time at or after the wake-up.
    /// </summary>
    internal static TimeSpan TickWait(TimeSpan leaseCheck, DateTimeOffset? wake, DateTimeOffset now)
    {
        if (wake is not { } at) return leaseCheck;
        var left = at - now;
        return left <= TimeSpan.Zero ? TimeSpan.Zero : left < leaseCheck ? left : leaseCheck;
    }

    /// <summary>One step of the decider; what it decides is appended in order, as one recorded step (replay compares steps).</summary>
    private async Task DecideAsync(ControllerInput input, ControllerStep step, CancellationToken ct)
    {
        var decision = ControllerDecider.Decide(_state, input);
        _state = decision.State;
        foreach (var (e, cause) in decision.Decisions)
        {
            // A transition's plan is named by its event id (the latest plan is the one a decision refers to).
            var lastPlan = _appendedPlan ?? _fold.LastPlan;
            Guid? id = null;
            if (e is TransitionPlanned planned)
            {
                id = Guid.CreateVersion7();
                _appendedPlan = new StatusSnapshot.PlanRef(planned.TransitionId, id.Value);
            }
            var (stream, meta) = step.Decision(e, cause, lastPlan, Actor.Controller(node), id);
            await _log.AppendAsync(stream, [e], meta, _term, ct);
        }
    }

    /// <summary>
    /// Where a controller taking the role starts: the stored status and the decider's fold stored with it (and the
    /// configuration as of its position), else nothing, from sequence 0. Either way the state after the catch-up is the
    /// fold of the whole log.
    /// </summary>
    private async Task RestoreAsync(CancellationToken ct)
    {
        _fold = LogFold.Initial(options.Rules);
        _appendedPlan = null;
        var stored = await StoreDeadline.RunAsync(_stored.ReadAsync, ControllerElection.CallDeadline, TimeProvider.System, ct);
        if (stored is not null)
        {
            var (configuration, _) = await StoreDeadline.RunAsync(c => ConfigurationReader.LoadAsync(_log, c, atPosition: stored.Position),
                ControllerElection.CallDeadline, TimeProvider.System, ct);
            _fold = LogFold.Restore(stored, options.Rules, configuration);
        }
        _state = _fold.Controller;
        _storedPosition = _fold.Position;
        _foldedPosition = _fold.Position;
        RestoredFrom = _fold.Position;
    }

    /// <summary>
    /// Stores the status and the fold of the log when the log moved since the last write and the interval passed (or enough
    /// events came), fenced by this controller's term: a deposed controller's write is refused and it steps down.
    /// </summary>
    private async Task StoreStatusAsync(DateTimeOffset now, bool force, CancellationToken ct)
    {
        if (_fold.Position <= _storedPosition) return;
        if (!force && now - _storedAt < options.StatusWriteInterval && _fold.Position - _storedPosition < options.StatusWriteEvents) return;
        var snapshot = _fold.Snapshot();
        await StoreDeadline.RunAsync(c => _stored.WriteAsync(snapshot, _term, c), ControllerElection.CallDeadline, TimeProvider.System, ct);
        Volatile.Write(ref _storedPosition, snapshot.Position);
        _storedAt = now;
    }

    private async Task CatchUpAsync(EventFeed feed, CancellationToken ct)
    {
        while (true)
        {
            var events = await feed.ReadAsync(await StoreClock.NowAsync(db, ct), ct);
            if (events.Count == 0) return;
            foreach (var e in events) Apply(e);
            Volatile.Write(ref _foldedPosition, _fold.Position);
        }
    }

    /// <summary>
    /// The fold of the log takes every event (the status read model, the decider as a controller that leads nothing);
    /// the leading decider folds and judges every event too (its Observe).
    /// </summary>
    private void Apply(LoggedEvent e)
    {
        var before = _fold.Controller;
        _fold = _fold.Apply(e.Data, e.Sequence, e.Id);
        // Until it leads, the controller's state is the fold's own: one evolution serves both.
        _state = ReferenceEquals(_state, before) ? _fold.Controller
            : e.Data is ICibEvent c ? ControllerDecider.Decide(_state, new ControllerInput.Logged(c, e.Sequence, e.Id.ToString())).State
            : _state with { Position = e.Sequence };
        if (e.Data is TransitionPlanned planned && planned.TransitionId == _appendedPlan?.TransitionId) _appendedPlan = null;
    }

    private async Task<long> NextTermAsync(CancellationToken ct)
    {
        var events = await _log.FetchStreamAsync(StreamIds.Controller, ct);
        return events.Select(e => e.Data).OfType<ControllerElected>().Select(c => c.Term).DefaultIfEmpty(0).Max() + 1;
    }

    private static string NodeOf(IStatusEvent e) => e switch
    {
        NodeJoined j => j.Node,
        NodeLost l => l.Node,
        NodeLeft l => l.Node,
        _ => throw new InvalidOperationException($"{e.GetType().Name} is not a membership event"),
    };
}

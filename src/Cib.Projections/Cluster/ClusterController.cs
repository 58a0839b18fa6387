using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Transitions;
using Cib.Projections.Policy;
using PlannedAction = Cib.Domain.Transitions.PlannedAction;
using ActionKind = Cib.Domain.Transitions.ActionKind;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;
using Npgsql;

namespace Cib.Projections.Cluster;

public sealed record ControllerOptions
{
    /// <summary>How long a lease may go unrenewed before its node is lost (corosync's token).</summary>
    public Duration LeaseTimeout { get; init; } = new(1000);
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
    /// <summary>Fence attempts for one node before giving up (the node then stays unclean, visibly).</summary>
    public int MaxFenceAttempts { get; init; } = 5;
    /// <summary>Wait after the first failed fence; doubles with each further failure (up to 10 s).</summary>
    public TimeSpan FenceRetryBackoff { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>
/// The controller role (Pacemaker's DC), hosted in every node runtime and active in one. It follows the whole
/// log in order, watches the leases (membership), plans with the policy engine whenever something relevant
/// changed, records each plan as <see cref="TransitionPlanned"/>, and dispatches its actions in dependency
/// order (fence first), advancing on the results the node runtimes append. An unexpected event aborts the
/// transition: nothing new is sent, in-flight actions finish, and a new plan follows.
/// </summary>
public sealed class ClusterController(NpgsqlDataSource db, string connectionString, string node, ControllerOptions options)
{
    public const string ControllerStream = "controller";

    private readonly CibEventLog _log = new(db);
    private ClusterConfiguration _configuration = ClusterConfiguration.Empty;
    private ClusterStatus _status = ClusterStatus.Empty;
    private TransitionProgress? _progress;
    private string? _abortReason;
    private bool _dirty;
    private long _position;
    private long _term;
    private DateTimeOffset _electedAt;
    private bool _startupDone;
    private MembershipState _membershipAtElection = MembershipState.Empty;
    private readonly Dictionary<string, (int Attempts, DateTimeOffset LastFailure)> _fenceFailures = new(StringComparer.Ordinal);
    private readonly HashSet<string> _gaveUp = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _recoverNotBefore = new(StringComparer.Ordinal);

    public bool IsActive { get; private set; }
    public Exception? LastError { get; private set; }
    /// <summary>How often the store refused this controller's append because a newer term had been elected (it then stepped down).</summary>
    public int Deposed { get; private set; }
    /// <summary>The term this controller leads (or last led) in.</summary>
    public long Term => _term;
    public MembershipState Membership => _status.Membership;
    public ClusterStatus Status => _status;

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
        _configuration = ClusterConfiguration.Empty;
        _status = ClusterStatus.Empty;
        _position = 0;
        _progress = null;
        _abortReason = null;
        _fenceFailures.Clear();
        _gaveUp.Clear();
        _recoverNotBefore.Clear();
        await using var feed = new EventFeed(db, connectionString);
        await feed.StartAsync(0, ct);
        await CatchUpAsync(feed, ct);
        _membershipAtElection = _status.Membership;
        // The new term first: from its append on, the store refuses every append of an older term (the fencing token),
        // and every append of this controller carries this one.
        _term = await NextTermAsync(ct);
        _electedAt = await StoreClock.NowAsync(db, ct);
        await _log.AppendAsync(ControllerStream, [new ControllerElected(node, _term, "took the controller role (advisory lock)", _electedAt)],
            AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller(node))), ct);
        // A transition left open by the previous controller is over: its actions may or may not have run,
        // and the log says what did. Plan afresh from the log.
        if (_status.TransitionOpen && _status.CurrentTransition is { } open)
            await AppendAsync(StreamIds.Transition(open), [new TransitionAborted(open, "controller changed", _position, _electedAt)], ct);
        _startupDone = false;
        _dirty = true;
        IsActive = true;
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
                var (observed, now) = await leases.ObserveAsync(ct);
                // The controller's own node is alive by definition while it holds the role: a stalled renewal of
                // its own lease must never make it declare itself lost (no other node could then fence it).
                observed = [.. observed.Select(l => l.Node == node ? l with { RenewedAt = now } : l)];
                var decided = MembershipDecider.Decide(new ObserveLeases(observed, _configuration.Nodes.Keys.ToList(), options.LeaseTimeout,
                    _configuration.Options.IsStonithEnabled, now), _status.Membership);
                if (decided.Count > 0)
                {
                    foreach (var e in decided) await AppendAsync(StreamIds.Node(NodeOf(e)), [e], ct);
                    await CatchUpAsync(feed, ct);
                }
                _startupDone = _startupDone || MembershipDecider.StartupSettled(node, _configuration.Nodes.Keys.ToList(), _membershipAtElection,
                    _status.Membership, observed, options.LeaseTimeout, _electedAt, options.StartupGrace, now);
                await DriveTransitionAsync(now, ct);
                await feed.WaitAsync(options.LeaseCheck, ct);
            }
        }
        finally
        {
            IsActive = false;
        }
    }

    /// <summary>Finish, abort, plan and dispatch: one step of the transition engine.</summary>
    private async Task DriveTransitionAsync(DateTimeOffset now, CancellationToken ct)
    {
        if (!_startupDone) return;

        if (_progress is { } p)
        {
            p = _progress = p.Expire(now);
            if (p.IsSucceeded)
            {
                await AppendAsync(StreamIds.Transition(p.TransitionId), [new TransitionCompleted(p.TransitionId, p.SucceededCount, now)], ct);
                _progress = null;
                _dirty = true;
            }
            else if ((p.HasFailed || _abortReason is not null) && !p.InFlight.Any())
            {
                var reason = _abortReason ?? "an action failed or timed out: " + string.Join(", ",
                    p.States.Where(s => s.Value is ActionState.Failed or ActionState.TimedOut).Select(s => $"{Describe(p.Actions[s.Key])} {s.Value.ToString().ToLowerInvariant()}"));
                await AppendAsync(StreamIds.Transition(p.TransitionId), [new TransitionAborted(p.TransitionId, reason, _position, now)], ct);
                _progress = null;
                _abortReason = null;
                _dirty = true;
            }
        }

        if (_progress is null && _dirty && !Deferred(now))
        {
            _dirty = false;
            var planned = Planning.Plan(_configuration, _status, _position, now);
            if (planned.Actions.Any(a => a.Kind != ActionKind.Pseudo))
            {
                await AppendAsync(StreamIds.Transition(planned.TransitionId), [planned], ct);
                _progress = TransitionProgress.Start(planned);
            }
        }

        if (_progress is { HasFailed: false } current && _abortReason is null)
        {
            var ready = current.Ready();
            if (ready.Count == 0) return;
            var sent = new List<int>();
            foreach (var action in ready)
            {
                if (action.Kind == ActionKind.Pseudo) continue;
                if (await DispatchAsync(current.TransitionId, action, now, ct)) sent.Add(action.ActionId);
            }
            _progress = _progress.Dispatched(sent, now);
        }
    }

    /// <summary>
    /// Reasons to hold planning back for now: recovering a lost node's resources without fencing before that node's own
    /// runtime has surely stopped them (no-quorum-policy; <see cref="NoFencingRecovery"/>).
    /// </summary>
    private bool Deferred(DateTimeOffset now)
    {
        if (_configuration.Options.IsStonithEnabled) return false;
        return _status.Membership.Nodes.Any(n => n.Value is NodeMembership.Unclean && _recoverNotBefore.TryGetValue(n.Key, out var notBefore) && now < notBefore);
    }

    private async Task<bool> DispatchAsync(string transitionId, PlannedAction action, DateTimeOffset now, CancellationToken ct)
    {
        if (action.Kind != ActionKind.Fence)
        {
            await AppendAsync(StreamIds.Transition(transitionId), [new ActionDispatched(transitionId, action.ActionId, action.Node, action.Kind,
                action.Resource, null, action.Operation, action.IntervalMs, action.TimeoutMs, null, now)], ct);
            return true;
        }

        var target = action.Node;
        if (_gaveUp.Contains(target)) return false;
        if (_fenceFailures.TryGetValue(target, out var failed))
        {
            var backoff = TimeSpan.FromMilliseconds(Math.Min(10_000, options.FenceRetryBackoff.TotalMilliseconds * Math.Pow(2, failed.Attempts - 1)));
            if (failed.Attempts >= options.MaxFenceAttempts)
            {
                _gaveUp.Add(target);
                await AppendAsync(StreamIds.Fencing(target), [new FencingFailed($"{transitionId}/{action.ActionId}", target, null,
                    $"giving up after {failed.Attempts} failed attempts: {target} stays unclean and nothing it ran is recovered; fix the fence device and clean up",
                    failed.Attempts, true, now)], ct);
                return false;
            }
            if (now - failed.LastFailure < backoff) return false;
        }

        var attempt = (failed.Attempts) + 1;
        var requestId = $"{transitionId}/{action.ActionId}";
        var device = FenceDevice.All(_configuration).FirstOrDefault(d => d.CanFence(target));
        // Prefer the node where the device is started (its connection to the device is warm), else the first online one.
        var candidates = _status.Membership.OnlineNodes.Where(n => n != target).Order(StringComparer.Ordinal).ToList();
        var executor = candidates.FirstOrDefault(n => device is not null && RunsOn(device.Id, n)) ?? candidates.FirstOrDefault();
        await AppendAsync(StreamIds.Fencing(target), [new FencingRequested(requestId, target, action.Operation, action.Reason, device?.Id, transitionId, attempt, now)], ct);
        if (device is null || executor is null)
        {
            var reason = device is null ? $"no fence device can fence {target}" : $"no online node other than {target} can run fence device {device.Id}";
            await AppendAsync(StreamIds.Fencing(target), [new FencingFailed(requestId, target, device?.Id, reason, attempt, false, now)], ct);
            return true;
        }
        await AppendAsync(StreamIds.Transition(transitionId), [new ActionDispatched(transitionId, action.ActionId, executor, ActionKind.Fence,
            null, target, action.Operation, 0, action.TimeoutMs, requestId, now)], ct);
        return true;
    }

    /// <summary>The last start or stop of the resource on the node was a successful start.</summary>
    private bool RunsOn(string resource, string node)
    {
        var ops = _status.OperationsOf(resource, node);
        var start = ops.GetValueOrDefault(("start", 0L));
        var stop = ops.GetValueOrDefault(("stop", 0L));
        return start is { Succeeded: true } && (stop is null || stop.Sequence < start.Sequence);
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

    private void Apply(LoggedEvent e)
    {
        _position = e.Sequence;
        switch (e.Data)
        {
            case IConfigurationEvent c:
                _configuration = ConfigurationDecider.Evolve(_configuration, c);
                Changed("the configuration changed");
                break;
            case IStatusEvent s:
                _status = _status.Apply(s, e.Sequence);
                Observe(s);
                break;
        }
    }

    /// <summary>Whether an event advances the current transition or is news that calls for a new plan.</summary>
    private void Observe(IStatusEvent e)
    {
        switch (e)
        {
            case ResourceOperationSucceeded ok when _progress is not null && ok.Origin.TransitionId == _progress.TransitionId && ok.Origin.ActionId is { } id:
                _progress = _progress.Completed(ok.Origin.TransitionId, id, true);
                break;
            case ResourceOperationFailed bad when _progress is not null && bad.Origin.TransitionId == _progress.TransitionId && bad.Origin.ActionId is { } id:
                _progress = _progress.Completed(bad.Origin.TransitionId, id, false);
                break;
            case ResourceOperationSucceeded { Origin.TransitionId: null }:
                // A recurring monitor's recovery, or a probe at join: a new fact about where things run.
                Changed($"{Describe(e)}");
                break;
            case ResourceOperationFailed bad:
                Changed($"{bad.Resource} {bad.Operation} failed on {bad.Node}");
                break;
            case NodeFenced f:
                _fenceFailures.Remove(f.Target);
                _gaveUp.Remove(f.Target);
                // The fence this transition asked for: the plan already holds what follows it (the recovery, ordered
                // after the fence), so the transition goes on, as Pacemaker's does: no abort, no waiting for its other
                // actions in flight, no new plan. A fence of any other origin is news.
                if (!CompleteFence(f.RequestId, true)) Changed($"{f.Target} was fenced");
                break;
            case FencingFailed { GaveUp: false } f:
                var previous = _fenceFailures.GetValueOrDefault(f.Target);
                _fenceFailures[f.Target] = (Math.Max(previous.Attempts, f.Attempt), f.At);
                CompleteFence(f.RequestId, false);
                break;
            case NodeLost lost:
                // What the node may still run, and the starts it may still be running, as of its loss: the bound on its own stops.
                _recoverNotBefore[lost.Node] = lost.At + NoFencingRecovery.Wait(lost.Node, _configuration, _status, _progress?.InFlight ?? [],
                    options.LeaseTimeout.ToTimeSpan(), options.NoFencingMargin);
                if (_progress is not null) _progress = _progress.NodeLost(lost.Node);
                Changed($"{lost.Node} was lost");
                break;
            case NodeJoined or NodeLeft:
                Changed($"membership changed ({e.GetType().Name} {NodeOf(e)})");
                break;
            case FailCountCleared c:
                Changed($"failures of {c.Resource} cleared");
                break;
        }
    }

    /// <summary>Completes the current transition's fence action this request belongs to; false when it belongs to none.</summary>
    private bool CompleteFence(string requestId, bool succeeded)
    {
        if (_progress is null) return false;
        var slash = requestId.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(requestId[(slash + 1)..], out var id)) return false;
        var before = _progress;
        _progress = _progress.Completed(requestId[..slash], id, succeeded);
        return !ReferenceEquals(before, _progress);
    }

    private void Changed(string why)
    {
        _dirty = true;
        if (_progress is not null && !_progress.IsFinished) _abortReason ??= why;
    }

    private async Task<long> NextTermAsync(CancellationToken ct)
    {
        var events = await _log.FetchStreamAsync(ControllerStream, ct);
        return events.Select(e => e.Data).OfType<ControllerElected>().Select(c => c.Term).DefaultIfEmpty(0).Max() + 1;
    }

    /// <summary>Appends as the controller of this term: refused by the store (<see cref="ControllerDeposedException"/>) once a newer term exists.</summary>
    private async Task AppendAsync(string stream, IReadOnlyList<IStatusEvent> events, CancellationToken ct)
    {
        await _log.AppendAsync(stream, [.. events.Cast<object>()], AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller(node))), _term, ct);
    }

    private static string Describe(PlannedAction a) =>
        a.Resource is null ? $"{a.Operation} {a.Node}" : $"{a.Resource} {a.Operation}{(a.IntervalMs > 0 ? $"/{a.IntervalMs}ms" : "")} on {a.Node}";

    private static string Describe(IStatusEvent e) => e switch
    {
        ResourceOperationSucceeded ok => $"{ok.Resource} {ok.Operation} rc={ok.Rc} on {ok.Node}",
        _ => e.GetType().Name,
    };

    private static string NodeOf(IStatusEvent e) => e switch
    {
        NodeJoined j => j.Node,
        NodeLost l => l.Node,
        NodeLeft l => l.Node,
        _ => throw new InvalidOperationException($"{e.GetType().Name} is not a membership event"),
    };
}

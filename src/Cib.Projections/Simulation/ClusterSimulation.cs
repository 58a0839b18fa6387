using System.Collections.Immutable;
using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Controller;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Projections.Planning;
using Cib.Projections.Policy.Reconcile;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;

namespace Cib.Projections.Simulation;

/// <summary>One append of the simulated cluster: the stream, the event, its metadata and its event id, as the real appender makes it.</summary>
public sealed record SimulatedAppend(string Stream, object Event, AppendMetadata Meta, Guid Id);

/// <summary>
/// The simulated cluster's shape and its odds: <see cref="Nodes"/> nodes (node1 hosts the controller and is never lost),
/// <see cref="Groups"/> groups of <see cref="GroupSize"/> primitives (an IP, a file system and a web server, as the
/// how-to's group), one fence device for all nodes, migration-threshold 3, stickiness 100. A start fails with
/// <see cref="StartFailure"/>; a fence fails with <see cref="FenceFailure"/>.
/// </summary>
public sealed record SimulationOptions(int Nodes = 4, int Groups = 4, int GroupSize = 3, double StartFailure = 0.03, double FenceFailure = 0.05, int Seed = 1);

/// <summary>
/// A cluster that writes the log the product writes, without processes: the real controller decider (<see cref="ControllerDecider"/>)
/// and policy engine (<see cref="TransitionPlanner"/>) lead, stamped as the controller stamps (<see cref="ControllerStep"/>,
/// causation ids as <c>ClusterController</c> sets them), and simulated node runtimes answer each dispatched action after a
/// while (starts, stops, monitors, probes, fences; failing at the options' odds) with the events and metadata the real node
/// runtime appends. Scenario steps (a monitor failure, a crash, broken fencing, an admin move, standby, clean-up) drive
/// the cluster until it is quiet again. Deterministic for a seed: the same steps give the same events, ids and times.
/// Used by the store benchmark (a realistic log of any length) and by the read models' golden tests; appended in order
/// to an empty log, event i gets position i + 1, the positions the controller decided on.
/// </summary>
public sealed class ClusterSimulation
{
    public const string ControllerNode = "node1";
    public const string FenceDevice = "fence-all";
    public static readonly ControllerRules Rules = ControllerRules.Default;

    private readonly SimulationOptions _options;
    private readonly Random _random;
    private readonly List<SimulatedAppend> _appended = [];
    private readonly Dictionary<string, string> _runsOn = new(StringComparer.Ordinal);
    private readonly HashSet<string> _down = new(StringComparer.Ordinal);
    private readonly SortedList<(DateTimeOffset At, long Order), Action> _pending = [];
    private readonly Dictionary<string, int> _fenceAttempts = new(StringComparer.Ordinal);
    private ControllerState _state = ControllerState.Initial(Rules);
    private ClusterStatus _status = ClusterStatus.Empty;
    private StatusSnapshot.PlanRef? _lastPlan;
    private long _order;
    private long _term;
    private int _drained;

    public ClusterSimulation(SimulationOptions options, DateTimeOffset start)
    {
        _options = options;
        _random = new Random(options.Seed);
        Now = start;
    }

    /// <summary>The simulated time (the store's clock the controller ticks with).</summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>Events appended so far (the log position of the last one, when appended in order to an empty log).</summary>
    public long Position => Sequence;

    public ClusterConfiguration Configuration => _state.Configuration;
    public ClusterStatus Status => _status;

    /// <summary>Fences fail while true (a broken device): the controller retries with backoff and gives up.</summary>
    public bool FencingBroken { get; set; }

    public IReadOnlyList<string> NodeNames => [.. Enumerable.Range(1, _options.Nodes).Select(i => $"node{i}")];
    public IReadOnlyList<string> GroupNames => [.. Enumerable.Range(1, _options.Groups).Select(i => $"group{i}")];
    public IReadOnlyList<string> Primitives => [.. _state.Configuration.Primitives.Where(p => !p.IsFenceDevice).Select(p => p.Id)];

    /// <summary>Where a primitive really runs (what the simulated agents did), or null.</summary>
    public string? RunsOn(string resource) => _runsOn.GetValueOrDefault(resource);

    /// <summary>Every append so far, in order (since the last <see cref="Forget"/>).</summary>
    public IReadOnlyList<SimulatedAppend> Appended => _appended;

    /// <summary>The appends since the last call (for a caller that appends as it goes).</summary>
    public IReadOnlyList<SimulatedAppend> Drain()
    {
        var batch = _appended.GetRange(_drained, _appended.Count - _drained);
        _drained = _appended.Count;
        return batch;
    }

    /// <summary>Frees what was drained (a long run keeps only what is not yet taken).</summary>
    public void Forget()
    {
        _appended.RemoveRange(0, _drained);
        _forgotten += _drained;
        _drained = 0;
    }

    private long _forgotten;
    private long Sequence => _forgotten + _appended.Count;

    // ------------------------------------------------------------------ scenario steps

    /// <summary>The configuration loaded by an admin, the controller elected on node1, every node joining, everything started.</summary>
    public void Boot()
    {
        var admin = Actor.User("admin");
        Change(admin, "load the cluster", Definition());
        _term = 1;
        var step = new ControllerStep(_term, NextId().ToString(), Sequence, Rules);
        var electedId = NextId();
        Append(StreamIds.Controller, new ControllerElected(ControllerNode, _term, "took the controller role (advisory lock)", Now),
            step.Stamp(Actor.Controller(ControllerNode), eventId: electedId), electedId);
        Decide(new ControllerInput.Elected(ControllerNode, Now, electedId.ToString()), step);
        foreach (var node in NodeNames) Join(node);
        Settle();
    }

    /// <summary>A recurring monitor finds the resource not running where it ran (rc 7), outside any transition.</summary>
    public void FailMonitor(string resource)
    {
        if (_runsOn.GetValueOrDefault(resource) is not { } node) return;
        _runsOn.Remove(resource);
        Later(1000, 0);
        var primitive = (Primitive)_state.Configuration.Resources[resource];
        var monitor = primitive.Operations.First(o => o.Name == "monitor" && o.IsRecurring);
        NodeAppend(node, new ResourceOperationFailed(resource, node, "monitor", monitor.Interval.Milliseconds, OcfRc.NotRunning, OperationStatus.Done,
            new OperationOrigin(null, null), 15, null, "not running", Now));
        Settle();
    }

    /// <summary>The node stops renewing its lease (a crash): lost, fenced, its resources recovered elsewhere; back after <paramref name="downFor"/>.</summary>
    public void Crash(string node, TimeSpan? downFor = null)
    {
        if (node == ControllerNode || _down.Contains(node)) return;
        var lastSeen = Now;
        Later((int)Rules.LeaseTimeout.Milliseconds + 100, 0);
        _down.Add(node);
        // A crashed node runs nothing any more (what the fence makes certain).
        foreach (var r in _runsOn.Where(kv => kv.Value == node).Select(kv => kv.Key).ToList()) _runsOn.Remove(r);
        var seen = new ControllerStep(_term, NextId().ToString(), Sequence, null);
        Append(StreamIds.Node(node), new NodeLost(node, "lease not renewed", lastSeen, Now), seen.Stamp(Actor.Controller(ControllerNode)), NextId());
        Settle();
        if (downFor is { } d && _status.Membership.Nodes.GetValueOrDefault(node) is NodeMembership.Fenced)
        {
            Now += d;
            Join(node);
            Settle();
        }
    }

    /// <summary>A fenced (or cleanly stopped) node's runtime starts again and joins.</summary>
    public void Rejoin(string node)
    {
        if (!_down.Contains(node)) return;
        Join(node);
        Settle();
    }

    /// <summary><c>crm resource move R NODE</c>: location cli-prefer-R, INFINITY on the node.</summary>
    public void Move(string resource, string node, string actor = "admin")
    {
        var id = $"cli-prefer-{resource}";
        var constraint = new LocationConstraint(id, resource, node, Score.Infinity);
        Change(Actor.User(actor), $"move {resource} to {node}",
            [_state.Configuration.Constraints.ContainsKey(id) ? new UpdateConstraint(constraint) : new DefineConstraint(constraint)]);
        Settle();
    }

    /// <summary><c>crm resource clear R</c>: the move's constraint dropped (the resource stays, stickiness).</summary>
    public void Clear(string resource, string actor = "admin")
    {
        var id = $"cli-prefer-{resource}";
        if (!_state.Configuration.Constraints.ContainsKey(id)) return;
        Change(Actor.User(actor), $"clear {resource}", [new DeleteConstraint(id)]);
        Settle();
    }

    public void Standby(string node, bool on, string actor = "admin")
    {
        Change(Actor.User(actor), $"node {(on ? "standby" : "online")} {node}", [new SetNodeStandby(node, on)]);
        Settle();
    }

    /// <summary><c>crm resource cleanup R</c>: its fail counts and failed history forgotten where it failed.</summary>
    public void Cleanup(string resource, string actor = "admin")
    {
        var failedOn = _status.Failures.Keys.Where(k => k.Resource == resource).Select(k => k.Node)
            .Concat(_status.Operations.Where(o => o.Key.Resource == resource && o.Value.Values.Any(r => r.Failed)).Select(o => o.Key.Node))
            .Distinct().Order(StringComparer.Ordinal).ToList();
        var who = Actor.User(actor);
        var meta = AppendMetadata.Stamp(Own(who), $"resource cleanup {resource}");
        Later(500, 0);
        Append(StreamIds.Resource(resource), new FailCountCleared(resource, null, who, "resource cleanup", Now), meta, NextId());
        foreach (var n in failedOn) Append(StreamIds.Resource(resource), new ResourceHistoryCleared(resource, n, who, "resource cleanup", Now), meta, NextId());
        Settle();
    }

    /// <summary>
    /// One incident drawn at random, as a long-running cluster has them: mostly monitor failures (each resource's third
    /// moves it, migration-threshold), node crashes with fencing (now and then with a broken fence device), admin moves
    /// and clears, standby and back, clean-ups; then quiet time.
    /// </summary>
    public void RandomIncident()
    {
        Later(5_000, 120_000);
        var roll = _random.NextDouble();
        var running = _runsOn.Keys.Where(r => r != FenceDevice).Order(StringComparer.Ordinal).ToList();
        var up = NodeNames.Where(n => !_down.Contains(n)).ToList();
        var failed = _status.Failures.Keys.Select(k => k.Resource).Distinct().Order(StringComparer.Ordinal).ToList();
        if (_down.Count > 0 && roll < 0.15)
        {
            // The node is back: repaired after a crash, or rebooted by hand after the fence was given up on.
            FencingBroken = false;
            Rejoin(_down.Order(StringComparer.Ordinal).First());
        }
        else if (failed.Count > 0 && (roll < 0.25 || failed.Count > _options.Groups)) Cleanup(failed[_random.Next(failed.Count)]);
        else if (roll < 0.75 && running.Count > 0) FailMonitor(running[_random.Next(running.Count)]);
        else if (roll < 0.82 && up.Count > 2)
        {
            FencingBroken = _random.NextDouble() < 0.1;
            var candidates = up.Where(n => n != ControllerNode).ToList();
            Crash(candidates[_random.Next(candidates.Count)]);
            FencingBroken = false;
        }
        else if (roll < 0.90)
        {
            var group = GroupNames[_random.Next(GroupNames.Count)];
            if (_state.Configuration.Constraints.ContainsKey($"cli-prefer-{group}")) Clear(group);
            else Move(group, up[_random.Next(up.Count)]);
        }
        else if (roll < 0.95)
        {
            var standby = NodeNames.FirstOrDefault(n => _state.Configuration.Nodes[n].IsStandby);
            if (standby is not null) Standby(standby, false);
            else Standby(NodeNames[1 + _random.Next(NodeNames.Count - 1)], true);
        }
        else if (running.Count > 0) FailMonitor(running[_random.Next(running.Count)]);
    }

    // ------------------------------------------------------------------ the controller

    /// <summary>Ticks the controller and delivers the nodes' answers until nothing is pending and nothing calls for a plan.</summary>
    private void Settle(int maxSteps = 2_000)
    {
        var idle = 0;
        for (var i = 0; i < maxSteps; i++)
        {
            var (configuration, status) = (_state.Configuration, _status);
            var before = Sequence;
            Decide(new ControllerInput.Tick(Now, null, (asOf, at) => TransitionPlanner.Plan(configuration, status, asOf, at)),
                new ControllerStep(_term, NextId().ToString(), _state.Position, null));
            if (_pending.Count > 0)
            {
                var (key, answer) = (_pending.Keys[0], _pending.Values[0]);
                _pending.RemoveAt(0);
                if (key.At > Now) Now = key.At;
                answer();
                idle = 0;
                continue;
            }
            if (_state.Progress is null && !_state.Dirty) return;
            // Waiting on time alone (a fence's backoff, an action's expiry): let it pass. Nothing for longer than the
            // longest backoff: the controller waits for an admin (a fence given up on), and so does the cluster.
            idle = Sequence == before ? idle + 1 : 0;
            if (idle > 40) return;
            Later(500, 0);
        }
        throw new InvalidOperationException($"the simulated cluster did not settle in {maxSteps} steps at position {Sequence}; last: "
            + string.Join("; ", _appended.TakeLast(12).Select(a => a.Event.ToString())));
    }

    private void Decide(ControllerInput input, ControllerStep step)
    {
        var decision = ControllerDecider.Decide(_state, input);
        _state = decision.State;
        foreach (var (e, cause) in decision.Decisions)
        {
            var id = NextId();
            // As ClusterController appends it.
            var (stream, meta) = step.Decision(e, cause, _lastPlan, Actor.Controller(ControllerNode), e is TransitionPlanned ? id : null);
            Append(stream, e, meta, id);
            if (e is ActionDispatched dispatched) Dispatch(dispatched);
        }
    }

    /// <summary>A simulated node runtime runs the action and answers after a while.</summary>
    private void Dispatch(ActionDispatched d)
    {
        var origin = new OperationOrigin(d.TransitionId, d.ActionId);
        if (d.Kind == ActionKind.Fence)
        {
            var requestId = d.FencingRequestId!;
            var attempt = _fenceAttempts[requestId];
            var failed = FencingBroken || _random.NextDouble() < _options.FenceFailure;
            Pending(_random.Next(800, 4_000), () =>
            {
                var target = d.Target!;
                if (failed)
                {
                    NodeAppend(d.Node, new FencingFailed(requestId, target, FenceDevice, "fence_ssh: connection timed out", attempt, false, Now));
                    return;
                }
                foreach (var r in _runsOn.Where(kv => kv.Value == target).Select(kv => kv.Key).ToList()) _runsOn.Remove(r);
                _down.Add(target);
                NodeAppend(d.Node, new NodeFenced(requestId, target, FenceDevice, d.Operation, d.Node, (long)(Now - d.At).TotalMilliseconds, Now));
            });
            return;
        }
        var resource = d.Resource!;
        var primitive = (Primitive)_state.Configuration.Resources[resource];
        var digest = ParameterDigest.Of(primitive.Params);
        if (_down.Contains(d.Node)) return; // dispatched to a node that just died: no answer (the action expires)
        switch (d.Kind)
        {
            case ActionKind.Start:
            {
                var fails = !primitive.IsFenceDevice && _random.NextDouble() < _options.StartFailure;
                Pending(_random.Next(150, 2_500), () =>
                {
                    if (fails)
                    {
                        NodeAppend(d.Node, new ResourceOperationFailed(resource, d.Node, "start", 0, OcfRc.GenericError, OperationStatus.Done, origin,
                            (long)(Now - d.At).TotalMilliseconds, null, "could not start", Now));
                        return;
                    }
                    _runsOn[resource] = d.Node;
                    NodeAppend(d.Node, new ResourceOperationSucceeded(resource, d.Node, "start", 0, OcfRc.Success, origin,
                        (long)(Now - d.At).TotalMilliseconds, null, digest, Now));
                });
                break;
            }
            case ActionKind.Stop:
                Pending(_random.Next(100, 1_500), () =>
                {
                    if (_runsOn.GetValueOrDefault(resource) == d.Node) _runsOn.Remove(resource);
                    NodeAppend(d.Node, new ResourceOperationSucceeded(resource, d.Node, "stop", 0, OcfRc.Success, origin,
                        (long)(Now - d.At).TotalMilliseconds, null, digest, Now));
                });
                break;
            default:
                // A probe or a monitor reports what runs there; a recurring monitor that finds it stopped fails.
                Pending(_random.Next(20, 300), () =>
                {
                    var running = _runsOn.GetValueOrDefault(resource) == d.Node;
                    var duration = (long)(Now - d.At).TotalMilliseconds;
                    if (!running && d.IntervalMs > 0)
                        NodeAppend(d.Node, new ResourceOperationFailed(resource, d.Node, d.Operation, d.IntervalMs, OcfRc.NotRunning, OperationStatus.Done,
                            origin, duration, null, "not running", Now));
                    else
                        NodeAppend(d.Node, new ResourceOperationSucceeded(resource, d.Node, d.Operation, d.IntervalMs, running ? OcfRc.Success : OcfRc.NotRunning,
                            origin, duration, null, digest, Now));
                });
                break;
        }
    }

    private void Join(string node)
    {
        _down.Remove(node);
        var seen = new ControllerStep(_term, NextId().ToString(), Sequence, null);
        Append(StreamIds.Node(node), new NodeJoined(node, $"{node}-{NextId():N}"[..(node.Length + 9)], "lease renewed", Now),
            seen.Stamp(Actor.Controller(ControllerNode)), NextId());
    }

    private void Change(Actor actor, string reason, IReadOnlyList<IConfigurationCommand> commands)
    {
        Later(1_000, 0);
        var decided = ConfigurationDecider.Decide(new ChangeConfiguration(0, commands, Now, actor), _state.Configuration);
        if (!decided.IsAccepted) throw new DomainException(decided.Errors);
        var meta = AppendMetadata.Stamp(Own(actor), reason,
            new Dictionary<string, object>(StringComparer.Ordinal) { [CommandMetadata.CommandsHeader] = commands.Select(CommandText.Describe).ToArray() });
        foreach (var e in decided.Events) Append(StreamIds.Configuration, e, meta, NextId());
    }

    /// <summary>The cluster: nodes, one fence device for all, groups of IP + file system + web server, defaults as the how-to sets them.</summary>
    private IReadOnlyList<IConfigurationCommand> Definition()
    {
        var commands = new List<IConfigurationCommand>
        {
            new SetClusterProperty("stonith-enabled", "true"),
            new SetResourceDefault("resource-stickiness", "100"),
            new SetResourceDefault("migration-threshold", "3"),
        };
        commands.AddRange(NodeNames.Select(n => new DefineNode(n)));
        commands.Add(new DefinePrimitive(Primitive.Create(FenceDevice, "stonith:fence_ssh",
            ValueMap.Of(("pcmk_host_list", string.Join(" ", NodeNames))), operations: OperationDefinition.Create("monitor", "60s"))));
        string[] kinds = ["ocf:heartbeat:IPaddr2", "ocf:heartbeat:Filesystem", "ocf:heartbeat:apache"];
        for (var g = 1; g <= _options.Groups; g++)
        {
            var members = new List<string>();
            for (var m = 0; m < _options.GroupSize; m++)
            {
                var kind = kinds[m % kinds.Length];
                var id = $"{kind.Split(':')[2].ToLowerInvariant()}-{g}";
                if (m >= kinds.Length) id += $"-{m}";
                var parameters = kind.EndsWith("IPaddr2", StringComparison.Ordinal) ? ValueMap.Of(("ip", $"10.0.{g}.10"))
                    : kind.EndsWith("Filesystem", StringComparison.Ordinal) ? ValueMap.Of(("device", $"/dev/vg/lv{g}"), ("directory", $"/srv/{g}"), ("fstype", "xfs"))
                    : ValueMap.Of(("configfile", $"/etc/apache2/site{g}.conf"));
                commands.Add(new DefinePrimitive(Primitive.Create(id, kind, parameters, operations: OperationDefinition.Create("monitor", "10s"))));
                members.Add(id);
            }
            commands.Add(new DefineGroup(Group.Create($"group{g}", [.. members])));
        }
        return commands;
    }

    // ------------------------------------------------------------------ the log

    /// <summary>As a node runtime appends its report (<see cref="StreamIds.OfNodeReport"/>, <see cref="CommandMetadata.OfNodeReport"/>).</summary>
    private void NodeAppend(string node, ICibEvent e) =>
        Append(StreamIds.OfNodeReport(e), e, AppendMetadata.Stamp(CommandMetadata.OfNodeReport(e, Own(Actor.Node(node)))), NextId());

    private void Append(string stream, object e, AppendMetadata meta, Guid id)
    {
        _appended.Add(new SimulatedAppend(stream, e, meta with { EventId = id }, id));
        var sequence = Sequence;
        if (e is ICibEvent c) _state = ControllerDecider.Decide(_state, new ControllerInput.Logged(c, sequence, id.ToString())).State;
        if (e is IStatusEvent s) _status = _status.Apply(s, sequence);
        if (e is TransitionPlanned p) _lastPlan = new StatusSnapshot.PlanRef(p.TransitionId, id);
        if (e is FencingRequested r) _fenceAttempts[r.RequestId] = r.Attempt;
    }

    /// <summary>A command that starts a chain: its own cause (as <see cref="CommandMetadata.For"/>, with an id from the seed).</summary>
    private CommandMetadata Own(Actor actor)
    {
        var id = NextId().ToString();
        return new CommandMetadata(actor, id, id);
    }

    private void Pending(int afterMs, Action answer) => _pending.Add((Now.AddMilliseconds(afterMs), _order++), answer);

    /// <summary>Time passes: at least <paramref name="minMs"/>, up to <paramref name="maxMs"/> when it is larger.</summary>
    private void Later(int minMs, int maxMs) => Now = Now.AddMilliseconds(maxMs > minMs ? _random.Next(minMs, maxMs) : minMs);

    /// <summary>Ids from the seed (version 4 layout), so a run is repeatable to the id.</summary>
    private Guid NextId()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }
}

using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Fencing;
using Cib.Domain.Operations;
using Cib.Domain.Transitions;
using Cib.Projections.ReadModels.ConfigurationHistory;
using Cib.Projections.Store;

namespace Cib.Projections.ReadModels.History;

/// <summary>
/// What the history keeps between events, stored with its position (<see cref="StoredHistory"/>): the operators' fence
/// requests that stand (target → the request's row id and who asked), and the fail counts (resource and node → count).
/// Plain lists, sorted, so that its JSON is one text for one state.
/// </summary>
public sealed record HistoryState(int Version, long Position, IReadOnlyList<HistoryState.Termination> Terminations,
    IReadOnlyList<HistoryState.FailCount> FailCounts, IReadOnlyList<HistoryState.OpenIncident>? Incidents = null,
    IReadOnlyList<HistoryState.Placement>? Running = null, HistoryState.ChangeStart? Change = null,
    IReadOnlyList<HistoryState.Membership>? Groups = null)
{
    /// <summary>Bump when what the history tables hold or how they are folded changes: a stored history of another version is rebuilt from 0.</summary>
    public const int CurrentVersion = 4; // 3: the replay snapshots (migration 0009) are folded with the history; 4: the incidents' second cut (decision 0012)

    /// <summary>
    /// A failover incident not closed yet (<see cref="IncidentRow"/>): the ids of the events that belong to it (its
    /// trigger, its transitions' plans, its fences' results, its aborts' causes: what a later plan's causation id may
    /// name), its transitions, the affected resources not started again yet, those whose recovery failed, and its fence
    /// requests without a result. <see cref="Ended"/>: closed by the end of its latest transition with something not
    /// running again (<c>gave-up</c> or <c>stopped</c>), kept until the next plan, which reopens it when it carries on
    /// (names one of its events, or was made in <see cref="EndStep"/>, the controller step that ended the transition).
    /// </summary>
    public sealed record OpenIncident(string IncidentId, IReadOnlyList<string> Causes, IReadOnlyList<string> Transitions,
        IReadOnlyList<string> Pending, IReadOnlyList<string> Failed, IReadOnlyList<string> Fences, bool Ended = false, string? EndStep = null);

    /// <summary>The configuration change folded last (its key) and its first event's id: what a plan that follows the change names.</summary>
    public sealed record ChangeStart(string Key, string? FirstEventId);

    /// <summary>A group's member, as the configuration events tell: an incident that affects the member affects its group.</summary>
    public sealed record Membership(string Member, string Group);

    /// <summary>Where a resource runs, as far as the operation results tell (a start, promote or probe found it running).</summary>
    public sealed record Placement(string Resource, string Node);

    public sealed record Termination(string Target, string RequestId, string Origin);
    public sealed record FailCount(string Resource, string Node, int Count);

    public static HistoryState Empty { get; } = new(CurrentVersion, 0, [], []);
}

/// <summary>
/// The history read models as a pure fold of the log: each event becomes rows of the fencing history, the operation
/// history or the configuration changes, or updates rows it names (a fence's result updates its request's row; the
/// further events of one configuration change extend its row). The rows an event updates are handed in
/// (<see cref="Batch"/>): the store loads those a batch of events touches (<see cref="Touches"/>), so folding the log in
/// batches of any size gives the same rows as folding it at once.
/// </summary>
public static partial class HistoryProjection
{
    public const string ResultPending = "pending", ResultSucceeded = "succeeded", ResultFailed = "failed", ResultGaveUp = "gave-up",
        ResultPowerOnFailed = "power-on-failed", ResultRequested = "requested", ResultFenced = "fenced";

    /// <summary>
    /// One batch's fold: the state, the configuration as of its position (for the readable diff), and the rows touched so
    /// far (loaded from the store, or made by the fold), by key.
    /// </summary>
    public sealed partial class Batch(HistoryState state, ClusterConfiguration configuration,
        IEnumerable<FencingHistoryRow> fencing, IEnumerable<ConfigurationChangeRow> changes, IEnumerable<IncidentRow>? incidents = null)
    {
        /// <summary>Per target, the operators' requests that stand, in the order they came (the first one's operator is the fences' origin).</summary>
        private readonly Dictionary<string, List<(string Origin, string RequestId)>> _terminations =
            state.Terminations.GroupBy(t => t.Target, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(t => (t.Origin, t.RequestId)).ToList(), StringComparer.Ordinal);
        private readonly Dictionary<(string, string), int> _failCounts = state.FailCounts.ToDictionary(f => (f.Resource, f.Node), f => f.Count);

        public long Position { get; private set; } = state.Position;
        public ClusterConfiguration Configuration { get; private set; } = configuration;
        /// <summary>The configuration the batch started from (its events fold <see cref="Configuration"/> on).</summary>
        public ClusterConfiguration StartConfiguration { get; } = configuration;
        public Dictionary<string, FencingHistoryRow> Fencing { get; } = fencing.ToDictionary(r => r.RequestId, StringComparer.Ordinal);
        public Dictionary<string, ConfigurationChangeRow> Changes { get; } = changes.ToDictionary(r => r.ChangeId, StringComparer.Ordinal);
        public List<OperationHistoryRow> Operations { get; } = [];

        public HistoryState State => new(HistoryState.CurrentVersion, Position,
            [.. _terminations.OrderBy(t => t.Key, StringComparer.Ordinal)
                .SelectMany(t => t.Value.Select(r => new HistoryState.Termination(t.Key, r.RequestId, r.Origin)))],
            [.. _failCounts.Where(f => f.Value > 0).OrderBy(f => f.Key.Item1, StringComparer.Ordinal).ThenBy(f => f.Key.Item2, StringComparer.Ordinal)
                .Select(f => new HistoryState.FailCount(f.Key.Item1, f.Key.Item2, f.Value))],
            IncidentState, RunningState, _change, GroupState);

        public void Apply(HistoryEvent e)
        {
            if (e.Sequence <= Position) return;
            Position = e.Sequence;
            var actor = e.Actor ?? "unknown";
            // The incidents first: a trigger sees where resources ran before the event moves them.
            ApplyIncident(e, actor);
            switch (e.Data)
            {
                case IConfigurationEvent ce when e.StreamId == StreamIds.Configuration:
                    ApplyChange(e, ce);
                    return;
                case NodeTerminationRequested t:
                {
                    var id = TerminationId(e.Sequence);
                    Fencing[id] = new FencingHistoryRow(id, e.Sequence, e.Sequence, t.At, null, t.Target, "terminate", null, null, t.RequestedBy.ToString(),
                        ResultRequested, t.Reason, null, 0, null, null, e.CorrelationId);
                    // The fences that carry it out are the operator's: the request stands until the node is fenced.
                    if (!_terminations.TryGetValue(t.Target, out var standing)) _terminations[t.Target] = standing = [];
                    standing.Add((t.RequestedBy.ToString(), id));
                    break;
                }
                case FencingRequested r:
                {
                    var origin = _terminations.TryGetValue(r.Target, out var asked) ? asked[0].Origin : actor;
                    Fencing[r.RequestId] = Fencing.TryGetValue(r.RequestId, out var known)
                        ? known with { LastSeq = e.Sequence, Action = r.Action, Device = r.Device ?? known.Device, Attempt = r.Attempt, Reason = r.Reason }
                        : new FencingHistoryRow(r.RequestId, e.Sequence, e.Sequence, r.At, null, r.Target, r.Action, r.Device, null, origin, ResultPending,
                            r.Reason, null, r.Attempt, null, r.TransitionId, e.CorrelationId);
                    break;
                }
                case ActionDispatched { Kind: ActionKind.Fence, FencingRequestId: { } requestId } d when Fencing.TryGetValue(requestId, out var requested):
                    Fencing[requestId] = requested with { LastSeq = e.Sequence, Executor = d.Node };
                    break;
                case NodeFenced f:
                {
                    var row = Row(f.RequestId, f.Target, e, actor, f.At);
                    Fencing[f.RequestId] = row with
                    {
                        LastSeq = e.Sequence, CompletedAt = f.At, Action = f.Action, Device = f.Device, Executor = f.ExecutedBy, Result = ResultSucceeded,
                        Error = null, DurationMs = f.DurationMs,
                    };
                    // Every request that stood is carried out.
                    if (_terminations.Remove(f.Target, out var asked))
                        foreach (var (_, id) in asked)
                            if (Fencing.TryGetValue(id, out var request))
                                Fencing[id] = request with { LastSeq = e.Sequence, CompletedAt = f.At, Result = ResultFenced };
                    break;
                }
                case FencingFailed x:
                {
                    var row = Row(x.RequestId, x.Target, e, actor, x.At);
                    Fencing[x.RequestId] = row with
                    {
                        LastSeq = e.Sequence, CompletedAt = x.At, Device = x.Device ?? row.Device, Result = x.GaveUp ? ResultGaveUp : ResultFailed,
                        Error = x.Reason, Attempt = Math.Max(row.Attempt, x.Attempt), DurationMs = row.Seq == e.Sequence ? null : (long)(x.At - row.RequestedAt).TotalMilliseconds,
                    };
                    break;
                }
                case FencedNodePowerOnFailed p:
                {
                    var row = Row(p.RequestId, p.Target, e, actor, p.At);
                    Fencing[p.RequestId] = row with
                    {
                        LastSeq = e.Sequence, Device = p.Device, Executor = p.ExecutedBy, Result = ResultPowerOnFailed, Error = p.Reason,
                    };
                    break;
                }
                case ResourceOperationSucceeded ok:
                    Operations.Add(new OperationHistoryRow(e.Sequence, ok.At, ok.Resource, ok.Node, ResultSucceeded, ok.Operation, ok.IntervalMs, ok.Rc,
                        OcfRc.Describe(ok.Rc), nameof(OperationStatus.Done), null, ok.DurationMs, _failCounts.GetValueOrDefault((ok.Resource, ok.Node)),
                        actor, ok.Origin.TransitionId, e.CorrelationId));
                    break;
                case ResourceOperationFailed bad:
                {
                    var count = _failCounts.GetValueOrDefault((bad.Resource, bad.Node)) + 1;
                    _failCounts[(bad.Resource, bad.Node)] = count;
                    Operations.Add(new OperationHistoryRow(e.Sequence, bad.At, bad.Resource, bad.Node, ResultFailed, bad.Operation, bad.IntervalMs, bad.Rc,
                        OcfRc.Describe(bad.Rc), bad.Status.ToString(), bad.ExitReason, bad.DurationMs, count, actor, bad.Origin.TransitionId,
                        e.CorrelationId));
                    break;
                }
                case FailCountCleared c:
                    Clear(c.Resource, c.Node);
                    Operations.Add(new OperationHistoryRow(e.Sequence, c.At, c.Resource, c.Node, "fail-count-cleared", null, null, null, null, null,
                        c.Reason, null, 0, c.ClearedBy.ToString(), null, e.CorrelationId));
                    break;
                case ResourceHistoryCleared h:
                    Clear(h.Resource, h.Node);
                    Operations.Add(new OperationHistoryRow(e.Sequence, h.At, h.Resource, h.Node, "history-cleared", null, null, null, null, null,
                        h.Reason, null, 0, h.ClearedBy.ToString(), null, e.CorrelationId));
                    break;
            }
        }

        /// <summary>The row of a fence request, or a new one when its request is not on record (a give-up names a request of its own).</summary>
        private FencingHistoryRow Row(string requestId, string target, HistoryEvent e, string actor, DateTimeOffset at) =>
            Fencing.TryGetValue(requestId, out var row) ? row
                : new FencingHistoryRow(requestId, e.Sequence, e.Sequence, at, null, target, null, null, null,
                    _terminations.TryGetValue(target, out var asked) ? asked[0].Origin : actor, ResultPending, null, null, 0, null,
                    requestId.Split('/')[0], e.CorrelationId);

        private void Clear(string resource, string? node)
        {
            foreach (var key in _failCounts.Keys.Where(k => k.Item1 == resource && (node is null || k.Item2 == node)).ToList()) _failCounts.Remove(key);
        }

        private void ApplyChange(HistoryEvent e, IConfigurationEvent ce)
        {
            var key = ChangeKey(e);
            var line = ConfigurationEventText.Describe(Configuration, ce);
            Configuration = ConfigurationDecider.Evolve(Configuration, ce);
            // One change is one append: the next version of the configuration stream (other streams' events may come
            // between in the log). A key seen before but not right before this version is a change of its own.
            if (Changes.TryGetValue(key, out var row) && row.ToVersion == e.Version - 1)
            {
                Changes[key] = row with { LastSeq = e.Sequence, ToVersion = e.Version, Diff = [.. row.Diff, line] };
                return;
            }
            if (row is not null) key = $"{key}@{e.Sequence}";
            Changes[key] = new ConfigurationChangeRow(key, e.Sequence, e.Sequence, e.Version - 1, e.Version, e.Actor ?? "unknown", e.Timestamp,
                e.Header(CommandMetadata.ReasonHeader), e.CorrelationId, e.HeaderList(CommandMetadata.CommandsHeader), [line]);
        }
    }

    public static string TerminationId(long sequence) => $"terminate/{sequence}";

    /// <summary>A configuration change: the events of one append (its change header), else of one correlation, else the event alone.</summary>
    public static string ChangeKey(HistoryEvent e) => e.Header(CommandMetadata.ChangeHeader) ?? e.CorrelationId ?? $"seq/{e.Sequence}";

    /// <summary>The keys of the stored rows folding <paramref name="events"/> may update: fence requests, configuration changes and the open incidents.</summary>
    public static (IReadOnlyList<string> Fencing, IReadOnlyList<string> Changes, IReadOnlyList<string> Incidents) Touches(HistoryState state,
        IEnumerable<HistoryEvent> events)
    {
        var fencing = new HashSet<string>(state.Terminations.Select(t => t.RequestId), StringComparer.Ordinal);
        var changes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case IConfigurationEvent when e.StreamId == StreamIds.Configuration: changes.Add(ChangeKey(e)); break;
                case FencingRequested r: fencing.Add(r.RequestId); break;
                case ActionDispatched { FencingRequestId: { } id }: fencing.Add(id); break;
                case NodeFenced f: fencing.Add(f.RequestId); break;
                case FencingFailed x: fencing.Add(x.RequestId); break;
                case FencedNodePowerOnFailed p: fencing.Add(p.RequestId); break;
            }
        }
        return ([.. fencing], [.. changes], [.. (state.Incidents ?? []).Select(i => i.IncidentId)]);
    }

    /// <summary>The whole history of <paramref name="events"/> folded from sequence 0, in memory (what the store holds after catching up).</summary>
    public static Batch Fold(IEnumerable<HistoryEvent> events)
    {
        var batch = new Batch(HistoryState.Empty, ClusterConfiguration.Empty, [], []);
        foreach (var e in events) batch.Apply(e);
        return batch;
    }
}

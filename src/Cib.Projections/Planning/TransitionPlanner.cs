using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Controller;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Transitions;
using Cib.Projections.Policy;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;
using Marten;

namespace Cib.Projections.Planning;

/// <summary>
/// One planning step as the controller takes it, and its replay: the same log up to <c>AsOfSequence</c> and
/// the same "now" give the same <see cref="TransitionPlanned"/>, so every recorded decision can be re-derived
/// and explained.
/// </summary>
public static class TransitionPlanner
{
    public static TransitionPlanned Plan(ClusterConfiguration configuration, ClusterStatus status, long asOfSequence, DateTimeOffset now)
    {
        var transition = PolicyEngine.Plan(PlanningInput.From(configuration, status, now));
        var planned = TransitionMapping.ToEvent($"t{asOfSequence}", asOfSequence, transition, configuration, now);
        return planned with { Trace = string.Join("\n", transition.Trace.Notes) };
    }

    /// <summary>
    /// A recorded controller step that the decider, fed the same log, did not reproduce: its id, the first decision that
    /// differs (or the step's first), and what was recorded and what replay decided (the whole step each).
    /// </summary>
    public sealed record Mismatch(string Step, string TransitionId, IReadOnlyList<IStatusEvent> Recorded, IReadOnlyList<IStatusEvent> Replayed);

    /// <summary>
    /// Replays the log through <see cref="ControllerDecider"/>: for every recorded controller step (the election and
    /// every tick that decided something, found by its <see cref="ControllerStep"/> headers), a decider of that term with
    /// that term's rules is fed the log up to the step's <c>as-of</c> position and takes the same step at the recorded time;
    /// plans come from <see cref="Plan"/> on the configuration and status as of that position. Every decision it returns
    /// (<see cref="TransitionPlanned"/> bit for bit, <see cref="TransitionCompleted"/>, <see cref="TransitionAborted"/>,
    /// <see cref="ActionDispatched"/>, <see cref="FencingRequested"/>, <see cref="FencingFailed"/>) must be the one
    /// recorded, in the same order. Only the last step of a term may be cut short (its controller was deposed or stopped
    /// between two appends); then what was recorded must be the beginning of what replay decided. Returns how many
    /// recorded decisions were checked and the steps that differ.
    /// <para>
    /// Only steps whose first event lies in <paramref name="from"/>..<paramref name="to"/> (log positions) are compared;
    /// every step of their term before them is still taken, since a step's decisions depend on the steps before it. The
    /// log is read a page at a time, once per term (a term's decider folds it from sequence 0 with its own rules): memory
    /// does not grow with the log.
    /// </para>
    /// </summary>
    public static async Task<(int Checked, IReadOnlyList<Mismatch> Mismatches)> ReplayAsync(IDocumentStore store, CancellationToken ct = default,
        long from = 0, long to = long.MaxValue)
    {
        await using var session = store.QuerySession();
        var elections = (await session.Events.FetchStreamAsync(StreamIds.Controller, token: ct))
            .Select(e => (Event: e, Step: ControllerStep.Read(e.Headers?.ToDictionary(h => h.Key, h => h.Value))))
            .Where(x => x.Event.Data is ControllerElected && x.Step is not null && x.Event.Sequence <= to)
            .GroupBy(x => x.Step!.Term).Select(g => g.First()).OrderBy(x => x.Step!.Term).ToList();
        var mismatches = new List<Mismatch>();
        var count = 0;
        foreach (var (_, elected) in elections)
        {
            var term = new TermReplay(elected!.Term, elected.Rules ?? ControllerRules.Default, from, to);
            var after = 0L;
            while (!term.Done)
            {
                var page = await session.Events.QueryAllRawEvents().Where(e => e.Sequence > after).OrderBy(e => e.Sequence).Take(5_000).ToListAsync(ct);
                if (page.Count == 0) break;
                foreach (var e in page)
                {
                    term.Read(e);
                    if (term.Done) break;
                }
                after = page[^1].Sequence;
            }
            term.End();
            count += term.Checked;
            mismatches.AddRange(term.Mismatches);
        }
        return (count, mismatches);
    }

    /// <summary>
    /// One term's replay over the log read in order. Events wait in a queue until a step needs them folded (up to its
    /// <c>as-of</c>); a step is decided when its first event is read, and compared with what it recorded when the term's
    /// next step begins (a controller appends all of a step before it decides the next) or the log ends.
    /// </summary>
    private sealed class TermReplay(long term, ControllerRules rules, long from, long to)
    {
        private ControllerState _state = ControllerState.Initial(rules);
        private ClusterStatus _status = ClusterStatus.Empty;
        private readonly Queue<JasperFx.Events.IEvent> _unfolded = new();
        private (ControllerStep Step, long First, IReadOnlyList<IStatusEvent> Decided, List<IStatusEvent> Recorded, bool Compare)? _current;

        public int Checked { get; private set; }
        public List<Mismatch> Mismatches { get; } = [];
        /// <summary>Past <c>to</c> with no step of the range left open: nothing more to read.</summary>
        public bool Done { get; private set; }

        public void Read(JasperFx.Events.IEvent e)
        {
            var step = ControllerStep.Read(e.Headers?.ToDictionary(h => h.Key, h => h.Value));
            if (step is { } s && s.Term == term && e.Data is IStatusEvent data)
            {
                if (_current?.Step.Id != s.Id)
                {
                    Finish(lastOfTerm: false);
                    if (e.Sequence > to)
                    {
                        Done = true;
                        return;
                    }
                    Begin(s, e.Sequence, data);
                }
                if (_current is { } c && data is not (ControllerElected or NodeJoined or NodeLost)) c.Recorded.Add(data);
            }
            _unfolded.Enqueue(e);
            if (_current is null && e.Sequence > to) Done = true;
        }

        /// <summary>The log ended: the term's last step may have been cut short.</summary>
        public void End() => Finish(lastOfTerm: !Done);

        private void Begin(ControllerStep step, long first, IStatusEvent data)
        {
            FoldUpTo(step.AsOf);
            var election = data as ControllerElected;
            // A membership decision (leases are rows, not events), or a step before this term's election was replayed.
            if (election is null && (data is NodeJoined or NodeLost || _state.Leader is null))
            {
                _current = null;
                return;
            }
            var configuration = _state.Configuration;
            var snapshot = _status;
            ControllerInput input = election is not null
                ? new ControllerInput.Elected(election.Node, election.At)
                : new ControllerInput.Tick(data.At, null, (asOf, now) => Plan(configuration, snapshot, asOf, now));
            var decision = ControllerDecider.Decide(_state, input);
            _state = decision.State;
            _current = (step, first, decision.Events, [], first >= from && first <= to);
        }

        private void Finish(bool lastOfTerm)
        {
            if (_current is not { } c) return;
            _current = null;
            if (!c.Compare) return;
            Checked += c.Recorded.Count;
            if (!Same(c.Recorded, c.Decided, prefixAllowed: lastOfTerm))
                Mismatches.Add(new Mismatch(c.Step.Id, TransitionOf(c.Recorded.FirstOrDefault() ?? c.Decided.FirstOrDefault()), c.Recorded, c.Decided));
        }

        private void FoldUpTo(long position)
        {
            while (_unfolded.TryPeek(out var e) && e.Sequence <= position)
            {
                _unfolded.Dequeue();
                if (e.Data is IStatusEvent s) _status = _status.Apply(s, e.Sequence);
                _state = e.Data is ICibEvent c ? ControllerDecider.Evolve(_state, c, e.Sequence) : _state with { Position = e.Sequence };
            }
        }
    }

    /// <summary>Bit for bit: the stored JSON of each, in order.</summary>
    private static bool Same(IReadOnlyList<IStatusEvent> recorded, IReadOnlyList<IStatusEvent> replayed, bool prefixAllowed)
    {
        if (recorded.Count > replayed.Count || (!prefixAllowed && recorded.Count != replayed.Count)) return false;
        return recorded.Select((e, i) => Json(e) == Json(replayed[i])).All(x => x);
    }

    private static string Json(IStatusEvent e) => System.Text.Json.JsonSerializer.Serialize(e, e.GetType());

    private static string TransitionOf(IStatusEvent? e) => e switch
    {
        TransitionPlanned t => t.TransitionId,
        TransitionCompleted t => t.TransitionId,
        TransitionAborted t => t.TransitionId,
        ActionDispatched d => d.TransitionId,
        FencingRequested r => r.TransitionId ?? r.RequestId,
        FencingFailed f => f.RequestId,
        _ => "",
    };
}

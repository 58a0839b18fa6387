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
    /// Replays the whole log through <see cref="ControllerDecider"/>: for every recorded controller step (the election and
    /// every tick that decided something, found by its <see cref="ControllerStep"/> headers), a decider of that term with
    /// that term's rules is fed the log up to the step's <c>as-of</c> position and takes the same step at the recorded time;
    /// plans come from <see cref="Plan"/> on the configuration and status as of that position. Every decision it returns
    /// (<see cref="TransitionPlanned"/> bit for bit, <see cref="TransitionCompleted"/>, <see cref="TransitionAborted"/>,
    /// <see cref="ActionDispatched"/>, <see cref="FencingRequested"/>, <see cref="FencingFailed"/>) must be the one
    /// recorded, in the same order. Only the last step of a term may be cut short (its controller was deposed or stopped
    /// between two appends); then what was recorded must be the beginning of what replay decided. Returns how many
    /// recorded decisions were checked and the steps that differ.
    /// </summary>
    public static async Task<(int Checked, IReadOnlyList<Mismatch> Mismatches)> ReplayAsync(IDocumentStore store, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync(ct);
        var steps = events
            .Select(e => (Event: e, Step: ControllerStep.Read(e.Headers?.ToDictionary(h => h.Key, h => h.Value))))
            .Where(x => x.Step is not null)
            .GroupBy(x => x.Step!.Id)
            .Select(g => (Step: g.First().Step!, Events: g.Select(x => x.Event).OrderBy(e => e.Sequence).ToList()))
            .ToList();
        var mismatches = new List<Mismatch>();
        var count = 0;
        foreach (var term in steps.GroupBy(s => s.Step.Term).OrderBy(t => t.Key))
        {
            var ordered = term.OrderBy(s => s.Step.AsOf).ThenBy(s => s.Events[0].Sequence).ToList();
            var elected = ordered.FirstOrDefault(s => s.Events.Any(e => e.Data is ControllerElected));
            if (elected.Events is null) continue; // a term whose election is not in the log: nothing to start a decider from
            var state = ControllerState.Initial(elected.Step.Rules ?? ControllerRules.Default);
            var status = ClusterStatus.Empty;
            var applied = 0;
            for (var i = 0; i < ordered.Count; i++)
            {
                var (step, recordedEvents) = ordered[i];
                for (; applied < events.Count && events[applied].Sequence <= step.AsOf; applied++)
                {
                    if (events[applied].Data is IStatusEvent s) status = status.Apply(s, events[applied].Sequence);
                    if (events[applied].Data is ICibEvent c) state = ControllerDecider.Evolve(state, c, events[applied].Sequence);
                    else state = state with { Position = events[applied].Sequence };
                }
                var election = recordedEvents.Select(e => e.Data).OfType<ControllerElected>().FirstOrDefault();
                var recorded = recordedEvents.Select(e => e.Data).OfType<IStatusEvent>().Where(e => e is not (ControllerElected or NodeJoined or NodeLost)).ToList();
                if (election is null && recorded.Count == 0) continue; // a membership decision: leases are rows, not events
                if (election is null && state.Leader is null) continue; // steps before this term's election was replayed
                var at = election?.At ?? recorded[0].At;
                var snapshot = status;
                var configuration = state.Configuration;
                ControllerInput input = election is not null
                    ? new ControllerInput.Elected(election.Node, election.At)
                    : new ControllerInput.Tick(at, null, (asOf, now) => Plan(configuration, snapshot, asOf, now));
                var decision = ControllerDecider.Decide(state, input);
                state = decision.State;
                count += recorded.Count;
                var lastOfTerm = i == ordered.Count - 1;
                if (!Same(recorded, decision.Events, prefixAllowed: lastOfTerm))
                    mismatches.Add(new Mismatch(step.Id, TransitionOf(recorded.FirstOrDefault() ?? decision.Events.FirstOrDefault()), recorded, decision.Events));
            }
        }
        return (count, mismatches);
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

using System.Text.Json;
using Cib.Domain.Controller;
using Cib.Domain;
using Cib.Domain.Fencing;
using Cib.Domain.Primitives;
using Cib.Domain.Transitions;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;

namespace Cib.Projections.Planning;

/// <summary>
/// One step of the controller decider as the log records it, in the headers of every event the step appended: the
/// controller's term, the step's id, the last log position the decider had folded (<c>as-of</c>: what it decided on) and,
/// with the election, the rules it applies. Replay (<see cref="TransitionPlanner.ReplayAsync"/>) feeds a decider the log up to
/// <c>as-of</c>, takes the same step at the events' recorded time, and compares. These are metadata, not event fields:
/// they describe the decision, not the fact, and leave the stored events' schema (and names) as they are.
/// </summary>
public sealed record ControllerStep(long Term, string Id, long AsOf, ControllerRules? Rules)
{
    public const string TermHeader = "term";
    public const string StepHeader = "step";
    public const string AsOfHeader = "as-of";
    public const string RulesHeader = "rules";

    public static ControllerStep Next(long term, long asOf, ControllerRules? rules) => new(term, Guid.CreateVersion7().ToString(), asOf, rules);

    /// <summary>The metadata of one event this step appends (through the one stamper, <see cref="AppendMetadata.Stamp"/>).</summary>
    public AppendMetadata Stamp(Actor actor, string? correlationId = null, string? causationId = null, Guid? eventId = null)
    {
        var headers = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [TermHeader] = Term.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [StepHeader] = Id,
            [AsOfHeader] = AsOf.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (Rules is not null) headers[RulesHeader] = JsonSerializer.Serialize(Rules, CibEventLog.Json);
        // An event no other event caused (an election, a membership change seen in the leases, a plan because time passed)
        // is caused by this step.
        return AppendMetadata.Stamp(new CommandMetadata(actor, correlationId ?? Id, causationId ?? Id), headers: headers, eventId: eventId);
    }

    /// <summary>
    /// Where and how the controller appends one decision of this step: to the decision's stream (a transition's, or the
    /// target's fencing stream), correlated with its transition, caused by what the decider names
    /// (<paramref name="cause"/>: an event's id, or a transition, named by its plan's event id when that plan is
    /// <paramref name="lastPlan"/>, the latest one), with <paramref name="eventId"/> when the decision must be named later.
    /// </summary>
    public (string Stream, AppendMetadata Meta) Decision(IStatusEvent e, Cause cause, StatusSnapshot.PlanRef? lastPlan, Actor controller, Guid? eventId = null)
    {
        var causation = cause.EventId
            ?? (cause.TransitionId is { } t ? lastPlan is { } plan && plan.TransitionId == t ? plan.EventId.ToString() : t : null);
        var (stream, transition) = e switch
        {
            TransitionPlanned p => (StreamIds.Transition(p.TransitionId), p.TransitionId),
            TransitionCompleted c => (StreamIds.Transition(c.TransitionId), c.TransitionId),
            TransitionAborted a => (StreamIds.Transition(a.TransitionId), a.TransitionId),
            ActionDispatched d => (StreamIds.Transition(d.TransitionId), d.TransitionId),
            FencingRequested r => (StreamIds.Fencing(r.Target), r.TransitionId),
            FencingFailed f => (StreamIds.Fencing(f.Target), f.RequestId.Split('/')[0]),
            _ => throw new InvalidOperationException($"the controller decider does not decide {e.GetType().Name}"),
        };
        return (stream, Stamp(controller, transition, causation, eventId));
    }

    /// <summary>The step recorded in an event's headers; null for an event no controller step appended.</summary>
    public static ControllerStep? Read(IReadOnlyDictionary<string, object>? headers)
    {
        if (headers is null) return null;
        var term = Text(headers, TermHeader);
        var id = Text(headers, StepHeader);
        var asOf = Text(headers, AsOfHeader);
        if (term is null || id is null || asOf is null) return null;
        var rules = Text(headers, RulesHeader) is { } json ? JsonSerializer.Deserialize<ControllerRules>(json, CibEventLog.Json) : null;
        return new ControllerStep(long.Parse(term, System.Globalization.CultureInfo.InvariantCulture), id,
            long.Parse(asOf, System.Globalization.CultureInfo.InvariantCulture), rules);
    }

    private static string? Text(IReadOnlyDictionary<string, object> headers, string key) => headers.TryGetValue(key, out var value) ? value switch
    {
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement e => e.GetRawText(),
        null => null,
        _ => value.ToString(),
    } : null;
}

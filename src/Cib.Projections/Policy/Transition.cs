using Cib.Domain.Primitives;
using Cib.Domain.Transitions;

namespace Cib.Projections.Policy;

/// <summary>
/// What the planner decided: actions with ordering dependencies, and a trace explaining every choice. The orderings
/// are every edge of the graph, the execution ones (probe first, monitor after start) too; the engine builds the
/// execution edges on first use (a cold start of a large cluster has a million of them and most callers, the
/// benchmark among them, never read them), the way <see cref="PlanTrace"/> builds its score list. Equality
/// compares the lists, as for any value.
/// </summary>
public sealed record Transition
{
    private readonly Lazy<ValueList<ActionOrdering>> _orderings;

    public Transition(ValueList<GraphAction> actions, ValueList<ActionOrdering> orderings, ValueList<ResourceChange> changes, PlanTrace trace)
        : this(actions, new Lazy<ValueList<ActionOrdering>>(orderings), changes, trace) { }

    internal Transition(ValueList<GraphAction> actions, Func<ValueList<ActionOrdering>> orderings, ValueList<ResourceChange> changes, PlanTrace trace)
        : this(actions, new Lazy<ValueList<ActionOrdering>>(orderings), changes, trace) { }

    private Transition(ValueList<GraphAction> actions, Lazy<ValueList<ActionOrdering>> orderings, ValueList<ResourceChange> changes, PlanTrace trace)
    {
        Actions = actions;
        _orderings = orderings;
        Changes = changes;
        Trace = trace;
    }

    public ValueList<GraphAction> Actions { get; init; }
    public ValueList<ActionOrdering> Orderings => _orderings.Value;
    public ValueList<ResourceChange> Changes { get; init; }
    public PlanTrace Trace { get; init; }

    public void Deconstruct(out ValueList<GraphAction> actions, out ValueList<ActionOrdering> orderings, out ValueList<ResourceChange> changes, out PlanTrace trace) =>
        (actions, orderings, changes, trace) = (Actions, Orderings, Changes, Trace);

    public bool Equals(Transition? other) =>
        other is not null && (ReferenceEquals(this, other)
                              || (Actions == other.Actions && Orderings == other.Orderings && Changes == other.Changes && Trace == other.Trace));

    public override int GetHashCode() => HashCode.Combine(Actions, Orderings, Changes, Trace);

    public bool IsEmpty => Changes.Count == 0 && Actions.All(a => a.Kind is ActionKind.Monitor or ActionKind.Probe);
}

/// <summary>
/// One node of the engine's transition graph: fence a node, or an operation of a resource on a node. It is not the
/// stored <see cref="PlannedAction"/>, on purpose: the engine's graph names actions by <see cref="Key"/> (what
/// <see cref="ActionOrdering"/> edges and Pacemaker's graphs refer to) and keeps the ones it cannot run
/// (<see cref="Runnable"/> false: blocked, shown in the summary, compared with Pacemaker's); the stored action is
/// what <c>TransitionMapping</c> makes of the runnable ones: numbered, with the operation's name and timeout from
/// the configuration and its dependencies as numbers. Both share the one <see cref="ActionKind"/>.
/// </summary>
public sealed record GraphAction(string Key, ActionKind Kind, string? Resource, string Node, bool Runnable, string Reason, long IntervalMs = 0)
{
    public bool IsPseudo => Kind == ActionKind.Pseudo;
    public override string ToString() => Resource is null ? $"{Kind} {Node}" : $"{Resource}_{Kind.ToString().ToLowerInvariant()}_{IntervalMs} {Node}";
}

/// <summary>"Before" must complete before "After" starts. A value (a cold start of a large cluster has a million of them: probe first).</summary>
public readonly record struct ActionOrdering(string Before, string After, string Reason);

/// <summary>What happens to one resource or node, as the Transition Summary lists it.</summary>
public sealed record ResourceChange(
    ChangeKind Kind,
    string Subject,
    string? From,
    string? To,
    string? Reason,
    bool Blocked)
{
    public string? FenceAction { get; init; }
    /// <summary>The role it leaves when that is not plain Started (a primitive found promoted); shown as "Promoted a -> Started b".</summary>
    public string? FromRole { get; init; }
}

public enum ChangeKind { Fence, Start, Stop, Move, Recover, Restart }

/// <summary>
/// Every score of every resource on every node with its contributions, and every rejection. The planner keeps
/// the scores compactly and builds the <see cref="Scores"/> list on first use (most callers never read it);
/// equality compares the lists, as for any value.
/// </summary>
public sealed record PlanTrace
{
    private readonly Lazy<ValueList<ScoreEntry>> _scores;

    public PlanTrace(ValueList<ScoreEntry> scores, ValueList<string> notes, ValueList<Placement> outcome)
        : this(new Lazy<ValueList<ScoreEntry>>(scores), notes, outcome) { }

    internal PlanTrace(Func<ValueList<ScoreEntry>> scores, ValueList<string> notes, ValueList<Placement> outcome)
        : this(new Lazy<ValueList<ScoreEntry>>(scores), notes, outcome) { }

    private PlanTrace(Lazy<ValueList<ScoreEntry>> scores, ValueList<string> notes, ValueList<Placement> outcome)
    {
        _scores = scores;
        Notes = notes;
        Outcome = outcome;
    }

    public ValueList<ScoreEntry> Scores => _scores.Value;
    public ValueList<string> Notes { get; init; }
    public ValueList<Placement> Outcome { get; init; }

    /// <summary>Every node a resource cannot use, with the check that ruled it out (the same facts as the notes' "cannot run on").</summary>
    public ValueList<Rejection> Rejections { get; init; } = ValueList<Rejection>.Empty;

    public void Deconstruct(out ValueList<ScoreEntry> scores, out ValueList<string> notes, out ValueList<Placement> outcome) =>
        (scores, notes, outcome) = (Scores, Notes, Outcome);

    public bool Equals(PlanTrace? other) =>
        other is not null && (ReferenceEquals(this, other)
                              || (Scores == other.Scores && Notes == other.Notes && Outcome == other.Outcome && Rejections == other.Rejections));

    public override int GetHashCode() => HashCode.Combine(Scores, Notes, Outcome, Rejections);
}

/// <summary>Feasibility: <paramref name="Resource"/> cannot run on <paramref name="Node"/>, ruled out by the check named <paramref name="Check"/> (e.g. node-standby), for <paramref name="Reason"/>.</summary>
public sealed record Rejection(string Resource, string Node, string Check, string Reason);

/// <summary>Where a primitive runs once the transition has completed (null: stopped).</summary>
public sealed record Placement(string Resource, string? Node);

/// <summary>
/// One allocation score: Stage is "group" (the group's and members' own scores) or "primitive" (after
/// colocation and group merging), Factors the named contributions that made it.
/// </summary>
public sealed record ScoreEntry(string Stage, string Resource, string Node, Score Score, ValueList<string> Factors);

using Cib.Domain.Primitives;

namespace Cib.Domain.Constraints;

/// <summary>A placement or ordering rule between resources and nodes.</summary>
public abstract record Constraint(string Id)
{
    /// <summary>The resources this constraint refers to.</summary>
    public abstract IEnumerable<string> Resources { get; }
}

/// <summary><c>location ID RSC SCORE: NODE</c>: prefer (or avoid, with a negative score) a node.</summary>
public sealed record LocationConstraint(string Id, string Resource, string Node, Score Score) : Constraint(Id)
{
    /// <summary>
    /// When set, the constraint applies only before this instant (a whole second: Pacemaker's dates have no finer
    /// resolution, and the validator refuses a fraction): <c>crm resource move|ban ... LIFETIME</c> writes the score
    /// behind the rule <c>date lt END</c>. At and after it the constraint contributes nothing, as a false rule, but stays
    /// in the configuration until it is deleted (<c>crm resource clear</c>). Null: it always applies.
    /// </summary>
    public DateTimeOffset? Until { get; init; }

    public override IEnumerable<string> Resources => [Resource];

    /// <summary>
    /// Whether the constraint applies at <paramref name="nowEpochSeconds"/> (whole seconds since the Unix epoch, the
    /// policy engine's "now"): no end, or the end is still to come. The one rule both the engine and the controller's
    /// wake-up (<see cref="NextChange"/>) follow.
    /// </summary>
    public bool AppliesAt(long nowEpochSeconds) => Until is not { } end || nowEpochSeconds < end.ToUnixTimeSeconds();

    /// <summary><see cref="AppliesAt(long)"/> at an instant: the second it falls in.</summary>
    public bool AppliesAt(DateTimeOffset now) => AppliesAt(now.ToUnixTimeSeconds());

    /// <summary>
    /// The end of a constraint made now for <paramref name="lifetime"/> (crm_resource's <c>--lifetime</c>, an ISO 8601
    /// duration such as PT1H read by <see cref="Duration.TryParse"/>): now plus the lifetime, to the whole second below, in UTC.
    /// </summary>
    public static DateTimeOffset EndOfLifetime(DateTimeOffset now, Duration lifetime)
    {
        var end = now.ToUniversalTime().AddMilliseconds(lifetime.Milliseconds);
        return DateTimeOffset.FromUnixTimeSeconds(end.ToUnixTimeSeconds());
    }

    /// <summary>
    /// The first instant after <paramref name="now"/> at which one of these constraints stops applying (the start of the
    /// second of its end, when <see cref="AppliesAt(long)"/> turns false); null when none will. The controller plans
    /// again then, since nothing is appended when a constraint's time runs out.
    /// </summary>
    public static DateTimeOffset? NextChange(IEnumerable<Constraint> constraints, DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        foreach (var c in constraints)
        {
            if (c is not LocationConstraint { Until: { } until }) continue;
            var at = DateTimeOffset.FromUnixTimeSeconds(until.ToUnixTimeSeconds());
            if (at > now && (next is null || at < next)) next = at;
        }
        return next;
    }
}

/// <summary><c>colocation ID SCORE: DEPENDENT WITH</c>: place the dependent where (or not where) the other runs.</summary>
public sealed record ColocationConstraint(string Id, string Dependent, string With, Score Score) : Constraint(Id)
{
    /// <summary>Pacemaker's node-attribute: "the same node" means nodes with equal values of this attribute; null is the node name.</summary>
    public string? NodeAttribute { get; init; }

    public override IEnumerable<string> Resources => [Dependent, With];
}

/// <summary><c>order ID KIND: FIRST[:action] THEN[:action] [symmetrical=false]</c>.</summary>
public sealed record OrderConstraint(
    string Id, string First, string FirstAction, string Then, string ThenAction, OrderKind Kind, bool Symmetrical) : Constraint(Id)
{
    public static readonly IReadOnlyList<string> Actions = ["start", "stop", "promote", "demote"];

    public override IEnumerable<string> Resources => [First, Then];

    public static OrderConstraint Create(string id, string first, string then, OrderKind kind = OrderKind.Mandatory, bool symmetrical = true) =>
        new(id, first, "start", then, "start", kind, symmetrical);
}

/// <summary>Mandatory: then waits for first and restarts with it; Optional: ordering only when both change; Serialize: never at the same time.</summary>
public enum OrderKind { Mandatory, Optional, Serialize }

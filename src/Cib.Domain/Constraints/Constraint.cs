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
    public override IEnumerable<string> Resources => [Resource];
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

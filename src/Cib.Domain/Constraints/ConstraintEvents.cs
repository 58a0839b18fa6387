using System.Text.Json.Serialization;
using Cib.Domain.Primitives;

namespace Cib.Domain.Constraints;

// The constraint events carry their own data shapes (below), not the domain's Constraint records: what is stored is
// declared here, and a change of the domain records does not change the stored schema (docs/decisions/0006).
public sealed record ConstraintDefined(ConstraintData Constraint, DateTimeOffset At) : IConfigurationEvent;
public sealed record ConstraintUpdated(ConstraintData Constraint, DateTimeOffset At) : IConfigurationEvent;
public sealed record ConstraintDeleted(string Id, DateTimeOffset At) : IConfigurationEvent;

/// <summary>
/// The stored shape of a constraint, one kind per <c>$kind</c>. The id is declared here so that it is stored after the
/// kind's own fields, as since v1 (the golden schemas in Cib.Projections.Tests pin the JSON).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$kind")]
[JsonDerivedType(typeof(LocationData), "location")]
[JsonDerivedType(typeof(ColocationData), "colocation")]
[JsonDerivedType(typeof(OrderData), "order")]
public abstract record ConstraintData(string Id)
{
    /// <summary>Stored since v1 for readers of the raw log; derived from the kind's fields, never read back.</summary>
    public abstract IEnumerable<string> Resources { get; }

    public abstract Constraint ToConstraint();

    public static ConstraintData From(Constraint c) => c switch
    {
        LocationConstraint l => new LocationData(l.Id, l.Resource, l.Node, l.Score) { Until = l.Until?.ToUniversalTime() },
        ColocationConstraint col => new ColocationData(col.Id, col.Dependent, col.With, col.Score, col.NodeAttribute),
        OrderConstraint o => new OrderData(o.Id, o.First, o.FirstAction, o.Then, o.ThenAction, o.Kind.ToData(), o.Symmetrical),
        _ => throw new ArgumentException($"{c.GetType().Name} has no stored shape", nameof(c)),
    };
}

/// <summary>The stored shape of a <see cref="LocationConstraint"/>.</summary>
public sealed record LocationData(string Id, string Resource, string Node, Score Score) : ConstraintData(Id)
{
    /// <summary>
    /// The end of a time-bound constraint (<see cref="LocationConstraint.Until"/>). Added after v1 without a new version:
    /// it is written only when set, so a constraint without an end stores exactly what v1 stored, and a v1 event (no
    /// field) reads as a constraint without an end.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? Until { get; init; }

    public override IEnumerable<string> Resources => [Resource];

    public override Constraint ToConstraint() => new LocationConstraint(Id, Resource, Node, Score) { Until = Until };
}

/// <summary>The stored shape of a <see cref="ColocationConstraint"/>.</summary>
public sealed record ColocationData(string Id, string Dependent, string With, Score Score, string? NodeAttribute) : ConstraintData(Id)
{
    public override IEnumerable<string> Resources => [Dependent, With];

    public override Constraint ToConstraint() => new ColocationConstraint(Id, Dependent, With, Score) { NodeAttribute = NodeAttribute };
}

/// <summary>The stored shape of an <see cref="OrderConstraint"/>.</summary>
public sealed record OrderData(
    string Id, string First, string FirstAction, string Then, string ThenAction, OrderKindData Kind, bool Symmetrical) : ConstraintData(Id)
{
    public override IEnumerable<string> Resources => [First, Then];

    public override Constraint ToConstraint() => new OrderConstraint(Id, First, FirstAction, Then, ThenAction, Kind.ToOrderKind(), Symmetrical);
}

/// <summary>The stored order kinds, by name (<c>"Mandatory"</c>): a rename of <see cref="OrderKind"/> must not rename them.</summary>
public enum OrderKindData { Mandatory, Optional, Serialize }

public static class OrderKindDataMapping
{
    public static OrderKindData ToData(this OrderKind kind) => kind switch
    {
        OrderKind.Mandatory => OrderKindData.Mandatory,
        OrderKind.Optional => OrderKindData.Optional,
        OrderKind.Serialize => OrderKindData.Serialize,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "an order kind without a stored name"),
    };

    public static OrderKind ToOrderKind(this OrderKindData kind) => kind switch
    {
        OrderKindData.Mandatory => OrderKind.Mandatory,
        OrderKindData.Optional => OrderKind.Optional,
        OrderKindData.Serialize => OrderKind.Serialize,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a stored order kind"),
    };
}

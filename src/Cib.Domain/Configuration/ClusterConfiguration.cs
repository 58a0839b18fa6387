using System.Collections.Immutable;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Domain.Configuration;

/// <summary>
/// The whole cluster configuration (Pacemaker's <c>configuration</c> section): properties, defaults,
/// nodes, resources and constraints. Built by folding configuration events; compared by value.
/// </summary>
public sealed record ClusterConfiguration(
    ValueMap Properties,
    ValueMap ResourceDefaults,
    ValueMap OperationDefaults,
    ImmutableSortedDictionary<string, NodeDefinition> Nodes,
    ImmutableSortedDictionary<string, Resource> Resources,
    ImmutableSortedDictionary<string, Constraint> Constraints)
{
    public static readonly ClusterConfiguration Empty = new(
        ValueMap.Empty, ValueMap.Empty, ValueMap.Empty,
        ImmutableSortedDictionary.Create<string, NodeDefinition>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, Resource>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, Constraint>(StringComparer.Ordinal));

    public ClusterOptions Options => new(Properties);

    public IEnumerable<Primitive> Primitives => Resources.Values.OfType<Primitive>();
    public IEnumerable<Group> Groups => Resources.Values.OfType<Group>();
    public IEnumerable<Primitive> FenceDevices => Primitives.Where(p => p.IsFenceDevice);

    /// <summary>The group a primitive belongs to, if any.</summary>
    public Group? GroupOf(string primitiveId) => Groups.FirstOrDefault(g => g.Members.Contains(primitiveId));

    /// <summary>True when id is used by any resource or constraint (they share one id space, as XML ids do).</summary>
    public bool IdInUse(string id) => Resources.ContainsKey(id) || Constraints.ContainsKey(id);

    public bool Equals(ClusterConfiguration? other) =>
        other is not null
        && Properties == other.Properties
        && ResourceDefaults == other.ResourceDefaults
        && OperationDefaults == other.OperationDefaults
        && SameEntries(Nodes, other.Nodes)
        && SameEntries(Resources, other.Resources)
        && SameEntries(Constraints, other.Constraints);

    public override int GetHashCode() =>
        HashCode.Combine(Properties, ResourceDefaults, OperationDefaults, Nodes.Count, Resources.Count, Constraints.Count);

    private static bool SameEntries<T>(ImmutableSortedDictionary<string, T> a, ImmutableSortedDictionary<string, T> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && EqualityComparer<T>.Default.Equals(kv.Value, v));
}

using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Domain.Configuration;

/// <summary>
/// The edits that take one configuration to another, for one atomic <see cref="ChangeConfiguration"/>:
/// <c>Decide(Between(a, b), a)</c> folds to <c>b</c> when <c>b</c> is valid. The order respects the decider's
/// cascades (deleting a resource drops its constraints and leaves its group; removing a node drops its
/// locations): constraints and groups are settled before the resources and nodes they name go.
/// </summary>
public static class ConfigurationDiff
{
    public static IReadOnlyList<IConfigurationCommand> Between(ClusterConfiguration from, ClusterConfiguration to)
    {
        var commands = new List<IConfigurationCommand>();

        var resourcesGoing = from.Resources.Values
            .Where(r => !to.Resources.TryGetValue(r.Id, out var next) || next.GetType() != r.GetType())
            .Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var nodesGoing = from.Nodes.Keys.Where(n => !to.Nodes.ContainsKey(n)).ToHashSet(StringComparer.Ordinal);

        // 1. Constraints that go, change kind, or name a resource or node that goes: deleted first, so no cascade hits them.
        var constraintsRedefined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in from.Constraints.Values)
        {
            var kept = to.Constraints.TryGetValue(c.Id, out var next) && next.GetType() == c.GetType();
            var namesGoing = c.Resources.Any(resourcesGoing.Contains) || c is LocationConstraint l && nodesGoing.Contains(l.Node);
            if (kept && !namesGoing) continue;
            commands.Add(new DeleteConstraint(c.Id));
            if (next is not null) constraintsRedefined.Add(c.Id);
        }

        // 2. Groups: removed ones go (their members stay), kept ones take their new members before any member is deleted.
        foreach (var g in from.Groups)
        {
            if (resourcesGoing.Contains(g.Id)) commands.Add(new DeleteResource(g.Id));
            else if (to.Resources[g.Id] is Group next && next != g) commands.Add(new UpdateGroup(next));
        }

        // 3. Primitives that go (or become groups).
        foreach (var p in from.Primitives.Where(p => resourcesGoing.Contains(p.Id)))
            commands.Add(new DeleteResource(p.Id));

        // 4. Nodes: removed, then changed attributes, then new.
        foreach (var n in nodesGoing) commands.Add(new RemoveNode(n));
        foreach (var (name, next) in to.Nodes)
        {
            if (!from.Nodes.TryGetValue(name, out var old))
            {
                commands.Add(new DefineNode(name, next.Attributes));
                continue;
            }
            foreach (var key in old.Attributes.Keys.Where(k => !next.Attributes.ContainsKey(k)))
                commands.Add(new RemoveNodeAttribute(name, key));
            foreach (var (key, value) in next.Attributes.Where(kv => old.Attributes.Get(kv.Key) != kv.Value))
                commands.Add(new SetNodeAttribute(name, key, value));
        }

        // 5. Primitives, then groups: defined when new (or of another kind before), updated when changed.
        foreach (var p in to.Primitives)
        {
            if (!from.Resources.TryGetValue(p.Id, out var old) || resourcesGoing.Contains(p.Id)) commands.Add(new DefinePrimitive(p));
            else if (old != p) commands.Add(new UpdatePrimitive(p));
        }
        foreach (var g in to.Groups.Where(g => !from.Resources.ContainsKey(g.Id) || resourcesGoing.Contains(g.Id)))
            commands.Add(new DefineGroup(g));

        // 6. Constraints: new or redefined, then changed ones.
        foreach (var c in to.Constraints.Values)
        {
            if (!from.Constraints.TryGetValue(c.Id, out var old) || constraintsRedefined.Contains(c.Id) || old.GetType() != c.GetType())
                commands.Add(new DefineConstraint(c));
            else if (old != c) commands.Add(new UpdateConstraint(c));
        }

        // 7. Properties and defaults.
        Values(commands, from.Properties, to.Properties, (k, v) => new SetClusterProperty(k, v), k => new RemoveClusterProperty(k));
        Values(commands, from.ResourceDefaults, to.ResourceDefaults, (k, v) => new SetResourceDefault(k, v), k => new RemoveResourceDefault(k));
        Values(commands, from.OperationDefaults, to.OperationDefaults, (k, v) => new SetOperationDefault(k, v), k => new RemoveOperationDefault(k));
        return commands;
    }

    private static void Values(List<IConfigurationCommand> commands, ValueMap from, ValueMap to,
        Func<string, string, IConfigurationCommand> set, Func<string, IConfigurationCommand> remove)
    {
        foreach (var key in from.Keys.Where(k => !to.ContainsKey(k))) commands.Add(remove(key));
        foreach (var (key, value) in to.Where(kv => from.Get(kv.Key) != kv.Value)) commands.Add(set(key, value));
    }
}

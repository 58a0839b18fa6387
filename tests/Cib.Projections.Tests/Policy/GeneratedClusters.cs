using System.Collections.Immutable;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Policy;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Tests.Policy;

/// <summary>
/// Builds cluster states from a list of random numbers (CsCheck supplies and shrinks them): 2–5 nodes that are
/// up, lost (unclean) or cleanly down, primitives (some in a group) running somewhere or nowhere, with
/// stickiness, location scores and fail counts.
/// </summary>
internal static class GeneratedClusters
{
    public static ClusterState Build(int[] r)
    {
        var i = 0;
        int Next(int max) => max <= 0 ? 0 : r[i++ % r.Length] % max;

        var nodeCount = 2 + Next(4);
        var nodes = Enumerable.Range(1, nodeCount).Select(n => $"node{n}").ToList();
        var resourceCount = 1 + Next(6);
        var primitives = Enumerable.Range(1, resourceCount)
            .Select(n => Primitive.Create($"rsc{n}", "ocf:heartbeat:Dummy", operations: OperationDefinition.Create("monitor", "10s")))
            .ToList();
        var resources = primitives.Cast<Resource>().ToList();
        var fencing = Next(3) != 0;
        if (fencing) resources.Add(Primitive.Create("fence", "stonith:fence_dummy"));
        if (resourceCount >= 3 && Next(2) == 0)
            resources.Add(Group.Create("grp", primitives[^2].Id, primitives[^1].Id));

        var constraints = new List<Constraint>();
        for (var k = Next(3); k > 0; k--)
        {
            var score = Next(4) switch { 0 => Score.MinusInfinity, 1 => Score.Infinity, _ => Score.Of(Next(200) - 50) };
            constraints.Add(new LocationConstraint($"loc{k}", primitives[Next(resourceCount)].Id, nodes[Next(nodeCount)], score));
        }
        var stickiness = Next(3) switch { 0 => "0", 1 => "100", _ => "INFINITY" };
        var config = ClusterConfiguration.Empty with
        {
            Properties = ValueMap.Of(("stonith-enabled", fencing ? "true" : "false")),
            ResourceDefaults = ValueMap.Of(("resource-stickiness", stickiness), ("migration-threshold", "3")),
            Nodes = nodes.ToImmutableSortedDictionary(n => n, NodeDefinition.Create, StringComparer.Ordinal),
            Resources = resources.ToImmutableSortedDictionary(x => x.Id, x => x, StringComparer.Ordinal),
            Constraints = constraints.ToImmutableSortedDictionary(x => x.Id, x => x, StringComparer.Ordinal),
        };

        var histories = nodes.ToDictionary(n => n, _ => new List<ResourceHistory>());
        var failCounts = nodes.ToDictionary(n => n, _ => new List<(string, string)>());
        var call = 1;
        foreach (var p in primitives)
        {
            var where = Next(nodeCount + 1);
            if (where == nodeCount) continue;
            var node = nodes[where];
            var failed = Next(5) == 0;
            histories[node].Add(Running(p, call++, failed));
            if (failed) failCounts[node].Add(($"fail-count-{p.Id}#monitor_10000", (1 + Next(4)).ToString()));
        }
        var statuses = nodes.Select(n =>
        {
            var h = histories[n].ToArray();
            var status = Next(6) switch
            {
                0 => NodeStatus.Lost(n, h),
                1 => NodeStatus.Down(n),
                _ => NodeStatus.Up(n, h),
            };
            return status with { Attributes = ValueMap.Of(failCounts[n].Select(f => KeyValuePair.Create(f.Item1, f.Item2))) };
        });
        return ClusterState.Of(config, statuses, 1_700_000_000);
    }

    /// <summary>History of a primitive started (and monitored) on a node; the monitor failed when asked.</summary>
    public static ResourceHistory Running(Primitive p, int call, bool monitorFailed = false) => new(p.Id, p.Agent.ToString(),
        ValueList.Of(
            OperationRecord.FromPacemaker($"{p.Id}_start_0", "start", 0, 0, 0, call * 10, 1_699_999_000, ParameterDigest.Of(p.Params), 0),
            OperationRecord.FromPacemaker($"{p.Id}_monitor_10000", "monitor", 10_000, monitorFailed ? 7 : 0, 0, call * 10 + 1, 1_699_999_100, null, 0)));

    /// <summary>
    /// The state after a transition ran to completion: fenced nodes are down and empty, every resource runs
    /// where the plan put it (started and monitored), failures are gone; fail counts stay, as they do until a cleanup.
    /// </summary>
    public static ClusterState Apply(ClusterState state, Transition plan, Func<string, string?> placement)
    {
        var fenced = plan.Changes.Where(c => c.Kind == ChangeKind.Fence).Select(c => c.Subject).ToHashSet();
        var call = 1000;
        var statuses = state.Nodes.Values.Select(s =>
        {
            if (fenced.Contains(s.Name)) return NodeStatus.Down(s.Name);
            var running = state.Configuration.Primitives.Where(p => placement(p.Id) == s.Name).Select(p => Running(p, call++)).ToArray();
            return s with { Resources = ValueList<ResourceHistory>.Of(running) };
        });
        return ClusterState.Of(state.Configuration, statuses, state.NowEpochSeconds, state.HasQuorum);
    }
}

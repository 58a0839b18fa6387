using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Policy.Feasibility;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Ranking;

/// <summary>
/// Step 3, ranking: scores every node for every resource (own scores, group members summed, colocations with
/// resources already placed) and assigns each to its best node: highest score, then fewest resources assigned
/// so far, then the node it runs on, then ordinal name. Colocated primaries are placed before dependents.
/// </summary>
internal static class RankingStep
{
    public const string Name = "ranking";
    public const string Disabled = "target-role is Stopped";
    public const string NoNode = "node availability";
    public const string OnFailStop = "on-fail=stop";

    private sealed record Unit(string Id, IReadOnlyList<ResourceView> Members, int Priority, int Order);

    public static void Run(PlanContext ctx)
    {
        var units = BuildUnits(ctx);
        var unitOf = new Dictionary<string, Unit>(StringComparer.Ordinal);
        foreach (var u in units)
        {
            unitOf[u.Id] = u;
            foreach (var m in u.Members) unitOf[m.Id] = u;
        }
        var colocations = ctx.Configuration.Constraints.Values.OfType<ColocationConstraint>()
            .Where(c => unitOf.ContainsKey(c.Dependent) && unitOf.ContainsKey(c.With) && unitOf[c.Dependent] != unitOf[c.With])
            .ToList();

        // Unmanaged and blocked resources keep their place and count there first.
        foreach (var rsc in ctx.Resources.Where(r => !r.Managed || r.Blocked))
        {
            rsc.Next = rsc.Current;
            if (rsc.Next is not null) ctx.Nodes[rsc.Next].AssignedCount++;
        }

        var done = new HashSet<Unit>();
        var inProgress = new HashSet<Unit>();
        foreach (var u in units.OrderByDescending(u => u.Priority).ThenBy(u => u.Order))
            Assign(ctx, u, unitOf, colocations, done, inProgress);
    }

    private static List<Unit> BuildUnits(PlanContext ctx)
    {
        var units = new List<Unit>();
        var order = 0;
        foreach (var top in ReconcileStep.TopLevelOrder(ctx))
        {
            var members = top switch
            {
                Group g => ctx.MembersOf(g).ToList(),
                Primitive p => [ctx.ById[p.Id]],
                _ => [],
            };
            if (members.Count == 0) continue;
            var priority = Score.TryParse(top.Meta.Get(MetaAttributes.Priority), out var pr) ? pr.Value : members[0].Priority;
            units.Add(new Unit(top.Id, members, priority, order++));
        }
        return units;
    }

    private static void Assign(PlanContext ctx, Unit unit, Dictionary<string, Unit> unitOf, List<ColocationConstraint> colocations,
        HashSet<Unit> done, HashSet<Unit> inProgress)
    {
        if (done.Contains(unit) || !inProgress.Add(unit)) return;
        var mine = colocations.Count == 0 ? [] : colocations.Where(c => unitOf[c.Dependent] == unit).ToList();
        foreach (var c in mine) Assign(ctx, unitOf[c.With], unitOf, colocations, done, inProgress);

        var nodes = ctx.Nodes.Values.ToList();
        if (unit.Members[0].Group is { } group)
            foreach (var n in nodes)
            {
                var groupScore = ctx.LocationsFor(group.Id).Where(l => l.Node == n.Name).Aggregate(Score.Zero, (s, l) => s + l.Score);
                ctx.Scores.Add(new ScoreEntry("group", group.Id, n.Name, groupScore, ValueList<string>.Empty));
            }
        var own = unit.Members.ToDictionary(m => m.Id, m => OwnScores(ctx, m, nodes));
        foreach (var m in unit.Members)
            foreach (var n in nodes)
                ctx.Scores.Add(new ScoreEntry(unit.Members.Count > 1 || m.Group is not null ? "group" : "own", m.Id, n.Name, own[m.Id][n.Name].Score,
                    own[m.Id][n.Name].Factors.Count == 0 ? ValueList<string>.Empty : ValueList<string>.Of(own[m.Id][n.Name].Factors)));

        // Colocations with primaries already placed (one still being placed, in a loop, is not known yet).
        var merged = nodes.ToDictionary(n => n.Name, n => own[unit.Members[0].Id][n.Name].Score, StringComparer.Ordinal);
        foreach (var c in mine.Where(c => done.Contains(unitOf[c.With])))
        {
            var primary = ctx.ById.TryGetValue(c.With, out var pv) ? pv.Next
                : unitOf[c.With].Members.Select(x => x.Next).FirstOrDefault();
            var before = new Dictionary<string, Score>(merged, StringComparer.Ordinal);
            foreach (var n in nodes)
            {
                var same = primary is not null && SameLocation(ctx, c.NodeAttribute, primary, n.Name);
                var add = c.Score.IsInfinite ? (same ? Score.Zero : Score.MinusInfinity)
                    : c.Score.IsMinusInfinite ? (same ? Score.MinusInfinity : Score.Zero)
                    : same ? c.Score : Score.Zero;
                merged[n.Name] += add;
            }
            // An advisory colocation that would leave nowhere to run is dropped; a mandatory one stands.
            if (!c.Score.IsInfinite && !c.Score.IsMinusInfinite && !AnyAvailable(nodes, merged)) merged = before;
        }

        // The group's choice merges its members' scores, unless that would leave nowhere to run (then it is rolled back).
        foreach (var m in unit.Members.Skip(1))
        {
            var candidate = nodes.ToDictionary(n => n.Name, n => merged[n.Name] + own[m.Id][n.Name].Score, StringComparer.Ordinal);
            if (AnyAvailable(nodes, candidate)) merged = candidate;
        }

        // Resources colocated with this one pull it towards where they would like to be.
        foreach (var c in (colocations.Count == 0 ? [] : colocations).Where(c => unitOf[c.With] == unit && c.Score.Value > 0 && !done.Contains(unitOf[c.Dependent])))
        {
            var dep = unitOf[c.Dependent];
            if (dep.Members.All(m => m.TargetStopped || !m.Managed)) continue;
            var factor = (double)c.Score.Value / Score.InfinityValue;
            var depMerged = MergedOwnScores(ctx, dep, nodes);
            var candidate = new Dictionary<string, Score>(merged, StringComparer.Ordinal);
            foreach (var n in nodes)
            {
                // With a node attribute, the dependent's best score among nodes sharing this node's value counts.
                var depScore = c.NodeAttribute is null ? depMerged[n.Name]
                    : nodes.Where(m => SameLocation(ctx, c.NodeAttribute, n.Name, m.Name)).Select(m => depMerged[m.Name]).Max();
                candidate[n.Name] = merged[n.Name] + (depScore.IsMinusInfinite || depScore.IsInfinite ? (factor >= 1 ? depScore : Score.Zero) : Score.Of((long)(depScore.Value * factor)));
            }
            if (AnyAvailable(nodes, candidate)) merged = candidate;
        }

        var first = unit.Members[0];
        foreach (var n in nodes)
            ctx.Scores.Add(new ScoreEntry("primitive", first.Id, n.Name, merged[n.Name], ValueList<string>.Empty));

        var chosen = Choose(ctx, unit, first, merged, nodes);
        string? previous = chosen;
        foreach (var m in unit.Members)
        {
            if (!m.Managed || m.Blocked)
            {
                // Later members are colocated with this one: they follow it, or stop with it.
                previous = m.Next;
                continue;
            }
            string? target = null;
            if (previous is not null && !m.TargetStopped && !m.ForceStopped)
            {
                var node = ctx.Nodes[previous];
                if (m == first || (own[m.Id][previous].Score.Value > Score.MinusInfinity.Value && NodeChecks.FirstRejection(ctx, m, node) is null))
                    target = previous;
            }
            if (m != first)
                foreach (var n in nodes)
                    ctx.Scores.Add(new ScoreEntry("primitive", m.Id, n.Name, n.Name == previous ? own[m.Id][n.Name].Score : Score.MinusInfinity, ValueList<string>.Empty));
            m.Next = target;
            if (target is null)
            {
                m.NotRunningReason = m.TargetStopped ? Disabled : m.ForceStopped ? OnFailStop : NoNode;
                previous = null;
            }
            else ctx.Nodes[target].AssignedCount++;
        }
        done.Add(unit);
        inProgress.Remove(unit);
    }

    private static string? Choose(PlanContext ctx, Unit unit, ResourceView first, Dictionary<string, Score> merged, List<NodeView> nodes)
    {
        if (first.TargetStopped && unit.Members.Count == 1) return null;
        if (unit.Members.All(m => m.TargetStopped)) return null;
        if (!first.Managed || first.Blocked) return first.Next;
        var active = first.Current ?? unit.Members.Select(m => m.Current).FirstOrDefault(c => c is not null);
        var best = nodes
            .Where(n => n.CanRunResources && merged[n.Name].Value >= 0 && !merged[n.Name].IsMinusInfinite)
            .OrderByDescending(n => merged[n.Name].Value)
            .ThenBy(n => n.AssignedCount)
            .ThenBy(n => n.Name == active ? 0 : 1)
            .ThenBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => n.Name)
            .FirstOrDefault();
        // With a positive best score, the node it runs on wins a tie over balancing (Pacemaker prefers staying put).
        if (best is not null && merged[best].Value > 0 && active is not null && active != best
            && ctx.Nodes[active].CanRunResources && merged[active] == merged[best])
            return active;
        return best;
    }

    /// <summary>Merges are rolled back when they leave no node that can run resources with a non-negative score.</summary>
    private static bool AnyAvailable(List<NodeView> nodes, Dictionary<string, Score> scores) =>
        nodes.Any(n => n.CanRunResources && scores[n.Name].Value >= 0);

    /// <summary>Two nodes count as "the same place" for a colocation: the same node, or equal values of its node attribute.</summary>
    private static bool SameLocation(PlanContext ctx, string? attribute, string a, string b) =>
        attribute is null ? a == b
        : ctx.Configuration.Nodes.TryGetValue(a, out var na) && ctx.Configuration.Nodes.TryGetValue(b, out var nb)
          && na.Attributes.Get(attribute) is { } va && va == nb.Attributes.Get(attribute);

    /// <summary>A unit's own scores: its first member's, with each further member merged unless that leaves nowhere to run.</summary>
    private static Dictionary<string, Score> MergedOwnScores(PlanContext ctx, Unit unit, List<NodeView> nodes)
    {
        var merged = nodes.ToDictionary(n => n.Name, n => OwnScore(ctx, unit.Members[0], n), StringComparer.Ordinal);
        foreach (var m in unit.Members.Skip(1))
        {
            var candidate = nodes.ToDictionary(n => n.Name, n => merged[n.Name] + OwnScore(ctx, m, n), StringComparer.Ordinal);
            if (AnyAvailable(nodes, candidate)) merged = candidate;
        }
        return merged;
    }

    public static Score OwnScore(PlanContext ctx, ResourceView rsc, NodeView node)
    {
        var total = Score.Zero;
        foreach (var s in Scorers.All)
            if (s.Score(ctx, rsc, node) is { } v) total += v;
        return total;
    }

    private static readonly List<string> NoFactors = [];

    private static Dictionary<string, (Score Score, List<string> Factors)> OwnScores(PlanContext ctx, ResourceView rsc, List<NodeView> nodes)
    {
        var result = new Dictionary<string, (Score, List<string>)>(StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            var total = Score.Zero;
            List<string>? factors = null;
            foreach (var s in Scorers.All)
            {
                if (s.Score(ctx, rsc, n) is not { } v) continue;
                total += v;
                factors ??= [];
                factors.Add(s is FeasibilityScorer ? $"{s.Name}: {NodeChecks.FirstRejection(ctx, rsc, n)}" : $"{s.Name}: {v}");
            }
            result[n.Name] = (total, factors ?? NoFactors);
        }
        return result;
    }
}

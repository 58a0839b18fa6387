using System.Runtime.CompilerServices;
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

    /// <summary>What is placed as one: a group (its members together) or a primitive outside groups.</summary>
    private sealed class Unit(string id, IReadOnlyList<ResourceView> members, int priority, int order)
    {
        public string Id { get; } = id;
        public IReadOnlyList<ResourceView> Members { get; } = members;
        public int Priority { get; } = priority;
        public int Order { get; } = order;
        /// <summary>Colocations in which it is the dependent, and in which it is the primary (configuration order).</summary>
        public IReadOnlyList<ColocationConstraint> AsDependent => _asDependent ?? (IReadOnlyList<ColocationConstraint>)[];
        public IReadOnlyList<ColocationConstraint> AsPrimary => _asPrimary ?? (IReadOnlyList<ColocationConstraint>)[];
        public void AddAsDependent(ColocationConstraint c) => (_asDependent ??= []).Add(c);
        public void AddAsPrimary(ColocationConstraint c) => (_asPrimary ??= []).Add(c);
        private List<ColocationConstraint>? _asDependent, _asPrimary;

        /// <summary>
        /// Pacemaker keeps a resource's colocations sorted by the other end: higher priority first, then groups before
        /// primitives, then by id; each is inserted before those it ties with, so among colocations with the same
        /// resource the one configured last comes first. That is the order they are applied in (which matters when an
        /// advisory one is rolled back for leaving nowhere to run).
        /// </summary>
        public void SortColocations(Func<string, (int Priority, bool Group)> rank)
        {
            // A group as dependent applies its colocations in configuration order (crm_simulate: of an INFINITY and an
            // advisory colocation with the same primary, the one configured first applies first).
            if (Members[0].Group is null) _asDependent = Sorted(_asDependent, c => c.With, rank);
            _asPrimary = Sorted(_asPrimary, c => c.Dependent, rank);
        }

        private static List<ColocationConstraint>? Sorted(List<ColocationConstraint>? list, Func<ColocationConstraint, string> other,
            Func<string, (int Priority, bool Group)> rank)
        {
            if (list is null || list.Count < 2) return list;
            return Enumerable.Reverse(list)
                .OrderByDescending(c => rank(other(c)).Priority)
                .ThenByDescending(c => rank(other(c)).Group)
                .ThenBy(other, StringComparer.Ordinal)
                .ToList();
        }
        public bool Done { get; set; }
        public bool InProgress { get; set; }
    }

    public static void Run(PlanContext ctx)
    {
        var units = BuildUnits(ctx);
        // Units by resource id are needed only to follow colocations.
        var colocations = ctx.Configuration.Constraints.Values.OfType<ColocationConstraint>().ToList();
        var unitOf = new Dictionary<string, Unit>(StringComparer.Ordinal);
        if (colocations.Count > 0)
            foreach (var u in units)
            {
                unitOf[u.Id] = u;
                foreach (var m in u.Members) unitOf[m.Id] = u;
            }
        // Colocations between different units, indexed by both ends (each list keeps configuration order).
        foreach (var c in colocations)
        {
            if (!unitOf.TryGetValue(c.Dependent, out var dependent) || !unitOf.TryGetValue(c.With, out var primary) || dependent == primary) continue;
            dependent.AddAsDependent(c);
            primary.AddAsPrimary(c);
        }
        if (colocations.Count > 1)
        {
            (int, bool) Rank(string id) => ctx.Configuration.Resources.TryGetValue(id, out var r) && r is Group
                ? (unitOf[id].Priority, true)
                : (ctx.ById.TryGetValue(id, out var v) ? v.Priority : 0, false);
            foreach (var u in units) u.SortColocations(Rank);
        }

        // Unmanaged and blocked resources keep their place (the first node they are active on, when several);
        // they count there when their turn comes, like any other.
        foreach (var rsc in ctx.Resources)
            if (!rsc.Managed || rsc.Blocked)
                rsc.Next = rsc.ActiveOn.Count > 0 ? rsc.ActiveOn[0] : null;

        // Highest priority first, then configuration order (Order is unique: a total order).
        units.Sort((a, b) => a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority) : a.Order.CompareTo(b.Order));
        foreach (var u in units)
            Assign(ctx, u, unitOf);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<Unit> BuildUnits(PlanContext ctx)
    {
        var units = new List<Unit>();
        var order = 0;
        foreach (var top in ctx.TopLevel)
        {
            IReadOnlyList<ResourceView> members = top switch
            {
                Group g => ctx.MembersOf(g).ToList(),
                Primitive p => new[] { ctx.ById[p.Id] },
                _ => [],
            };
            if (members.Count == 0) continue;
            var priority = Score.TryParse(top.Meta.Get(MetaAttributes.Priority), out var pr) ? pr.Value : members[0].Priority;
            units.Add(new Unit(top.Id, members, priority, order++));
        }
        return units;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Assign(PlanContext ctx, Unit unit, Dictionary<string, Unit> unitOf)
    {
        if (unit.Done || unit.InProgress) return;
        unit.InProgress = true;
        var mine = unit.AsDependent;
        foreach (var c in mine) Assign(ctx, unitOf[c.With], unitOf);

        // Scores are arrays by node index (ordinal node order).
        var nodes = ctx.NodeList;
        var count = nodes.Count;
        if (unit.Members[0].Group is { } group)
        {
            var groupScores = new Score[count];
            foreach (var l in ctx.LocationsFor(group.Id))
                if (l.Node is not null && ctx.Nodes.TryGetValue(l.Node, out var ln)) groupScores[ln.Index] += l.Score;
            ctx.Scores.Add("group", group.Id, groupScores);
        }
        // A lone primitive's own scores go into a buffer reused from unit to unit (the log keeps a compact copy).
        var own = new Score[unit.Members.Count][];
        ScoreLog.Scores? firstLogged = null;
        for (var k = 0; k < unit.Members.Count; k++)
        {
            var m = unit.Members[k];
            own[k] = OwnScores(ctx, m, nodes, unit.Members.Count == 1 ? ctx.ScoreBuffer : null, out var factors);
            var logged = ctx.Scores.Add(unit.Members.Count > 1 || m.Group is not null ? "group" : "own", m.Id, own[k], factors);
            if (k == 0) firstLogged = logged;
        }

        // Colocations with primaries already placed (one still being placed, in a loop, is not known yet).
        // No array is changed once made: each merge makes a new one (the first member's own scores stay as logged).
        var merged = own[0];
        foreach (var c in mine)
        {
            if (!unitOf[c.With].Done) continue;
            var primary = ctx.ById.TryGetValue(c.With, out var pv) ? pv.Next
                : unitOf[c.With].Members.Select(x => x.Next).FirstOrDefault();
            var candidate = new Score[count];
            for (var i = 0; i < count; i++)
            {
                var same = primary is not null && SameLocation(ctx, c.NodeAttribute, primary, nodes[i].Name);
                var add = c.Score.IsInfinite ? (same ? Score.Zero : Score.MinusInfinity)
                    : c.Score.IsMinusInfinite ? (same ? Score.MinusInfinity : Score.Zero)
                    : same ? c.Score : Score.Zero;
                candidate[i] = merged[i] + add;
            }
            // An advisory colocation that would leave nowhere to run is dropped; a mandatory one stands.
            if (c.Score.IsInfinite || c.Score.IsMinusInfinite || AnyAvailable(nodes, candidate)) merged = candidate;
        }

        // The group's choice merges its members' scores, unless that would leave nowhere to run. Each member is
        // colocated with the one before it, so its scores reach the first member through that one: once a member's
        // merge is rolled back, the members after it are not merged either (Pacemaker's colocated node scores).
        // A member's target-role=Stopped is no ban here: Pacemaker applies it when that member is assigned, later.
        for (var k = 1; k < unit.Members.Count; k++)
        {
            var add = unit.Members[k].TargetStopped ? ScoresForMerge(ctx, unit.Members[k], nodes) : own[k];
            var candidate = new Score[count];
            for (var i = 0; i < count; i++) candidate[i] = merged[i] + add[i];
            if (!AnyAvailable(nodes, candidate)) break;
            merged = candidate;
        }

        // Resources colocated with this one pull it towards where they would like to be, whether or not they will run
        // (a disabled or unmanaged dependent pulls too: Pacemaker asks only whether the colocation has influence); through
        // a negative colocation they push it away from there, by the same weights reversed.
        foreach (var c in unit.AsPrimary)
        {
            if (c.Score.Value == 0 || unitOf[c.Dependent].Done) continue;
            var dep = unitOf[c.Dependent];
            var factor = (float)c.Score.Value / Score.InfinityValue;
            var depMerged = MergedOwnScores(ctx, dep, nodes);
            var candidate = (Score[])merged.Clone();
            for (var i = 0; i < count; i++)
            {
                // With a node attribute, the dependent's best score among nodes sharing this node's value counts.
                var depScore = c.NodeAttribute is null ? depMerged[i]
                    : Enumerable.Range(0, count).Where(j => SameLocation(ctx, c.NodeAttribute, nodes[i].Name, nodes[j].Name)).Select(j => depMerged[j]).Max();
                // An advisory colocation scales the dependent's scores, INFINITY included (crm_simulate: a dependent
                // banned from a node weighs -INFINITY × score / INFINITY there).
                candidate[i] = merged[i] + Scaled(depScore, factor);
            }
            if (AnyAvailable(nodes, candidate)) merged = candidate;
        }

        var first = unit.Members[0];
        if (ReferenceEquals(merged, own[0])) ctx.Scores.Add("primitive", first.Id, firstLogged!);
        else ctx.Scores.Add("primitive", first.Id, merged);

        var chosen = Choose(ctx, unit, first, merged, nodes);
        string? previous = chosen;
        for (var k = 0; k < unit.Members.Count; k++)
        {
            var m = unit.Members[k];
            if (!m.Managed || m.Blocked)
            {
                if (m.Next is not null) ctx.Nodes[m.Next].AssignedCount++;
                // Later members are colocated with this one: they follow it, or stop with it.
                previous = m.Next;
                continue;
            }
            string? target = null;
            if (previous is not null && !m.TargetStopped && !m.ForceStopped)
            {
                var node = ctx.Nodes[previous];
                if (m == first || (own[k][node.Index].Value > Score.MinusInfinity.Value && NodeChecks.FirstRejection(ctx, m, node) is null))
                    target = previous;
            }
            if (m != first)
            {
                var final = new Score[count];
                for (var i = 0; i < count; i++) final[i] = nodes[i].Name == previous ? own[k][i] : Score.MinusInfinity;
                ctx.Scores.Add("primitive", m.Id, final);
            }
            m.Next = target;
            if (target is null)
            {
                m.NotRunningReason = m.TargetStopped ? Disabled : m.ForceStopped ? OnFailStop : NoNode;
                previous = null;
            }
            else ctx.Nodes[target].AssignedCount++;
        }
        unit.Done = true;
        unit.InProgress = false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? Choose(PlanContext ctx, Unit unit, ResourceView first, Score[] merged, List<NodeView> nodes)
    {
        if (first.TargetStopped && unit.Members.Count == 1) return null;
        if (AllTargetStopped(unit)) return null;
        if (!first.Managed || first.Blocked) return first.Next;
        // Where it runs: for a resource active on several nodes, the first of them (Pacemaker's current node).
        var active = first.ActiveOn.Count > 0 ? first.ActiveOn[0] : null;
        // The best usable node: highest score, then fewest assigned, then the node it runs on, then ordinal name
        // (nodes are in ordinal order, so on a full tie the earlier one stays).
        NodeView? best = null;
        for (var i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            var score = merged[i];
            if (!n.CanRunResources || score.Value < 0 || score.IsMinusInfinite) continue;
            if (best is null) { best = n; continue; }
            var bestScore = merged[best.Index].Value;
            if (score.Value != bestScore) { if (score.Value > bestScore) best = n; continue; }
            if (n.AssignedCount != best.AssignedCount) { if (n.AssignedCount < best.AssignedCount) best = n; continue; }
            if (n.Name == active && best.Name != active) best = n;
        }
        // With a positive best score, the node it runs on wins a tie over balancing (Pacemaker prefers staying put).
        if (best is not null && merged[best.Index].Value > 0 && active is not null && active != best.Name
            && ctx.Nodes[active] is { CanRunResources: true } an && merged[an.Index] == merged[best.Index])
            return active;
        return best?.Name;
    }

    /// <summary>
    /// A dependent's score as it weighs on its primary: scaled by the colocation's score / INFINITY (single precision,
    /// as Pacemaker computes it), rounded half away from zero, and never rounded away: a non-zero score that rounds to
    /// 0 weighs 1 in the direction of the colocation, whatever its own sign (crm_simulate 2.1.5: a dependent's -100
    /// under a colocation of 1000 adds +1 to its primary's node).
    /// </summary>
    private static Score Scaled(Score depScore, float factor)
    {
        // Through a negative colocation, a node the dependent avoids is no reason for the primary to go there: a double
        // negative weighs nothing.
        if (factor < 0 && depScore.Value < 0) return Score.Zero;
        if (factor >= 1) return depScore;
        if (factor <= -1) return -depScore;
        var weight = factor * depScore.Value;
        var rounded = (long)(weight < 0 ? weight - 0.5f : weight + 0.5f);
        if (rounded == 0 && depScore.Value != 0) rounded = factor > 0 ? 1 : -1;
        return Score.Of(rounded);
    }

    private static bool AllTargetStopped(Unit unit)
    {
        foreach (var m in unit.Members)
            if (!m.TargetStopped) return false;
        return true;
    }

    /// <summary>Merges are rolled back when they leave no node that can run resources with a non-negative score.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool AnyAvailable(List<NodeView> nodes, Score[] scores)
    {
        for (var i = 0; i < nodes.Count; i++)
            if (nodes[i].CanRunResources && scores[i].Value >= 0) return true;
        return false;
    }

    /// <summary>Two nodes count as "the same place" for a colocation: the same node, or equal values of its node attribute.</summary>
    private static bool SameLocation(PlanContext ctx, string? attribute, string a, string b) =>
        attribute is null ? a == b
        : ctx.Configuration.Nodes.TryGetValue(a, out var na) && ctx.Configuration.Nodes.TryGetValue(b, out var nb)
          && na.Attributes.Get(attribute) is { } va && va == nb.Attributes.Get(attribute);

    /// <summary>
    /// A unit's own scores as a dependent weighs them: its first member's, with each further member merged until one
    /// would leave nowhere to run. target-role=Stopped is no ban yet (Pacemaker applies it when the unit is assigned).
    /// </summary>
    private static Score[] MergedOwnScores(PlanContext ctx, Unit unit, List<NodeView> nodes)
    {
        var first = unit.Members[0];
        var merged = first.TargetStopped ? ScoresForMerge(ctx, first, nodes) : new Score[nodes.Count];
        if (!first.TargetStopped)
            for (var i = 0; i < nodes.Count; i++) merged[i] = OwnScore(ctx, first, nodes[i]);
        foreach (var m in unit.Members.Skip(1))
        {
            var candidate = new Score[nodes.Count];
            var add = m.TargetStopped ? ScoresForMerge(ctx, m, nodes) : null;
            for (var i = 0; i < nodes.Count; i++) candidate[i] = merged[i] + (add is null ? OwnScore(ctx, m, nodes[i]) : add[i]);
            if (!AnyAvailable(nodes, candidate)) break;
            merged = candidate;
        }
        return merged;
    }

    /// <summary>A member's own scores as merged into its group's choice: without its target-role=Stopped ban.</summary>
    private static Score[] ScoresForMerge(PlanContext ctx, ResourceView rsc, List<NodeView> nodes)
    {
        var scores = new Score[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
            foreach (var s in Scorers.All)
                if (s is not TargetRoleScorer && s.Score(ctx, rsc, nodes[i]) is { } v) scores[i] += v;
        return scores;
    }

    public static Score OwnScore(PlanContext ctx, ResourceView rsc, NodeView node)
    {
        var total = Score.Zero;
        foreach (var s in Scorers.All)
            if (s.Score(ctx, rsc, node) is { } v) total += v;
        return total;
    }

    /// <summary>
    /// A primitive's own score on every node (by node index) and, for the nodes where any scorer contributed,
    /// the named contributions. Scorers that have nothing to say about this resource are not asked per node.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Score[] OwnScores(PlanContext ctx, ResourceView rsc, List<NodeView> nodes, Score[]? buffer, out List<ScoreLog.Factor>? factors)
    {
        Score[] scores;
        if (buffer is null) scores = new Score[nodes.Count];
        else
        {
            scores = buffer;
            Array.Clear(scores);
        }
        factors = null;
        IScorer? only = null;
        List<IScorer>? applicable = null;
        foreach (var s in Scorers.All)
            if (s.AppliesTo(ctx, rsc))
            {
                if (only is null) only = s;
                else (applicable ??= [only]).Add(s);
            }
        if (only is null) return scores;
        if (applicable is null && only.OnlyOn(ctx, rsc, out var single))
        {
            // One scorer, and it can speak for one node only.
            if (single is not null && only.Score(ctx, rsc, single) is { } v)
            {
                scores[single.Index] = Score.Zero + v;
                factors = [Factor(ctx, rsc, single, single.Index, only, v)];
            }
            return scores;
        }
        for (var i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            var total = Score.Zero;
            if (applicable is null)
            {
                if (only.Score(ctx, rsc, n) is not { } v) continue;
                total += v;
                (factors ??= []).Add(Factor(ctx, rsc, n, i, only, v));
            }
            else
                foreach (var s in applicable)
                {
                    if (s.Score(ctx, rsc, n) is not { } v) continue;
                    total += v;
                    (factors ??= []).Add(Factor(ctx, rsc, n, i, s, v));
                }
            scores[i] = total;
        }
        return scores;
    }

    /// <summary>A contribution for the trace; the feasibility scorer explains itself with the node's first rejection.</summary>
    private static ScoreLog.Factor Factor(PlanContext ctx, ResourceView rsc, NodeView node, int index, IScorer s, Score v) =>
        s is FeasibilityScorer ? new(index, s.Name, v, true, NodeChecks.FirstRejection(ctx, rsc, node)) : new(index, s.Name, v, false, null);
}

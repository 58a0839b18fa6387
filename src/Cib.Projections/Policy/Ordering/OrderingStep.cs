using Cib.Domain.Constraints;
using Cib.Domain.Resources;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Ordering;

/// <summary>
/// Step 4, ordering: applies order constraints (explicit ones and the implicit chain inside each group) to what
/// ranking decided. A mandatory "first then then" makes then's start unrunnable when first cannot start, and
/// restarts a running then when first (re)starts. Repeats until nothing changes.
/// </summary>
internal static class OrderingStep
{
    public const string Name = "ordering";
    /// <summary>The kind of the edges inside a group (explicit edges carry their constraint's id).</summary>
    internal const string GroupChain = "group";

    /// <summary>One mandatory start-before-start edge between primitives (groups expanded).</summary>
    /// <param name="IntoGroup">An edge from an order's "first" to a later member of its "then" group: the group's start
    /// comes before every member's, so Pacemaker attributes that member's unrunnable start or restart to the order's
    /// first rather than to the member before it. It carries no stop ordering of its own.</param>
    internal sealed record Edge(string FirstLabel, ResourceView First, ResourceView Then, bool FirstIsGroup, string Kind, bool Symmetrical = true, bool IntoGroup = false)
    {
        /// <summary>False when its start ordering duplicates an earlier order's: it then only orders the stops.</summary>
        public bool OrdersStarts { get; init; } = true;
        /// <summary>For an edge into a group: the member before <see cref="Then"/>.</summary>
        public ResourceView? Previous { get; init; }
    }

    /// <summary>
    /// Which orders take effect: Pacemaker keeps one ordering per pair of actions (every kind carries its "optional"
    /// flag, and an ordering sharing a flag with one already there is dropped as a duplicate), so of two orders between
    /// the same actions the first configured (here: by id, the order the configuration is kept in) decides, whatever
    /// the kinds. Forward is first's action before then's; Inverse is a symmetrical order's reverse (then's stop before
    /// first's stop).
    /// </summary>
    internal static Dictionary<string, (bool Forward, bool Inverse)> LiveOrders(PlanContext ctx)
    {
        var seen = new HashSet<(string, string, string, string)>();
        var live = new Dictionary<string, (bool, bool)>(StringComparer.Ordinal);
        foreach (var o in ctx.Configuration.Constraints.Values.OfType<OrderConstraint>())
        {
            var forward = seen.Add((o.First, o.FirstAction, o.Then, o.ThenAction));
            var inverse = o.Symmetrical && seen.Add((o.Then, Inverse(o.ThenAction), o.First, Inverse(o.FirstAction)));
            live[o.Id] = (forward, inverse);
        }
        return live;
    }

    private static string Inverse(string action) => action switch
    {
        "start" => "stop",
        "stop" => "start",
        "promote" => "demote",
        "demote" => "promote",
        _ => action,
    };

    /// <summary>Stop dependencies: Stopper's stop waits for Waited's stop (reverse of start orders, and stop-stop orders).</summary>
    /// <param name="InGroup">The chain inside a group (the others come from order constraints).</param>
    /// <param name="WaitsForGroup">From an order constraint whose waited side is a group: the stop waits for the group's
    /// stop, not for a member's own.</param>
    internal sealed record StopEdge(ResourceView Stopper, ResourceView Waited, bool InGroup = false, bool WaitsForGroup = false);

    public static List<StopEdge> StopEdges(PlanContext ctx)
    {
        var live = LiveOrders(ctx);
        var edges = Edges(ctx).Where(e => e.Symmetrical && !e.IntoGroup && (e.Kind == GroupChain || live[e.Kind].Inverse))
            .Select(e => new StopEdge(e.First, e.Then, e.Kind == GroupChain, e.Kind != GroupChain && IsGroup(ctx, ThenOf(ctx, e.Kind)))).ToList();
        foreach (var o in ctx.Configuration.Constraints.Values.OfType<OrderConstraint>())
        {
            if (o.Kind != OrderKind.Mandatory || o.FirstAction != "stop" || o.ThenAction != "stop" || !live[o.Id].Forward) continue;
            foreach (var f in Expand(ctx, o.First, last: false))
                foreach (var t in Expand(ctx, o.Then, last: true))
                    edges.Add(new StopEdge(t, f, WaitsForGroup: IsGroup(ctx, o.First)));
        }
        return edges;
    }

    private static bool IsGroup(PlanContext ctx, string? id) => id is not null && ctx.Configuration.Resources.TryGetValue(id, out var r) && r is Group;

    private static string? ThenOf(PlanContext ctx, string orderId) =>
        ctx.Configuration.Constraints.TryGetValue(orderId, out var c) && c is OrderConstraint o ? o.Then : null;

    /// <summary>
    /// Explicit orders first, then the chains inside groups: a member's restart or unrunnable start is attributed to
    /// an order into its group before the member ahead of it (crm_simulate: "due to required X start" and "due to
    /// unrunnable X start" name the order's first).
    /// </summary>
    public static List<Edge> Edges(PlanContext ctx)
    {
        var edges = new List<Edge>();
        var live = LiveOrders(ctx);
        foreach (var o in ctx.Configuration.Constraints.Values.OfType<OrderConstraint>())
        {
            if (o.Kind != OrderKind.Mandatory || o.FirstAction != "start" || o.ThenAction != "start") continue;
            // A symmetrical order whose start ordering is a duplicate still orders the stops (StopEdges asks).
            if (!live[o.Id].Forward && !(o.Symmetrical && live[o.Id].Inverse)) continue;
            var firsts = Expand(ctx, o.First, last: true);
            var thens = Expand(ctx, o.Then, last: false);
            if (firsts.Count == 0 || thens.Count == 0) continue;
            var firstIsGroup = ctx.Configuration.Resources.TryGetValue(o.First, out var fr) && fr is Group;
            foreach (var f in firsts)
            {
                foreach (var t in thens)
                    edges.Add(new Edge(o.First, f, t, firstIsGroup, o.Id, o.Symmetrical) { OrdersStarts = live[o.Id].Forward });
                if (ctx.Configuration.Resources.TryGetValue(o.Then, out var tr) && tr is Group tg && live[o.Id].Forward)
                {
                    var members = ctx.MembersOf(tg).ToList();
                    for (var k = 1; k < members.Count; k++)
                        edges.Add(new Edge(o.First, f, members[k], firstIsGroup, o.Id, o.Symmetrical, IntoGroup: true) { Previous = members[k - 1] });
                }
            }
        }
        foreach (var g in ctx.Groups)
        {
            var members = ctx.MembersOf(g).ToList();
            for (var i = 1; i < members.Count; i++)
                edges.Add(new Edge(members[i - 1].Id, members[i - 1], members[i], false, GroupChain));
        }
        return edges;
    }

    /// <summary>A group stands for its members: as "first" all of them must be up, as "then" its first member waits.</summary>
    private static List<ResourceView> Expand(PlanContext ctx, string id, bool last) =>
        ctx.Configuration.Resources.TryGetValue(id, out var r)
            ? r switch
            {
                Group g => last ? ctx.MembersOf(g).ToList() : ctx.MembersOf(g).Take(1).ToList(),
                Primitive p => [ctx.ById[p.Id]],
                _ => [],
            }
            : [];

    public static void Run(PlanContext ctx)
    {
        // Pacemaker keeps an action's predecessors newest first and names the first unrunnable one it meets: of
        // several orders that leave a start unrunnable, the one configured last. The chains inside groups come after.
        var edges = Edges(ctx).Where(e => e.OrdersStarts).ToList();
        var explicitCount = edges.FindIndex(e => e.Kind == GroupChain);
        edges.Reverse(0, explicitCount < 0 ? edges.Count : explicitCount);
        var colocations = MandatoryColocations(ctx, ofGroups: false);
        var groupColocations = MandatoryColocations(ctx, ofGroups: true);
        var firsts = colocations.Count == 0 && groupColocations.Count == 0 ? [] : StartOrderFirsts(ctx);
        for (var round = 0; round < ctx.Resources.Count + 2; round++)
        {
            var changed = BlockColocatedStarts(edges, colocations, firsts);
            foreach (var e in edges)
            {
                var first = e.First;
                var then = e.Then;
                // An unmanaged "then" gets no line, but its start can still be required by its "first" (below).
                if (!then.Managed || then.Blocked)
                {
                    if (!then.IsActive || !first.WillStart) continue;
                    if (!then.Blocked && e.Symmetrical && then.RestartReason is null)
                    {
                        then.RestartReason = $"required {(e.FirstIsGroup ? $"{e.FirstLabel} running" : $"{first.Id} start")}";
                        changed = true;
                    }
                    // Inside a group, a member before it that stops too needs its stop first, which the cluster may
                    // not run (unmanaged or blocked): its start, after that stop, cannot run either.
                    if (e.Kind == GroupChain && first.IsActive && then.UnrunnableStartReason is null)
                    {
                        then.RestartReason ??= $"required {first.Id} start";
                        then.UnrunnableStartReason = $"unrunnable {then.Id} stop";
                        changed = true;
                    }
                    continue;
                }
                var firstLabel = e.FirstIsGroup ? $"{e.FirstLabel} running" : $"{first.Id} start";
                if (StartUnrunnable(first))
                {
                    if (then.Next is not null && (then.UnrunnableStartReason is null || (FrozenOnLostNodesOnly(then) && !FrozenOnLostNodesOnly(first)))
                        && NeedsStart(then))
                    {
                        // A start needed only because another order required it was given that reason first.
                        then.UnrunnableStartReason = OnlyRequired(then) ? then.RestartReason : $"unrunnable {firstLabel}";
                        changed = true;
                    }
                    // A symmetrical order: what needs first running stops when first will not run.
                    // A blocked resource that failed is assigned nowhere: it will not run either.
                    else if (e.Symmetrical && (!first.IsActive || (first.Blocked && first.IsFailed)) && then.IsActive && then.Next is not null
                             && then.UnrunnableStartReason is null && e.Kind != GroupChain)
                    {
                        then.UnrunnableStartReason = then.ForcedStopReason = $"unrunnable {firstLabel}";
                        then.Next = null;
                        changed = true;
                    }
                    // Inside a group, a member that must start but cannot makes the start of the running member after
                    // it required (a restart), and as unrunnable: that member stops. A blocked member counts too (failed
                    // with on-fail=block, a failed stop without fencing, multiply active with block): it needs a start
                    // that cannot run.
                    else if (e.Kind == GroupChain && ((first.Next is not null && first.Managed && NeedsStart(first)) || StartRequiredUnmanaged(ctx, first))
                             && then.IsActive && then.Next is not null && then.UnrunnableStartReason is null)
                    {
                        // Behind an unmanaged member, or one found only on lost nodes under freeze, whose required start
                        // was runnable until its stop was found unrunnable, the first reason this start was given is that
                        // it is required.
                        // So too behind a member whose start was made runnable and found unrunnable only through its
                        // own orders: this start was required by it before that.
                        then.UnrunnableStartReason = first.Managed && !FrozenOnLostNodesOnly(first) && !UnrunnableThroughOrders(first)
                            ? $"unrunnable {firstLabel}" : $"required {firstLabel}";
                        then.RestartReason ??= $"required {firstLabel}";
                        changed = true;
                    }
                    // ... and when first runs but stops for good, then stops before it and cannot start again: crm_simulate
                    // gives that stop first's start as the reason ("required X start").
                    // So too when first's start is required (a restart) but cannot run, so that it stops: then's start
                    // was required by it first.
                    else if (e.Symmetrical && first.IsActive && (first.Next is null || NeedsStart(first)) && first.Managed && !first.Blocked
                             && then.IsActive && then.Next is not null && then.UnrunnableStartReason is null && e.Kind != GroupChain)
                    {
                        then.UnrunnableStartReason = then.ForcedStopReason = $"required {firstLabel}";
                        then.Next = null;
                        changed = true;
                    }
                }
                // Only a symmetrical order restarts a running "then" when "first" (re)starts. Into a group, a member whose
                // member before it is restarted in place too is restarted by that one's start (crm_simulate: 'due to
                // required PREVIOUS start'); behind a member that starts afresh it names the order's first.
                else if (e.Symmetrical && (first.WillStart || StartRequiredUnmanaged(ctx, first)) && then.Next is not null && then.Current == then.Next && then.ActiveOn.Count == 1
                         && then.RestartReason is null && !then.IsFailed && !then.IsChangedOn(then.Next)
                         && !(e.IntoGroup && e.Previous is { } previous && RunsInPlace(previous)))
                {
                    then.RestartReason = $"required {firstLabel}";
                    changed = true;
                }
            }
            // A group's colocation reaches its members' starts once the orders have settled (crm_simulate names an
            // order first).
            if (!changed) changed = BlockColocatedStarts(edges, groupColocations, firsts);
            if (!changed) break;
        }
        ApplyRestartType(ctx);
    }

    /// <summary>Mandatory (INFINITY) colocations with a primitive: (dependent, primary), in configuration order; of
    /// primitives, or (<paramref name="ofGroups"/>) of groups, a group dependent standing for its members.</summary>
    private static List<(ResourceView Dependent, ResourceView Primary)> MandatoryColocations(PlanContext ctx, bool ofGroups)
    {
        var list = new List<(ResourceView, ResourceView)>();
        foreach (var c in ctx.Configuration.Constraints.Values.OfType<ColocationConstraint>())
        {
            if (!c.Score.IsInfinite || c.NodeAttribute is not null || !ctx.ById.TryGetValue(c.With, out var p)) continue;
            if (ctx.ById.TryGetValue(c.Dependent, out var d))
            {
                if (d != p && !ofGroups) list.Add((d, p));
            }
            // A group as dependent: each of its members is (crm_simulate names the primary on every member's start).
            else if (ofGroups && ctx.Configuration.Resources.TryGetValue(c.Dependent, out var r) && r is Group g)
                foreach (var m in ctx.MembersOf(g))
                    list.Add((m, p));
        }
        return list;
    }

    /// <summary>
    /// Pacemaker blocks the dependents of a mandatory colocation when the primary's start cannot run (even a start it
    /// does not need, where it stays, left unrunnable by an order): a dependent that must start cannot, "due to
    /// colocation with PRIMARY".
    /// </summary>
    private static bool BlockColocatedStarts(List<Edge> edges, List<(ResourceView Dependent, ResourceView Primary)> colocations,
        HashSet<ResourceView> firsts)
    {
        var changed = false;
        foreach (var (dependent, primary) in colocations)
        {
            if (!dependent.Managed || dependent.Blocked || dependent.Next is null || dependent.UnrunnableStartReason is not null || !NeedsStart(dependent)) continue;
            if (primary.Next is null) continue;
            // A blocked primary is left where it is and needs no start, which blocks nothing here (crm_simulate); but an
            // order naming it first makes Pacemaker create its start, and for a blocked resource that cannot run that
            // start is unrunnable: its dependents cannot start either.
            if (!primary.Managed || primary.Blocked)
            {
                // So does a definition change: Pacemaker asks for the start while it reads the history.
                if (!(firsts.Contains(primary) || primary.ActiveOn.Any(primary.IsChangedOn)) || !StartUnrunnable(primary)) continue;
                dependent.UnrunnableStartReason = $"colocation with {primary.Id}";
                changed = true;
                continue;
            }
            var unrunnable = primary.UnrunnableStartReason is not null
                             || edges.Any(e => e.Then == primary && e.Kind != GroupChain && StartUnrunnable(e.First));
            if (!unrunnable) continue;
            dependent.UnrunnableStartReason = $"colocation with {primary.Id}";
            changed = true;
        }
        return changed;
    }

    /// <summary>
    /// An unmanaged resource running where it is whose start is required (an order's "first" starts, or it is active on
    /// several nodes):
    /// Pacemaker leaves it alone, but that start is still required, and so are the starts ordered after it
    /// (crm_simulate: the running member after it restarts 'due to required X start').
    /// </summary>
    private static bool StartRequiredUnmanaged(PlanContext ctx, ResourceView r) =>
        !r.Managed && !r.Blocked && r.IsActive && (r.RestartReason is { Length: > 0 } || FoundAgainOnceUnmanaged(ctx, r));

    /// <summary>
    /// Active on several nodes, and found on one of them after a node in maintenance (status order), which left it
    /// unmanaged: Pacemaker's multiply-active recovery still requires its start. Found again only before the
    /// maintenance node, or unmanaged by is-managed=false, nothing requires it (crm_simulate).
    /// </summary>
    private static bool FoundAgainOnceUnmanaged(PlanContext ctx, ResourceView r)
    {
        if (r.ActiveOn.Count < 2 || r.UnmanagedByConfiguration) return false;
        var from = r.ActiveOn.FindIndex(n => ctx.Nodes[n].Maintenance);
        return from >= 0 && from < r.ActiveOn.Count - 1;
    }

    /// <summary>Running where it stays, needing a start only because an order required it.</summary>
    private static bool OnlyRequired(ResourceView r) =>
        r.RestartReason is { Length: > 0 } && r.ActiveOn.Count == 1 && r.Current == r.Next && !r.IsFailed && !r.IsChangedOn(r.Next!) && !r.IsPromoted;

    /// <summary>Its start is unrunnable because of what it is ordered or colocated after, not from the start.</summary>
    private static bool UnrunnableThroughOrders(ResourceView r) =>
        r.UnrunnableStartReason is { } reason && !r.Blocked
        && (reason.StartsWith("unrunnable ", StringComparison.Ordinal) || reason.StartsWith("required ", StringComparison.Ordinal)
            || reason.StartsWith("colocation with ", StringComparison.Ordinal));

    /// <summary>
    /// Under freeze, found only on lost nodes: Pacemaker counts such a resource as active, so freeze does not mark its
    /// start when it is made; it cannot run because its stop there cannot, which gives no reason. So the first order
    /// that makes it unrunnable names itself, unless that order's first is in the same state (its start had no reason
    /// to pass on), and what its start required first says 'required' (crm_simulate).
    /// </summary>
    private static bool FrozenOnLostNodesOnly(ResourceView r) => r.UnrunnableStartReason == Actions.ActionsStep.QuorumFreeze && r.IsActive;

    /// <summary>Running on one node where it stays, with nothing of its own asking for a start (so any restart is required by another).</summary>
    private static bool RunsInPlace(ResourceView r) =>
        r.Managed && !r.Blocked && r.ActiveOn.Count == 1 && r.Next is not null && r.Current == r.Next && !r.IsFailed
        && !r.IsChangedOn(r.Next) && !r.IsPromoted && r.UnrunnableStartReason is null;

    /// <summary>The primitives named as "first" of an order on their start, of any kind (each such order makes that start exist).</summary>
    private static HashSet<ResourceView> StartOrderFirsts(PlanContext ctx)
    {
        var set = new HashSet<ResourceView>();
        foreach (var o in ctx.Configuration.Constraints.Values.OfType<OrderConstraint>())
            if (o.FirstAction == "start" && ctx.ById.TryGetValue(o.First, out var f)) set.Add(f);
        return set;
    }

    /// <summary>
    /// The deprecated restart-type=restart: a resource restarts whenever something it is ordered after (any kind)
    /// moves or restarts. Pacemaker gives no reason for these restarts.
    /// </summary>
    private static void ApplyRestartType(PlanContext ctx)
    {
        foreach (var o in ctx.Configuration.Constraints.Values.OfType<OrderConstraint>())
            foreach (var then in Expand(ctx, o.Then, last: false).Concat(Expand(ctx, o.Then, last: true)).Distinct())
            {
                if (ctx.Meta(then, "restart-type") != "restart" || then.RestartReason is not null || !then.IsActive || then.Current != then.Next) continue;
                if (Expand(ctx, o.First, last: true).Any(f => f.IsActive && f.WillStart)) then.RestartReason = "";
            }
    }

    /// <summary>
    /// first's start cannot happen: it has nowhere to go, or its own prerequisites cannot start; or it is unmanaged and not
    /// running, or running only on nodes about to be fenced (the fence ends it; crm_simulate: 'due to unrunnable X start').
    /// </summary>
    private static bool StartUnrunnable(ResourceView first) =>
        first.Next is null || first.UnrunnableStartReason is not null
        || (first.Blocked && (first.IsFailed || !first.IsActive || (first.ActiveOn.Count > 1 && first.Managed)))
        || (!first.Managed && (!first.IsActive || first.EndsWithFence));

    /// <summary>
    /// It needs a start: stopped, moving, failed, restarting, started with other parameters, active on several nodes,
    /// or found promoted (a primitive is restarted to the Started role).
    /// </summary>
    private static bool NeedsStart(ResourceView r) =>
        !r.IsActive || r.Current != r.Next || r.IsFailed || r.RestartReason is not null || r.IsChangedOn(r.Next!) || r.ActiveOn.Count > 1
        || r.IsPromoted;
}

using System.Runtime.CompilerServices;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Projections.Policy.Ordering;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy.Actions;

/// <summary>
/// Step 6, actions: turns the decisions into fence / stop / start / probe / monitor actions with their ordering
/// dependencies, and into the per-resource changes the Transition Summary lists (with Pacemaker's reasons).
/// </summary>
internal static class ActionsStep
{
    public const string Name = "actions";
    public const string DefinitionChanged = "resource definition change";
    public const string NodeAvailability = "node availability";
    public const string NoQuorum = "no quorum";
    public const string QuorumFreeze = "quorum freeze";
    /// <summary>A start that cannot run because the stop before it cannot (no reason is printed for it).</summary>
    public const string StopCannotRun = "stop cannot run";
    public const string Promoted = "Promoted";
    /// <summary>The reason crm_simulate gives a move of a resource with multiple-active=stop_unexpected.</summary>
    public const string MultiplyActive = "being multiply active";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (List<GraphAction> Actions, List<ActionOrdering> Orderings, List<ResourceChange> Changes) Run(
        PlanContext ctx, List<(string Node, string Reason)> fences)
    {
        var actions = new List<GraphAction>();
        var orderings = new List<ActionOrdering>();
        var changes = new List<ResourceChange>();
        var fenceAction = ctx.Options.FenceAction;

        foreach (var (node, reason) in fences)
        {
            actions.Add(new GraphAction($"fence:{node}", ActionKind.Fence, null, node, true, reason));
            changes.Add(new ResourceChange(ChangeKind.Fence, node, null, null, reason, false) { FenceAction = fenceAction });
        }
        var fenced = fences.Select(f => f.Node).ToHashSet(StringComparer.Ordinal);

        var probeNodes = ctx.NodeList.Where(n => n.Online && !n.Unclean).ToList();
        var rscChanges = new List<ResourceChange>();
        foreach (var rsc in ctx.Resources)
        {
            // Probes: every online node that has no history of the resource.
            // A pending node cannot run the probe yet, and nothing may start before every probe ran.
            var probesBlocked = AddProbes(ctx, rsc, probeNodes, actions);

            if (!rsc.Managed || rsc.Blocked) continue;
            rscChanges.Clear();
            ChangesFor(ctx, rsc, fenced, rscChanges);
            if (probesBlocked)
                for (var i = 0; i < rscChanges.Count; i++)
                    if (rscChanges[i] is { Kind: ChangeKind.Start, Blocked: false } c) rscChanges[i] = c with { Blocked = true };
            if (rscChanges.Count == 0)
            {
                AddMonitors(rsc, actions, rsc.Next);
                continue;
            }
            changes.AddRange(rscChanges);
            var change = rscChanges[0];
            var stopFrom = change.Kind is ChangeKind.Start ? [] : rsc.ActiveOn;
            foreach (var from in stopFrom)
            {
                var key = $"{rsc.Id}_stop_0:{from}";
                if (fenced.Contains(from))
                {
                    // Nothing runs on a node being fenced: the stop is implied by the fence, not sent.
                    ctx.Notes.Add($"{rsc.Id} stop on {from} is implied by fencing {from}");
                    continue;
                }
                var runnable = !change.Blocked && ctx.Nodes[from].Online && !ctx.Nodes[from].Unclean;
                actions.Add(new GraphAction(key, ActionKind.Stop, rsc.Id, from, runnable, change.Reason ?? change.Kind.ToString()));
            }
            if (change.Kind is ChangeKind.Start or ChangeKind.Move or ChangeKind.Recover or ChangeKind.Restart && rsc.Next is not null)
            {
                var key = $"{rsc.Id}_start_0:{rsc.Next}";
                actions.Add(new GraphAction(key, ActionKind.Start, rsc.Id, rsc.Next, !change.Blocked, change.Reason ?? change.Kind.ToString()));
                foreach (var from in stopFrom.Where(f => !fenced.Contains(f))) orderings.Add(new ActionOrdering($"{rsc.Id}_stop_0:{from}", key, "stop before start"));
                foreach (var f in fences) orderings.Add(new ActionOrdering($"fence:{f.Node}", key, "recovery waits for fencing"));
                if (!change.Blocked) AddMonitors(rsc, actions, rsc.Next, force: true);
            }
        }

        BlockStopsBehindStuckDependents(ctx, changes);
        // Blocked changes have no runnable stop or start (and no monitors to set up).
        var blocked = changes.Where(c => c.Blocked && c.Kind != ChangeKind.Fence).Select(c => c.Subject).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < actions.Count; i++)
            if (actions[i].Resource is { } r && blocked.Contains(r) && actions[i].Kind is ActionKind.Start or ActionKind.Stop && actions[i].Runnable)
                actions[i] = actions[i] with { Runnable = false };
        actions.RemoveAll(a => a.Kind == ActionKind.Monitor && a.Resource is { } r && blocked.Contains(r));
        Fencing.Unfencing.Add(ctx, actions, orderings, changes);

        var starts = actions.Where(a => a.Kind == ActionKind.Start).GroupBy(a => a.Resource!).ToDictionary(g => g.Key, g => g.First());
        var stops = actions.Where(a => a.Kind == ActionKind.Stop).GroupBy(a => a.Resource!).ToDictionary(g => g.Key, g => g.First());
        foreach (var e in OrderingStep.Edges(ctx).Where(e => !e.IntoGroup))
        {
            var firstStart = starts.GetValueOrDefault(e.First.Id);
            var thenStart = starts.GetValueOrDefault(e.Then.Id);
            if (firstStart is not null && thenStart is not null && e.OrdersStarts) orderings.Add(new ActionOrdering(firstStart.Key, thenStart.Key, e.Kind));
            var firstStop = stops.GetValueOrDefault(e.First.Id);
            var thenStop = stops.GetValueOrDefault(e.Then.Id);
            if (firstStop is not null && thenStop is not null) orderings.Add(new ActionOrdering(thenStop.Key, firstStop.Key, e.Kind + " (stops in reverse)"));
        }
        return (actions, orderings, changes);
    }

    /// <summary>
    /// Without quorum under no-quorum-policy=freeze, a start that freeze forbids is unrunnable before the orders are
    /// applied (run between ranking and ordering), so what is ordered after it cannot start either, and says so
    /// ("due to unrunnable X start"), as Pacemaker marks the start when it creates it.
    /// </summary>
    public static void FreezeStarts(PlanContext ctx)
    {
        StartsAfterStuckStops(ctx);
        if (ctx.Quorate || ctx.Options.NoQuorum != "freeze") return;
        foreach (var rsc in ctx.Resources.Where(r => r.Next is not null && r.NeedsQuorum && r.UnrunnableStartReason is null))
            // Only what runs on an online node counts as running here: a copy on a lost node does not.
            if (!rsc.ActiveOn.Any(n => ctx.Nodes[n].Online))
                rsc.UnrunnableStartReason = QuorumFreeze;
            // The start a definition change asks for is made before the resource has a node, so unrunnable; freeze
            // makes runnable again only what stays as it is, so that restart cannot run and the resource stops.
            else if (rsc.IsActive && rsc.ActiveOn.Any(rsc.IsChangedOn))
                rsc.UnrunnableStartReason = DefinitionChanged;
    }

    /// <summary>
    /// A resource found active on an offline node whose stop cannot run there (<see cref="ReconcileStep.StopUnrunnable"/>:
    /// read for shutdown-lock, without fencing; or a copy there besides one on a clean node, <see cref="ResourceView.StuckOn"/>)
    /// cannot start elsewhere, nor restart where it is: Pacemaker orders a moving resource's
    /// start after its stop (a restart ordering), so a required stop that cannot run makes the start unrunnable, and the
    /// summary shows the blocked stop.
    /// </summary>
    private static void StartsAfterStuckStops(PlanContext ctx)
    {
        foreach (var rsc in ctx.Resources)
            if (rsc.Next is { } next && rsc.UnrunnableStartReason is null && rsc.Managed && !rsc.Blocked
                && (rsc.ActiveOn.Any(n => n != next && ctx.Nodes[n].FenceReason == ReconcileStep.StopUnrunnable)
                    || (rsc.HasStuckCopies && (rsc.WillStart || rsc.IsPromoted))))
                rsc.UnrunnableStartReason = StopCannotRun;
    }

    /// <summary>The start's reason as a summary line names it: freeze and a stuck stop give none.</summary>
    private static string? Named(string? startReason) => startReason is QuorumFreeze or StopCannotRun ? null : startReason;

    /// <summary>Where each primitive ends up once the runnable actions have run.</summary>
    public static IEnumerable<Placement> Outcome(PlanContext ctx, List<GraphAction> actions, List<ResourceChange> changes)
    {
        var starts = actions.Where(a => a.Kind == ActionKind.Start && a.Runnable).GroupBy(a => a.Resource!).ToDictionary(g => g.Key, g => g.First());
        var byResource = changes.Where(c => c.Kind != ChangeKind.Fence).GroupBy(c => c.Subject).ToDictionary(g => g.Key, g => g.First());
        foreach (var rsc in ctx.Resources)
        {
            var start = starts.GetValueOrDefault(rsc.Id);
            var change = byResource.GetValueOrDefault(rsc.Id);
            string? end;
            if (start is not null) end = start.Node;
            else if (!rsc.Managed || rsc.Blocked) end = rsc.ActiveOn.FirstOrDefault();
            else if (change is not null) end = change.Blocked && change.Kind != ChangeKind.Start ? change.From : null;
            else end = rsc.IsActive && rsc.Next == rsc.Current ? rsc.Current : null;
            yield return new Placement(rsc.Id, end);
        }
    }

    /// <summary>
    /// Stops run in reverse order: when "then" is active but cannot be stopped (blocked or unmanaged),
    /// "first" cannot stop either.
    /// </summary>
    private static void BlockStopsBehindStuckDependents(PlanContext ctx, List<ResourceChange> changes)
    {
        var edges = OrderingStep.StopEdges(ctx);
        if (edges.Count == 0) return;
        var stuck = ctx.Resources.Where(r => r.IsActive && (!r.Managed || r.Blocked)).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        // A stop that cannot run where the resource is (an unclean node that will not be fenced) is stuck too, for the
        // chain inside a group (crm_simulate: the member before it stops 'due to unrunnable X stop').
        foreach (var c in changes)
            if (c.Blocked && c.Kind is not ChangeKind.Start and not ChangeKind.Fence && c.From is not null && ctx.Nodes[c.From].Unclean)
                stuck.Add(c.Subject);
        // An order constraint's stop waits only for the stop of a blocked resource itself (Pacemaker: "then" is unrunnable
        // when "first" is a blocked resource's stop), not for one blocked in turn, nor for one left alone by
        // is-managed=false. The chain inside a group waits for either, and for a member blocked in turn (crm_simulate).
        var blocked = ctx.Resources.Where(r => r.IsActive && r.Blocked).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var e in edges)
            {
                // Behind an order whose other side is a group, the stop waits for the group's stop, which is no blocked
                // resource's own: it runs (crm_simulate).
                if (e.InGroup ? !stuck.Contains(e.Waited.Id) : !blocked.Contains(e.Waited.Id) || e.WaitsForGroup) continue;
                for (var i = 0; i < changes.Count; i++)
                    if (changes[i].Subject == e.Stopper.Id && changes[i].Kind is not ChangeKind.Start and not ChangeKind.Fence && !changes[i].Blocked)
                    {
                        // A move or a restart whose stop cannot happen cannot start again either: it shows as a blocked stop.
                        // A stop line names its stop's reason before its start's: a stop that had none (it stops because
                        // its start cannot run: no quorum, an unrunnable start) now has one, the stuck stop it waits for.
                        // Only the chain inside a group names the stuck stop: behind an order constraint the stop is
                        // just unrunnable, and its line says 'blocked' without a reason (crm_simulate).
                        // Without a reason of its own (behind an order constraint), the line names its start's first
                        // reason, the definition change a restart was made for (crm_simulate).
                        changes[i] = changes[i].Kind is ChangeKind.Move or ChangeKind.Recover or ChangeKind.Restart
                                     || (changes[i].Kind is ChangeKind.Stop && (IsStartsReason(changes[i].Reason) || (e.InGroup && changes[i].Reason is DefinitionChanged)))
                            ? changes[i] with
                            {
                                Kind = ChangeKind.Stop, To = null, Blocked = true,
                                Reason = StopsOwnReason(changes[i].Reason)
                                         ?? (e.InGroup ? $"unrunnable {e.Waited.Id} stop"
                                             : changes[i] is { Kind: ChangeKind.Restart, Reason: DefinitionChanged } ? DefinitionChanged : null),
                            }
                            : changes[i] with { Blocked = true };
                        changed |= stuck.Add(e.Stopper.Id);
                    }
            }
        }
    }

    /// <summary>
    /// A reason the stop was given when it was made, which stays when the stop is later found unrunnable: the stops of
    /// multiple-active=stop_unexpected are 'being multiply active' (crm_simulate).
    /// </summary>
    private static string? StopsOwnReason(string? reason) => reason is MultiplyActive ? reason : null;

    /// <summary>A reason a stop line takes from the start that cannot run (the stop itself has none).</summary>
    private static bool IsStartsReason(string? reason) =>
        reason is NoQuorum
        || (reason is not null && (reason.StartsWith("unrunnable ", StringComparison.Ordinal) || reason.StartsWith("required ", StringComparison.Ordinal))
            && reason.EndsWith(" start", StringComparison.Ordinal));

    /// <summary>Probes on the given nodes where the resource has no history; true when one of them cannot run yet (pending node).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool AddProbes(PlanContext ctx, ResourceView rsc, List<NodeView> probeNodes, List<GraphAction> actions)
    {
        var probesBlocked = false;
        var known = ctx.KnownOn;
        foreach (var n in probeNodes)
        {
            if (known.Get(rsc.Order, n.Index)) continue;
            actions.Add(new GraphAction($"{rsc.Id}_monitor_0:{n.Name}", ActionKind.Probe, rsc.Id, n.Name, !n.Pending,
                n.Pending ? "state unknown on this node, which is still joining" : "state unknown on this node"));
            probesBlocked |= n.Pending;
        }
        return probesBlocked;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddMonitors(ResourceView rsc, List<GraphAction> actions, string? node, bool force = false)
    {
        if (node is null) return;
        foreach (var op in rsc.Primitive.Operations)
        {
            if (op.Name != "monitor" || !op.IsRecurring) continue;
            if (op.Attributes.Get("enabled") is { } en && Cib.Domain.Nodes.Flags.TryParse(en, out var on) && !on) continue;
            if (op.Attributes.Get("role") is { } role && role is not ("Started" or "Slave" or "Unpromoted")) continue;
            if (!force && rsc.HasMonitor(node, op.Interval.Milliseconds)) continue;
            actions.Add(new GraphAction($"{rsc.Id}_monitor_{op.Interval.Milliseconds}:{node}", ActionKind.Monitor, rsc.Id, node, true,
                "recurring monitor", op.Interval.Milliseconds));
        }
    }

    /// <summary>Adds the resource's changes (none, one, or a stop per node) to <paramref name="into"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ChangesFor(PlanContext ctx, ResourceView rsc, HashSet<string> fenced, List<ResourceChange> into)
    {
        // Copies stuck on offline nodes (left out of ActiveOn without fencing): when the resource stops, or leaves the
        // promoted role and cannot start again, crm_simulate lists a stop on every node it is found on, theirs blocked.
        if (rsc.HasStuckCopies && rsc.Managed && !rsc.Blocked && (rsc.Next is null || rsc.IsPromoted && rsc.UnrunnableStartReason is not null))
            foreach (var n in rsc.StuckOn)
                into.Add(new ResourceChange(ChangeKind.Stop, rsc.Id, n, null, rsc.Next is null ? NodeAvailability : null, true)
                    { FromRole = rsc.IsPromoted ? Promoted : null });
        var unfenceable = false;
        foreach (var n in rsc.ActiveOn)
            if (ctx.Nodes[n].Unclean && !fenced.Contains(n)) { unfenceable = true; break; }
        // Without quorum (policy stop) nothing that needs quorum starts, and what runs stops.
        if (ctx.StopsWithoutQuorum && rsc.NeedsQuorum)
        {
            if (!rsc.IsActive && rsc.Next is not null) into.Add(new ResourceChange(ChangeKind.Start, rsc.Id, null, rsc.Next, NoQuorum, true));
            // What would stop anyway stops for its own reason; what could have stayed stops for want of quorum. A stop
            // because its start cannot run (an order) names that start's first reason, which is the quorum: Pacemaker
            // gives it when it creates the start, before any order marks it unrunnable.
            var reason = rsc.Next is null && !IsStartsReason(rsc.ForcedStopReason) ? rsc.ForcedStopReason ?? NodeAvailability : NoQuorum;
            // multiple-active=stop_unexpected gives the stops their own reason, named before the start's (no quorum).
            if (reason == NoQuorum && rsc.ActiveOn.Count > 1 && !rsc.IsPromoted && ctx.Meta(rsc, MetaAttributes.MultipleActive) == "stop_unexpected")
                reason = MultiplyActive;
            // A resource active on several nodes that stops for want of quorum is described by one line, from the
            // first of them, unless it is promoted (it leaves that role on each node); one that would stop anyway has
            // a line per node (crm_simulate). Each stop is blocked only where it cannot run.
            // That one line is blocked as the first stop made is (see FirstStopNode).
            if (reason is NoQuorum or MultiplyActive && !rsc.IsPromoted)
            {
                if (rsc.IsActive)
                    into.Add(new ResourceChange(ChangeKind.Stop, rsc.Id, rsc.ActiveOn[0], null, reason, StuckOn(ctx, FirstStopNode(rsc), fenced)));
            }
            else
                foreach (var n in rsc.ActiveOn)
                    into.Add(new ResourceChange(ChangeKind.Stop, rsc.Id, n, null, reason, StuckOn(ctx, n, fenced)) { FromRole = rsc.IsPromoted ? Promoted : null });
            return;
        }
        // Active on several nodes, promoted, and its one start cannot run: it leaves that role on each node, a line each.
        if (rsc.ActiveOn.Count > 1 && rsc.Next is not null && rsc.IsPromoted && rsc.UnrunnableStartReason is { } unrunnable)
        {
            foreach (var n in rsc.ActiveOn)
                into.Add(new ResourceChange(ChangeKind.Stop, rsc.Id, n, null, Named(unrunnable), StuckOn(ctx, n, fenced)) { FromRole = Promoted });
            return;
        }
        if (rsc.ActiveOn.Count > 1 && rsc.Next is null)
        {
            foreach (var n in rsc.ActiveOn)
                into.Add(new ResourceChange(ChangeKind.Stop, rsc.Id, n, null, NodeAvailability, StuckOn(ctx, n, fenced)) { FromRole = rsc.IsPromoted ? Promoted : null });
            return;
        }
        if (ChangeFor(ctx, rsc, unfenceable) is { } change)
            into.Add(change.FromRole is null && change.From is not null && rsc.IsPromoted ? change with { FromRole = Promoted } : change);
    }

    /// <summary>
    /// Where the first stop of a resource active on several nodes is made, which a summary line of one stop for all of
    /// them shows: Pacemaker makes the stop of a failed copy while reading the history (the first node it failed on, in
    /// status order), the others afterwards in the order the copies were found.
    /// </summary>
    private static string FirstStopNode(ResourceView rsc)
    {
        if (rsc.IsFailed)
            foreach (var n in rsc.ActiveOn)
                if (rsc.FailedOn.Contains(n)) return n;
        return rsc.ActiveOn[0];
    }

    /// <summary>A stop there cannot run: the node is unclean and will not be fenced.</summary>
    private static bool StuckOn(PlanContext ctx, string node, HashSet<string> fenced) => ctx.Nodes[node].Unclean && !fenced.Contains(node);

    private static ResourceChange? ChangeFor(PlanContext ctx, ResourceView rsc, bool unfenceable)
    {
        var next = rsc.Next;
        var blockedStart = rsc.UnrunnableStartReason;
        if (!rsc.IsActive)
        {
            if (next is null) return null;
            return new ResourceChange(ChangeKind.Start, rsc.Id, null, next, blockedStart, blockedStart is not null);
        }

        var current = rsc.ActiveOn[0];
        if (rsc.ActiveOn.Count > 1)
        {
            // Stopped everywhere and started once: described from the first node it was found on. With
            // multiple-active=stop_unexpected a move or a recovery says why (crm_simulate); a restart does not, nor
            // a line that leaves the promoted role. A restart after a definition change (on any of its nodes) says so;
            // a recovery does not.
            var why = ctx.Meta(rsc, MetaAttributes.MultipleActive) == "stop_unexpected" && !rsc.IsPromoted ? MultiplyActive : null;
            var changed = rsc.ActiveOn.Any(rsc.IsChangedOn) && !rsc.RequiresNothing ? DefinitionChanged : null;
            // Its one start cannot run: it is stopped everywhere, described by one line from its first node, with the
            // start's reason (crm_simulate).
            // The stops of multiple-active=stop_unexpected have their own reason, which comes first.
            if (blockedStart is not null && !rsc.IsPromoted)
                return new ResourceChange(ChangeKind.Stop, rsc.Id, current, null, why ?? Named(blockedStart), unfenceable || rsc.FirstStopStuck);
            // A copy on an unclean node that will not be fenced cannot be stopped, and the one start comes after every
            // stop: it cannot run either. Stopped where it can be, described from its first node, blocked as the first
            // stop made is (crm_simulate).
            if (unfenceable && !rsc.IsPromoted)
                return new ResourceChange(ChangeKind.Stop, rsc.Id, current, null, why, ctx.Nodes[FirstStopNode(rsc)].Unclean);
            // A recovery leaving the promoted role names its start's reason, the definition change (as for one copy).
            if (rsc.IsFailed) return new ResourceChange(ChangeKind.Recover, rsc.Id, current, next, rsc.IsPromoted ? changed : why, unfenceable);
            return current == next
                ? new ResourceChange(ChangeKind.Restart, rsc.Id, next, next, changed, unfenceable)
                : new ResourceChange(ChangeKind.Move, rsc.Id, current, next, why, unfenceable) { FromRole = rsc.IsPromoted ? Promoted : null };
        }

        if (next is null || (blockedStart is not null && (next != current || rsc.IsFailed || rsc.IsChangedOn(current) || rsc.RestartReason is not null || rsc.IsPromoted)))
        {
            // A stop because the start waits for quorum (freeze) gives no reason (crm_simulate).
            var reason = next is null ? rsc.ForcedStopReason ?? NodeAvailability : Named(blockedStart);
            // A stop because the start cannot run names the start's reason, and a definition change is the first one
            // the start is given (Pacemaker sets it while reading the history, before any order): it stays, unless the
            // resource requires nothing (the start's reason is then cleared and set again).
            if ((blockedStart is not null || rsc.ForcedStopReason is not null) && rsc.IsChangedOn(current) && !rsc.RequiresNothing)
                reason = DefinitionChanged;
            // Its start cannot run: the line shows the first stop made, which may be a copy stuck on an offline node's.
            return new ResourceChange(ChangeKind.Stop, rsc.Id, current, null, reason, unfenceable || (next is not null && rsc.FirstStopStuck && !rsc.IsPromoted));
        }
        // A failed resource found promoted, started with other parameters than today's: its recovery from the promoted
        // role, in place or elsewhere, is for the definition change (crm_simulate); a plain recovery gives no reason.
        var promotedChanged = rsc.IsFailed && rsc.IsPromoted && rsc.IsChangedOn(current) && !rsc.RequiresNothing ? DefinitionChanged : null;
        if (next == current)
        {
            if (rsc.IsFailed) return new ResourceChange(ChangeKind.Recover, rsc.Id, current, current, promotedChanged, unfenceable);
            // With requires=nothing Pacemaker clears the start's reason when it looks the start up again.
            if (rsc.IsChangedOn(current))
                return new ResourceChange(ChangeKind.Restart, rsc.Id, current, current, rsc.RequiresNothing ? null : DefinitionChanged, unfenceable);
            // A primitive is never promoted: found in that role, it is restarted to the Started role where it is.
            if (rsc.IsPromoted) return new ResourceChange(ChangeKind.Restart, rsc.Id, current, current, null, unfenceable) { FromRole = Promoted };
            if (rsc.RestartReason is not null)
                return new ResourceChange(ChangeKind.Restart, rsc.Id, current, current, rsc.RestartReason.Length == 0 ? null : rsc.RestartReason, unfenceable);
            return null;
        }
        // A recovery that leaves the promoted role names its start's reason, wherever the start goes (crm_simulate); a
        // plain move or recovery names its stop's, which has none.
        return rsc.IsFailed
            ? new ResourceChange(ChangeKind.Recover, rsc.Id, current, next, promotedChanged, unfenceable)
            : new ResourceChange(ChangeKind.Move, rsc.Id, current, next, null, unfenceable);
    }
}

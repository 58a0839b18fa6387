using System.Runtime.CompilerServices;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Projections.Policy.Reconcile;

/// <summary>
/// Step 1, reconcile: from configuration and status, what is true now — node states, where each primitive is
/// active, failed or blocked, fail counts, meta attributes in effect.
/// </summary>
internal static class ReconcileStep
{
    public const string Name = "reconcile";
    public const string NoQuorumSuicide = "cluster does not have quorum";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(PlanContext ctx)
    {
        foreach (var def in ctx.Configuration.Nodes.Values)
            ctx.Nodes[def.Name] = NodeReconciler.Read(def, ctx.State.StatusOf(def.Name), ctx.Options);
        foreach (var node in ctx.Nodes.Values)
        {
            node.Index = ctx.NodeList.Count;
            ctx.NodeList.Add(node);
        }
        // no-quorum-policy=suicide: without quorum every node of this partition fences itself.
        if (!ctx.State.HasQuorum && ctx.State.NoQuorumPanic && ctx.Options.NoQuorum == "suicide" && ctx.Options.IsStonithEnabled)
            foreach (var node in ctx.Nodes.Values.Where(n => n.Online))
            {
                node.Fence(NoQuorumSuicide);
                node.Online = false;
            }

        var order = 0;
        foreach (var top in ctx.TopLevel)
        {
            switch (top)
            {
                case Primitive p:
                    Add(ctx, new ResourceView(p, null, order++));
                    break;
                case Group g:
                    foreach (var m in g.Members)
                        if (ctx.Configuration.Resources.TryGetValue(m, out var r) && r is Primitive mp)
                            Add(ctx, new ResourceView(mp, g, order++));
                    break;
            }
        }

        foreach (var rsc in ctx.Resources) ReadMeta(ctx, rsc);
        ctx.KnownOn = new NodeMatrix(ctx.Resources.Count, ctx.NodeList.Count);

        // A node's history usually lists resources in configuration order: the next one is tried before the
        // lookup by id. sequence[k] is what ById gives for the k-th resource's id (ids[k]), so a hit is the lookup's answer.
        var sequence = ctx.Resources.Select(r => ctx.ById[r.Id]).ToArray();
        var ids = ctx.Resources.Select(r => r.Id).ToArray();
        var orders = sequence.Select(r => r.Order).ToArray();

        var statusOrder = ctx.State.StatusOrder.Where(ctx.Nodes.ContainsKey).Concat(ctx.Nodes.Keys.Except(ctx.State.StatusOrder)).Distinct();
        var statusNodes = statusOrder.Select(n => ctx.Nodes[n]).ToList();
        var shutdownLock = ctx.Options.IsShutdownLock;
        if (shutdownLock) ShutdownLock.ReadRecorded(ctx, statusNodes);
        foreach (var node in statusNodes)
        {
            var status = ctx.State.StatusOf(node.Name);
            if (status is null) continue;
            // Pacemaker reads an offline node's history only with fencing enabled or shutdown-lock on (to find the
            // locks); a node in maintenance keeps what it ran as it was. What it finds active on a node that left
            // cleanly is stuck there: with fencing the node is fenced for it ("thought to be active there", in
            // HistoryReader), without, its stop cannot run. (From the log, such a node has no history: PlanningInput.)
            if (!node.Online && !ctx.Options.IsStonithEnabled && !shutdownLock && !node.Maintenance) continue;
            ReadHistories(ctx, node, status, ids, sequence, orders);
        }

        // Fail counts are transient attributes: only nodes that have any are read, in node order.
        var withAttributes = ctx.NodeList
            .Select(n => (Node: n, Status: ctx.State.StatusOf(n.Name)))
            .Where(x => x.Status is not null && !x.Status.Attributes.IsEmpty)
            .Select(x => (x.Node, x.Status!))
            .ToList();
        foreach (var rsc in ctx.Resources)
        {
            if (shutdownLock && !ctx.Options.IsStonithEnabled) SetStuckCopiesAside(ctx, rsc);
            // Fencing the node stops whatever was stuck there, so a block there does not outlive it.
            if (rsc.Blocked && rsc.ActiveOn.Count > 0 && rsc.ActiveOn.All(n => ctx.Nodes[n].Unclean && ctx.CanFenceNode(ctx.Nodes[n]))) rsc.Blocked = false;
            if (withAttributes.Count > 0) ReadFailCounts(ctx, rsc, withAttributes);
            // Unmanaged by its configuration (is-managed=false, maintenance), not by its node's maintenance.
            var configuredUnmanaged = rsc.UnmanagedByConfiguration = !rsc.Managed;
            // What runs on a node in maintenance is not managed while it is.
            if (rsc.ActiveOn.Count > 0 && AnyInMaintenance(ctx, rsc.ActiveOn)) rsc.Managed = false;
            // A copy on a node about to be fenced still makes a resource multiply active (it is stopped everywhere
            // and started once), except for a fence device: its copies there end with the fence (crm_simulate).
            if (rsc.Primitive.IsFenceDevice && rsc.ActiveOn.Count > 1 && rsc.ActiveOn.Any(n => !ctx.Nodes[n].Unclean))
                rsc.ActiveOn.RemoveAll(n => ctx.Nodes[n].Unclean && ctx.CanFenceNode(ctx.Nodes[n]));
            // multiple-active=block: a resource found active on several nodes is left alone for an admin,
            // and with it the rest of its group.
            if (rsc.ActiveOn.Count > 1 && ctx.Meta(rsc, MetaAttributes.MultipleActive) == "block")
            {
                rsc.Blocked = true;
                // Configured so on the group itself, the whole group is left alone (Pacemaker blocks every member).
                if (rsc.Group is { } g && g.Meta.Get(MetaAttributes.MultipleActive) == "block")
                    foreach (var m in ctx.MembersOf(g)) m.Blocked = true;
            }
            // multiple-active=stop_only: stopped everywhere, not started again.
            if (rsc.ActiveOn.Count > 1 && ctx.Meta(rsc, MetaAttributes.MultipleActive) == "stop_only") rsc.ForceStopped = true;
            foreach (var n in rsc.StandbyNodesOrNone)
                if (ctx.Nodes.TryGetValue(n, out var sn)) sn.Standby = true;
            // Only a lost node counts: one in maintenance, or online and fenced for another resource's failed stop, does
            // not end what it runs this way (crm_simulate).
            rsc.EndsWithFence = configuredUnmanaged && rsc.IsActive && rsc.ActiveOn.All(n => ctx.Nodes[n] is { Unclean: true, Online: false } lost && ctx.CanFenceNode(lost));
        }
        if (shutdownLock)
        {
            foreach (var rsc in ctx.Resources) ShutdownLock.Apply(ctx, rsc);
            StopsOnOfflineNodes(ctx);
        }
        ForgetChangesOnUnavailableNodes(ctx);
    }

    /// <summary>
    /// Pacemaker compares the recorded parameters with today's only in the histories of nodes that can run resources
    /// (online, not in standby, not shutting down, not to be fenced; a node in maintenance included): a change
    /// recorded on a node in standby (by its attribute or an on-fail=standby) or one being fenced asks for nothing.
    /// </summary>
    private static void ForgetChangesOnUnavailableNodes(PlanContext ctx)
    {
        foreach (var rsc in ctx.Resources)
        {
            if (!rsc.HasChanges) continue;
            rsc.ChangedOn.RemoveWhere(name => ctx.Nodes.TryGetValue(name, out var n) && !n.Maintenance
                                              && (!n.Online || n.Unclean || n.Shutdown || (n.Standby && !n.Pending)));
        }
    }

    /// <summary>One node's histories, in the order recorded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadHistories(PlanContext ctx, NodeView node, NodeStatus status, string[] ids, ResourceView[] sequence, int[] orders)
    {
        var next = 0;
        var histories = status.Resources;
        var known = ctx.KnownOn;
        for (var h = 0; h < histories.Count; h++)
        {
            var history = histories[h];
            if (next < ids.Length && string.Equals(ids[next], history.ResourceId))
            {
                // HistoryReader.Read, with the common case handled here without touching the resource's view.
                if (HistoryReader.IsNotRunningProbe(history)) known.Set(orders[next], node.Index);
                else HistoryReader.Read(sequence[next], node, history, ctx);
                next++;
            }
            else if (ctx.ById.TryGetValue(history.ResourceId, out var rsc))
            {
                HistoryReader.Read(rsc, node, history, ctx);
                next = rsc.Order + 1;
            }
            else
                ctx.Notes.Add($"history of unknown resource {history.ResourceId} on {node.Name} ignored (orphans are not managed)");
        }
    }

    public const string StopUnrunnable = "stop is unrunnable";

    /// <summary>
    /// Without fencing (histories of offline nodes read for shutdown-lock): a managed resource still active on an offline
    /// node cannot be stopped there, so Pacemaker marks the node unclean ("stop is unrunnable") once the locks are
    /// taken: its stops are blocked, and nothing it runs starts elsewhere.
    /// </summary>
    private static void StopsOnOfflineNodes(PlanContext ctx)
    {
        foreach (var rsc in ctx.Resources)
        {
            if (!rsc.Managed || rsc.Blocked) continue;
            foreach (var n in rsc.HasStuckCopies ? rsc.ActiveOn.Concat(rsc.StuckOn) : rsc.ActiveOn)
                if (ctx.Nodes[n] is { Online: false, Unclean: false, Maintenance: false } node) node.Fence(StopUnrunnable);
        }
    }

    /// <summary>
    /// Without fencing no resource requires it, and Pacemaker counts only the copies on clean online nodes to find a
    /// resource active on several (pe__find_active_requires: for multiple-active too); the first of them is where it
    /// is. A copy stuck on an offline node is left out of both (<see cref="ResourceView.StuckOn"/>), but its stop,
    /// which cannot run, comes before any start of the resource.
    /// </summary>
    private static void SetStuckCopiesAside(PlanContext ctx, ResourceView rsc)
    {
        if (rsc.ActiveOn.Count < 2) return;
        var clean = rsc.ActiveOn.Where(n => ctx.Nodes[n] is { Online: true, Unclean: false }).ToList();
        if (clean.Count == 0 || clean.Count == rsc.ActiveOn.Count) return;
        // The first stop made (which a single summary line shows blocked or not): that of a copy to recover, made while
        // its history was read (in status order; on-fail=standby or stop asks for none then), else the first copy's.
        var first = (rsc.ForceStopped ? null : rsc.ActiveOn.FirstOrDefault(n => rsc.FailedOn.Contains(n) && !rsc.StandbyNodesOrNone.Contains(n)))
                    ?? rsc.ActiveOn[0];
        rsc.FirstStopStuck = !clean.Contains(first);
        var failedThere = false;
        foreach (var n in rsc.ActiveOn)
            if (!clean.Contains(n))
            {
                rsc.StuckOn.Add(n);
                failedThere |= rsc.FailedOn.Remove(n);
            }
        rsc.ActiveOn.Clear();
        rsc.ActiveOn.AddRange(clean);
        // Failed is the resource's state, not a copy's: failed there, it is recovered where it is.
        if (failedThere) rsc.FailedOn.Add(clean[0]);
    }

    private static bool AnyInMaintenance(PlanContext ctx, List<string> nodes)
    {
        foreach (var n in nodes)
            if (ctx.Nodes[n].Maintenance) return true;
        return false;
    }

    private static void Add(PlanContext ctx, ResourceView rsc)
    {
        ctx.Resources.Add(rsc);
        ctx.ById[rsc.Id] = rsc;
    }

    /// <summary>
    /// Top-level resources (groups and primitives outside groups) in configuration order, and the groups in id
    /// order (as <see cref="Cib.Domain.Configuration.ClusterConfiguration.Groups"/>); see <see cref="PlanContext.TopLevel"/>.
    /// </summary>
    public static (List<Resource> TopLevel, List<Group> Groups) TopLevelOrder(PlanContext ctx)
    {
        var config = ctx.Configuration;
        var order = ctx.State.ResourceOrder;
        if (order.Count > 0 && ReferenceEquals(config.Resources.KeyComparer, StringComparer.Ordinal))
        {
            // When the recorded order names every resource, or every one it does not name is a member of a group,
            // nothing else is to be found by walking the sorted tree: each one is looked up instead. (Resources
            // left out of the order come after it, but group members are dropped from the top level anyway.)
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var listed = new List<(string Id, Resource Resource)>(order.Count);
            foreach (var id in order)
                if (config.Resources.TryGetValue(id, out var r) && seen.Add(id)) listed.Add((id, r));
            var found = new List<(string Id, Resource Resource)>(listed);
            for (var i = 0; i < found.Count; i++)
                if (found[i].Resource is Group g)
                    foreach (var m in g.Members)
                        if (!seen.Contains(m) && config.Resources.TryGetValue(m, out var mr) && seen.Add(m)) found.Add((m, mr));
            if (found.Count == config.Resources.Count)
            {
                var groups = found.Where(x => x.Resource is Group).OrderBy(x => x.Id, StringComparer.Ordinal).Select(x => (Group)x.Resource).ToList();
                var inGroups = groups.SelectMany(g => g.Members).ToHashSet(StringComparer.Ordinal);
                return (listed.Where(x => !inGroups.Contains(x.Id)).Select(x => x.Resource).ToList(), groups);
            }
        }
        // One walk over the sorted tree: its entries in key order and, with ordinal keys (as configurations are
        // built), a hash map that answers the lookups below as the tree would.
        var entries = config.Resources.ToList();
        IReadOnlyDictionary<string, Resource> resources = ReferenceEquals(config.Resources.KeyComparer, StringComparer.Ordinal)
            ? entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal)
            : config.Resources;
        var members = entries.Select(e => e.Value).OfType<Group>().SelectMany(g => g.Members).ToHashSet(StringComparer.Ordinal);
        var keys = entries.Select(e => e.Key);
        var ordered = ctx.State.ResourceOrder.Count > 0
            ? ctx.State.ResourceOrder.Where(resources.ContainsKey).Concat(keys.Except(ctx.State.ResourceOrder))
            : keys;
        return (ordered.Distinct().Where(id => !members.Contains(id)).Select(id => resources[id]).ToList(),
            entries.Select(e => e.Value).OfType<Group>().ToList());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadMeta(PlanContext ctx, ResourceView rsc)
    {
        var managed = ctx.Meta(rsc, MetaAttributes.IsManaged);
        rsc.Managed = (managed is null || Flags.IsTrue(managed) || !Flags.TryParse(managed, out _))
            && !ctx.Options.IsMaintenanceMode
            && !Flags.IsTrue(ctx.Meta(rsc, MetaAttributes.Maintenance));
        var role = ctx.Meta(rsc, MetaAttributes.TargetRole);
        rsc.TargetStopped = role is not null && role.Equals("Stopped", StringComparison.OrdinalIgnoreCase);
        rsc.Stickiness = Score.TryParse(ctx.Meta(rsc, MetaAttributes.ResourceStickiness), out var s) ? s : Score.Zero;
        rsc.MigrationThreshold = Score.TryParse(ctx.Meta(rsc, MetaAttributes.MigrationThreshold), out var mt) ? mt.Value : Score.InfinityValue;
        rsc.FailureTimeoutSeconds = Duration.TryParse(ctx.Meta(rsc, MetaAttributes.FailureTimeout), out var ft) ? ft.Milliseconds / 1000 : 0;
        var requires = ctx.Meta(rsc, "requires");
        rsc.NeedsQuorum = requires is not "nothing";
        rsc.RequiresNothing = requires == "nothing"
            || (requires is null && !rsc.Primitive.IsFenceDevice && !ctx.Options.IsStonithEnabled && ctx.Options.NoQuorum == "ignore");
        rsc.Priority = Score.TryParse(ctx.Meta(rsc, MetaAttributes.Priority), out var pr) ? pr.Value : 0;
    }

    /// <summary>fail-count-RSC and fail-count-RSC#op_interval transient attributes, with failure-timeout expiry.</summary>
    private static void ReadFailCounts(PlanContext ctx, ResourceView rsc, List<(NodeView Node, NodeStatus Status)> withAttributes)
    {
        var timeout = rsc.FailureTimeoutSeconds;
        foreach (var (node, status) in withAttributes)
        {
            var count = Score.Zero;
            long lastFailure = 0;
            foreach (var (k, v) in status.Attributes)
            {
                if (Matches(k, "fail-count-", rsc.Id) && Score.TryParse(v, out var c)) count += c;
                else if (Matches(k, "last-failure-", rsc.Id) && long.TryParse(v, out var t)) lastFailure = Math.Max(lastFailure, t);
            }
            if (count.Value <= 0 || rsc.FailCountIgnoredOn.Contains(node.Name)) continue;
            if (timeout > 0 && lastFailure > 0 && ctx.Now >= lastFailure + timeout)
            {
                ctx.Notes.Add($"{rsc.Id} fail count on {node.Name} expired (failure-timeout)");
                continue;
            }
            rsc.FailCounts[node.Name] = count.Value;
            if (count.Value >= rsc.MigrationThreshold && rsc.MigrationThreshold > 0)
                rsc.BannedOn.TryAdd(node.Name, HistoryReader.MigrationThresholdReached);
        }
    }

    private static bool Matches(string key, string prefix, string id) =>
        key.StartsWith(prefix, StringComparison.Ordinal)
        && (key.Length == prefix.Length + id.Length ? key.EndsWith(id, StringComparison.Ordinal)
            : key.Length > prefix.Length + id.Length && key.AsSpan(prefix.Length, id.Length).SequenceEqual(id) && key[prefix.Length + id.Length] == '#');
}

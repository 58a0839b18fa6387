using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Store;

namespace Cib.Projections.ReadModels.ClusterStatus;

/// <summary>
/// What <c>crm_mon -1</c> shows, from the configuration and the status read model as of a log position: nodes and their
/// state, the controller, quorum, resources (groups with their members) with where and in which role they run, target
/// role and whether managed, failed operations, fail counts, the last fencing per node, and the transition in progress.
/// Pure: a function of its two inputs.
/// </summary>
public sealed record StatusView(
    long Position,
    string? Controller,
    bool HasQuorum,
    IReadOnlyList<StatusView.NodeView> Nodes,
    IReadOnlyList<StatusView.ResourceView> Resources,
    IReadOnlyList<StatusView.FailedOperationView> FailedOperations,
    IReadOnlyList<StatusView.FailCountView> FailCounts,
    IReadOnlyList<StatusView.FencingView> Fencing,
    StatusView.TransitionView? Transition,
    bool MaintenanceMode)
{
    /// <summary>A node: <c>online</c>, <c>standby</c>, <c>maintenance</c>, <c>offline</c>, <c>unclean</c> or <c>fenced</c> (Pacemaker's words).</summary>
    public sealed record NodeView(string Name, string State, bool IsController);

    /// <summary>
    /// A primitive (<see cref="Members"/> empty) or a group (its members in order). <see cref="Role"/>: <c>Started</c>,
    /// <c>Promoted</c>, <c>Stopped</c> or <c>FAILED</c>; <see cref="Nodes"/>: where it runs (more than one: multiply active).
    /// </summary>
    public sealed record ResourceView(string Id, string? Agent, string Role, IReadOnlyList<string> Nodes, string? TargetRole, bool Managed,
        IReadOnlyList<ResourceView> Members);

    public sealed record FailedOperationView(string Resource, string Node, string Operation, long IntervalMs, int Rc, string RcText, string Status,
        string? ExitReason, DateTimeOffset At);

    public sealed record FailCountView(string Resource, string Node, int Count, DateTimeOffset LastFailure);

    public sealed record FencingView(string Target, string Outcome, string Reason, int Attempts, string? LastError, DateTimeOffset At);

    public sealed record TransitionView(string Id, bool InProgress);

    public static StatusView From(ClusterConfiguration configuration, ClusterStatus status, long position)
    {
        var options = configuration.Options;
        var nodes = configuration.Nodes.Keys.Concat(status.Membership.Nodes.Keys).Distinct().Order(StringComparer.Ordinal)
            .Select(n => new NodeView(n, NodeState(configuration, status, n), n == status.Controller)).ToList();
        var online = nodes.Count(n => n.State is "online" or "standby" or "maintenance");
        // Pacemaker's default: quorum is a majority of the configured (else known) nodes.
        var hasQuorum = online * 2 > Math.Max(configuration.Nodes.Count, nodes.Count);
        var grouped = configuration.Groups.SelectMany(g => g.Members).ToHashSet(StringComparer.Ordinal);
        var resources = configuration.Resources.Values
            .Where(r => r is Group || !grouped.Contains(r.Id))
            .Select(r => r is Group g
                ? Summarise(g, [.. g.Members.Select(m => configuration.Resources.GetValueOrDefault(m)).OfType<Primitive>().Select(p => Primitive(p, g, status, options))])
                : Primitive((Primitive)r, null, status, options))
            .ToList();
        var failed = status.Operations
            .SelectMany(o => o.Value.Values.Where(r => r.Failed).Select(r => new FailedOperationView(o.Key.Resource, o.Key.Node, r.Operation, r.IntervalMs, r.Rc,
                OcfRc.Describe(r.Rc), r.Status.ToString(), r.ExitReason, r.At)))
            .OrderBy(f => f.At).ToList();
        return new StatusView(
            position, status.Controller, hasQuorum, nodes, resources, failed,
            [.. status.Failures.Select(f => new FailCountView(f.Key.Resource, f.Key.Node, f.Value.Count, f.Value.LastFailure))],
            [.. status.Fencing.Values.Select(f => new FencingView(f.Target, f.Outcome.ToString(), f.Reason, f.Attempts, f.LastError, f.At))],
            status.CurrentTransition is { } t ? new TransitionView(t, status.TransitionOpen) : null,
            options.IsMaintenanceMode);
    }

    private static string NodeState(ClusterConfiguration configuration, ClusterStatus status, string node)
    {
        var definition = configuration.Nodes.GetValueOrDefault(node);
        return status.Membership.Of(node) switch
        {
            NodeMembership.Online when definition?.IsMaintenance == true => "maintenance",
            NodeMembership.Online when definition?.IsStandby == true => "standby",
            NodeMembership.Online => "online",
            NodeMembership.Unclean => "unclean",
            NodeMembership.Fenced => "fenced",
            _ => "offline",
        };
    }

    private static ResourceView Primitive(Primitive p, Group? group, ClusterStatus status, ClusterOptions options)
    {
        var where = status.Operations.Where(o => o.Key.Resource == p.Id)
            .Select(o => (o.Key.Node, Role: RoleFrom(o.Value.Values)))
            .Where(x => x.Role != "Stopped").OrderBy(x => x.Node, StringComparer.Ordinal).ToList();
        var role = where.Any(x => x.Role == "FAILED") ? "FAILED" : where.Any(x => x.Role == "Promoted") ? "Promoted" : where.Count > 0 ? "Started" : "Stopped";
        return new ResourceView(p.Id, p.Agent.ToString(), role, [.. where.Select(x => x.Node)], Meta(p, group, MetaAttributes.TargetRole),
            Managed(p, group, options), []);
    }

    private static ResourceView Summarise(Group g, IReadOnlyList<ResourceView> members)
    {
        var nodes = members.SelectMany(m => m.Nodes).Distinct().Order(StringComparer.Ordinal).ToList();
        var role = members.Any(m => m.Role == "FAILED") ? "FAILED" : members.Count > 0 && members.All(m => m.Role == "Started") ? "Started"
            : members.All(m => m.Role == "Stopped") ? "Stopped" : "Partial";
        return new ResourceView(g.Id, null, role, nodes, g.MetaValue(MetaAttributes.TargetRole), members.All(m => m.Managed), members);
    }

    /// <summary>
    /// The role the latest start, stop, promote, demote or monitor result (by log position) says, as Pacemaker reads an
    /// operation history: a successful stop or rc 7 means stopped, rc 8 promoted, a failure FAILED, anything else started.
    /// </summary>
    private static string RoleFrom(IEnumerable<OperationRecord> operations)
    {
        var latest = operations.Where(o => o.Operation is "start" or "stop" or "promote" or "demote" or "monitor").MaxBy(o => o.Sequence);
        return latest switch
        {
            null => "Stopped",
            { Operation: "stop", Failed: false } => "Stopped",
            { Failed: true, Operation: "monitor", Rc: OcfRc.NotRunning } => "FAILED",
            { Failed: true } => "FAILED",
            { Rc: OcfRc.NotRunning } => "Stopped",
            { Rc: OcfRc.RunningPromoted } or { Operation: "promote" } => "Promoted",
            _ => "Started",
        };
    }

    private static string? Meta(Primitive p, Group? group, string name) => p.MetaValue(name) ?? group?.MetaValue(name);

    private static bool Managed(Primitive p, Group? group, ClusterOptions options) =>
        !options.IsMaintenanceMode
        && !Flags.IsTrue(Meta(p, group, MetaAttributes.Maintenance))
        && (Meta(p, group, MetaAttributes.IsManaged) is not { } managed || Flags.IsTrue(managed));

    /// <summary>The status read model now: the stored one and the log after its position; and the log position it is as of.</summary>
    public static async Task<(ClusterStatus Status, long Position)> CurrentStatusAsync(StoredStatus stored, CibEventLog log, CancellationToken ct = default)
    {
        var snapshot = await stored.ReadAsync(ct);
        var (status, position) = snapshot is null ? (ClusterStatus.Empty, 0L) : (snapshot.RestoreStatus(), snapshot.Position);
        while (true)
        {
            var tail = await log.ReadAfterAsync(position, 10_000, ct);
            if (tail.Count == 0) return (status, position);
            foreach (var e in tail)
                if (e.Data is Cib.Domain.IStatusEvent s) status = status.Apply(s, e.Sequence);
            position = tail[^1].Sequence;
        }
    }
}

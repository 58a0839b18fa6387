using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Users;
using Cib.Domain.Fencing;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;
using Marten;
using Mediator;
using Polly;
using Polly.Retry;

namespace Audit.Api.Commands;

// The operators' commands, with crm's words. Each is a configuration change (target-role, is-managed, standby,
// maintenance, location constraints named as crm names them) or, for a clean-up, a FailCountCleared in the resource's
// stream; each goes through the one write path and carries the actor and the request id of the request.

/// <summary><c>crm resource start|stop ID</c>: the resource's target-role.</summary>
public sealed record SetTargetRole(string Resource, string Role) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm resource manage|unmanage ID</c>: is-managed.</summary>
public sealed record SetManaged(string Resource, bool Managed) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary>
/// <c>crm resource cleanup ID [NODE]</c>: forget the resource's failures (on one node, or everywhere): its fail counts,
/// and its operation history where it failed, so that it is probed there again (Pacemaker's <c>crm_resource --cleanup</c>).
/// </summary>
public sealed record Cleanup(string Resource, string? Node) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm resource cleanup</c> with no resource: every resource that failed (on one node, or everywhere), each as <see cref="Cleanup"/>.</summary>
public sealed record CleanupAll(string? Node) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm resource maintenance ID on|off</c>: the cluster neither starts, stops nor monitors it while on (meta maintenance).</summary>
public sealed record SetResourceMaintenance(string Resource, bool Maintenance) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm resource refresh ID [NODE]</c>: forget the resource's whole operation history, so its state is rediscovered by probes.</summary>
public sealed record Refresh(string Resource, string? Node) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm resource failcount ID delete [NODE]</c>: reset the fail counts only; the operation history stays.</summary>
public sealed record DeleteFailCount(string Resource, string? Node) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary>
/// <c>crm resource restart ID</c>: target-role Stopped, wait until it runs nowhere, then the target-role it had. When it
/// does not stop within the timeout the earlier target-role is restored and the command fails.
/// </summary>
public sealed record Restart(string Resource, TimeSpan Timeout) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm node fence NODE</c> / <c>stonith_admin --fence</c>, through the cluster: the controller fences it like any node that must go.</summary>
public sealed record Fence(string Node) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary>
/// <c>crm resource move ID NODE [LIFETIME]</c>: prefer the node (location <c>cli-prefer-ID</c>, INFINITY); with a
/// lifetime (ISO 8601, e.g. PT1H) the constraint stops applying at its end and the controller plans again then.
/// </summary>
public sealed record Move(string Resource, string Node, string? Lifetime = null) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm resource ban ID NODE [LIFETIME]</c>: keep it off the node (location <c>cli-ban-ID-on-NODE</c>, -INFINITY), for a lifetime or until cleared.</summary>
public sealed record Ban(string Resource, string Node, string? Lifetime = null) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm resource clear ID</c>: drop what move and ban left (every <c>cli-prefer-ID</c> and <c>cli-ban-ID-on-*</c>).</summary>
public sealed record Clear(string Resource) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm node standby|online NODE</c>.</summary>
public sealed record SetStandby(string Node, bool Standby) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm node maintenance|ready NODE</c>.</summary>
public sealed record SetNodeMaintenanceMode(string Node, bool Maintenance) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm configure property maintenance-mode=true|false</c>: the whole cluster unmanaged.</summary>
public sealed record SetClusterMaintenance(bool Maintenance) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

public sealed class ClusterCommandHandlers(IDocumentStore store, Status.StatusFeed feed, CommandContext context, CommandWrites writes, TimeProvider time,
    Npgsql.NpgsqlDataSource db) :
    ICommandHandler<Refresh, CommandResult>, ICommandHandler<DeleteFailCount, CommandResult>, ICommandHandler<CleanupAll, CommandResult>,
    ICommandHandler<SetResourceMaintenance, CommandResult>, ICommandHandler<Restart, CommandResult>, ICommandHandler<Fence, CommandResult>,
    ICommandHandler<SetTargetRole, CommandResult>, ICommandHandler<SetManaged, CommandResult>, ICommandHandler<Cleanup, CommandResult>,
    ICommandHandler<Move, CommandResult>, ICommandHandler<Ban, CommandResult>, ICommandHandler<Clear, CommandResult>,
    ICommandHandler<SetStandby, CommandResult>, ICommandHandler<SetNodeMaintenanceMode, CommandResult>, ICommandHandler<SetClusterMaintenance, CommandResult>
{
    public ValueTask<CommandResult> Handle(SetTargetRole c, CancellationToken ct) =>
        MetaAttributes.TargetRoles.Contains(c.Role, StringComparer.OrdinalIgnoreCase)
            ? ChangeAsync($"resource {c.Resource} target-role={c.Role}", _ => [new SetResourceMeta(c.Resource, MetaAttributes.TargetRole, c.Role)], ct)
            : throw new DomainException([new DomainError("invalid-attribute", $"target-role is one of {string.Join(", ", MetaAttributes.TargetRoles)}", c.Resource)]);

    public ValueTask<CommandResult> Handle(SetManaged c, CancellationToken ct) =>
        ChangeAsync($"resource {(c.Managed ? "manage" : "unmanage")} {c.Resource}", _ => [new SetResourceMeta(c.Resource, MetaAttributes.IsManaged, c.Managed ? "true" : "false")], ct);

    public async ValueTask<CommandResult> Handle(Move c, CancellationToken ct)
    {
        var until = await EndAsync(c.Lifetime, ct);
        return await ChangeAsync($"resource move {c.Resource} {c.Node}{Lifetime(c.Lifetime)}", s =>
        {
            RequireNode(s, c.Node);
            var id = $"cli-prefer-{c.Resource}";
            var constraint = new LocationConstraint(id, c.Resource, c.Node, Score.Infinity) { Until = until };
            return [s.Constraints.ContainsKey(id) ? new UpdateConstraint(constraint) : new DefineConstraint(constraint)];
        }, ct);
    }

    public async ValueTask<CommandResult> Handle(Ban c, CancellationToken ct)
    {
        var until = await EndAsync(c.Lifetime, ct);
        return await ChangeAsync($"resource ban {c.Resource} {c.Node}{Lifetime(c.Lifetime)}", s =>
        {
            RequireNode(s, c.Node);
            var id = $"cli-ban-{c.Resource}-on-{c.Node}";
            var constraint = new LocationConstraint(id, c.Resource, c.Node, Score.MinusInfinity) { Until = until };
            return [s.Constraints.ContainsKey(id) ? new UpdateConstraint(constraint) : new DefineConstraint(constraint)];
        }, ct);
    }

    private static string Lifetime(string? lifetime) => lifetime is null ? "" : $" for {lifetime}";

    /// <summary>The end of a lifetime, by the store's clock (the one the controller compares with); none without a lifetime.</summary>
    private async Task<DateTimeOffset?> EndAsync(string? lifetime, CancellationToken ct)
    {
        if (lifetime is null) return null;
        if (!Duration.TryParse(lifetime, out var duration) || duration.Milliseconds < 1000)
            throw new DomainException([new DomainError("invalid-lifetime", $"'{lifetime}' is not a lifetime of a second or more (ISO 8601, e.g. PT1H, P1D)", lifetime)]);
        return LocationConstraint.EndOfLifetime(await StoreClock.NowAsync(db, ct), duration);
    }

    public ValueTask<CommandResult> Handle(Clear c, CancellationToken ct) =>
        ChangeAsync($"resource clear {c.Resource}", s => [.. s.Constraints.Values.OfType<LocationConstraint>()
            .Where(l => l.Resource == c.Resource && (l.Id == $"cli-prefer-{c.Resource}" || l.Id.StartsWith($"cli-ban-{c.Resource}-on-", StringComparison.Ordinal)))
            .Select(l => (IConfigurationCommand)new DeleteConstraint(l.Id))], ct, requireResource: c.Resource);

    public ValueTask<CommandResult> Handle(SetStandby c, CancellationToken ct) =>
        ChangeAsync($"node {(c.Standby ? "standby" : "online")} {c.Node}", _ => [new SetNodeStandby(c.Node, c.Standby)], ct);

    public ValueTask<CommandResult> Handle(SetNodeMaintenanceMode c, CancellationToken ct) =>
        ChangeAsync($"node {(c.Maintenance ? "maintenance" : "ready")} {c.Node}", _ => [new SetNodeMaintenance(c.Node, c.Maintenance)], ct);

    public ValueTask<CommandResult> Handle(SetClusterMaintenance c, CancellationToken ct) =>
        ChangeAsync($"property maintenance-mode={(c.Maintenance ? "true" : "false")}", _ => [new SetClusterProperty("maintenance-mode", c.Maintenance ? "true" : "false")], ct);

    public async ValueTask<CommandResult> Handle(Cleanup c, CancellationToken ct)
    {
        var (status, targets) = await TargetsAsync(c.Resource, c.Node, ct);
        // Where each failed: a fail count, or a failed operation still on record. The history goes there only.
        var events = new List<object>();
        foreach (var t in targets)
        {
            events.Add(new FailCountCleared(t, c.Node, Actor(), "resource cleanup", time.GetUtcNow()));
            var failedOn = status.Failures.Keys.Where(k => k.Resource == t).Select(k => k.Node)
                .Concat(status.Operations.Where(o => o.Key.Resource == t && o.Value.Values.Any(r => r.Failed)).Select(o => o.Key.Node))
                .Where(n => c.Node is null || n == c.Node).Distinct().Order(StringComparer.Ordinal);
            events.AddRange(failedOn.Select(n => new ResourceHistoryCleared(t, n, Actor(), "resource cleanup", time.GetUtcNow())));
        }
        return await AppendToResourceAsync(c.Resource, events, $"resource cleanup {c.Resource}{(c.Node is null ? "" : " " + c.Node)}", ct);
    }

    public async ValueTask<CommandResult> Handle(CleanupAll c, CancellationToken ct)
    {
        var (configuration, status, _) = await feed.StateAsync(ct);
        if (c.Node is not null && !configuration.Nodes.ContainsKey(c.Node))
            throw new DomainException([new DomainError("unknown-node", $"no such node '{c.Node}'", c.Node)]);
        // Every primitive with a fail count or a failed operation on record (on the node, if one is named).
        var failed = status.Failures.Keys.Select(k => (k.Resource, k.Node))
            .Concat(status.Operations.Where(o => o.Value.Values.Any(r => r.Failed)).Select(o => (o.Key.Resource, o.Key.Node)))
            .Where(x => (c.Node is null || x.Node == c.Node) && configuration.Resources.ContainsKey(x.Resource))
            .Select(x => x.Resource).Distinct().Order(StringComparer.Ordinal).ToList();
        var events = new List<AppendedEvent>();
        var repeated = false;
        foreach (var resource in failed)
        {
            var one = await Handle(new Cleanup(resource, c.Node), ct);
            events.AddRange(one.Events);
            repeated |= one.Repeated;
        }
        return new CommandResult(events, null, repeated);
    }

    public ValueTask<CommandResult> Handle(SetResourceMaintenance c, CancellationToken ct) =>
        ChangeAsync($"resource maintenance {c.Resource} {(c.Maintenance ? "on" : "off")}",
            _ => [new SetResourceMeta(c.Resource, MetaAttributes.Maintenance, c.Maintenance ? "true" : "false")], ct, requireResource: c.Resource);

    public async ValueTask<CommandResult> Handle(Refresh c, CancellationToken ct)
    {
        var (_, targets) = await TargetsAsync(c.Resource, c.Node, ct);
        return await AppendToResourceAsync(c.Resource,
            [.. targets.Select(t => (object)new ResourceHistoryCleared(t, c.Node, Actor(), "resource refresh", time.GetUtcNow()))],
            $"resource refresh {c.Resource}{(c.Node is null ? "" : " " + c.Node)}", ct);
    }

    public async ValueTask<CommandResult> Handle(DeleteFailCount c, CancellationToken ct)
    {
        var (_, targets) = await TargetsAsync(c.Resource, c.Node, ct);
        return await AppendToResourceAsync(c.Resource,
            [.. targets.Select(t => (object)new FailCountCleared(t, c.Node, Actor(), "failcount delete", time.GetUtcNow()))],
            $"resource failcount {c.Resource} delete{(c.Node is null ? "" : " " + c.Node)}", ct);
    }

    public async ValueTask<CommandResult> Handle(Fence c, CancellationToken ct)
    {
        var stream = StreamIds.Fencing(c.Node);
        if (await writes.RepeatOfAsync(stream, ct) is { } repeat) return repeat;
        var (configuration, status, _) = await feed.StateAsync(ct);
        if (!configuration.Nodes.ContainsKey(c.Node)) throw new DomainException([new DomainError("unknown-node", $"no such node '{c.Node}'", c.Node)]);
        if (!configuration.Options.IsStonithEnabled)
            throw new DomainException([new DomainError("fencing-disabled", "stonith-enabled is false: the cluster fences nothing", c.Node)]);
        // A member is fenced for the request; a lost node is being fenced already; an offline or fenced one runs nothing.
        if (status.Membership.Of(c.Node) is not Cib.Domain.Nodes.NodeMembership.Online)
            throw new DomainException([new DomainError("node-not-member", $"{c.Node} is not an online member (it is {StatusView.From(configuration, status, 0).Nodes.FirstOrDefault(n => n.Name == c.Node)?.State ?? "offline"}): there is nothing to fence", c.Node)]);
        return await writes.AppendAsync(stream, [new NodeTerminationRequested(c.Node, Actor(), "fence requested by an operator", time.GetUtcNow())],
            $"node fence {c.Node}", ct);
    }

    public async ValueTask<CommandResult> Handle(Restart c, CancellationToken ct)
    {
        var (configuration, _) = await ConfigurationReader.LoadAsync(store, ct);
        if (!configuration.Resources.TryGetValue(c.Resource, out var resource))
            throw new DomainException([new DomainError("unknown-resource", $"no such resource '{c.Resource}'", c.Resource)]);
        if (resource.Meta.Get(MetaAttributes.IsManaged) is { } managed && !Flags.IsTrue(managed))
            throw new DomainException([new DomainError("resource-unmanaged", $"{c.Resource} is unmanaged: the cluster neither stops nor starts it", c.Resource)]);
        var previous = resource.Meta.Get(MetaAttributes.TargetRole) ?? "Started";
        var outer = context.RequestId;
        // Each half is a request of its own, so that a repeat of the whole finds both (and does not restart again).
        context.RequestId = outer is null ? null : outer + "/stop";
        var stop = await ChangeAsync($"resource restart {c.Resource}: stop", _ => [new SetResourceMeta(c.Resource, MetaAttributes.TargetRole, "Stopped")], ct);
        if (stop.Repeated)
        {
            context.RequestId = outer + "/start";
            var again = await ChangeAsync($"resource restart {c.Resource}: start", _ => [new SetResourceMeta(c.Resource, MetaAttributes.TargetRole, previous)], ct);
            context.RequestId = outer;
            return new CommandResult([.. stop.Events, .. again.Events], again.ConfigurationVersion, true);
        }
        var members = resource is Group g ? g.Members.ToHashSet(StringComparer.Ordinal) : [c.Resource];
        var deadline = time.GetUtcNow() + c.Timeout;
        var stopped = false;
        while (!(stopped = await RunsNowhereAsync(members, ct)) && time.GetUtcNow() < deadline)
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, ct);
        context.RequestId = outer is null ? null : outer + "/start";
        var start = await ChangeAsync($"resource restart {c.Resource}: {(stopped ? "start" : "restore the target-role, stop timed out")}",
            _ => [new SetResourceMeta(c.Resource, MetaAttributes.TargetRole, previous)], ct);
        context.RequestId = outer;
        if (!stopped)
            throw new DomainException([new DomainError("restart-timeout",
                $"{c.Resource} still ran after {c.Timeout.TotalSeconds:0} s; target-role {previous} restored", c.Resource)]);
        return new CommandResult([.. stop.Events, .. start.Events], start.ConfigurationVersion, false);
    }

    /// <summary>Whether none of the primitives is active anywhere, by the status now.</summary>
    private async Task<bool> RunsNowhereAsync(IReadOnlySet<string> primitives, CancellationToken ct)
    {
        var (configuration, status, position) = await feed.StateAsync(ct);
        var view = StatusView.From(configuration, status, position);
        return view.Resources.SelectMany(r => r.Members.Count == 0 ? [r] : r.Members)
            .Where(r => primitives.Contains(r.Id)).All(r => r.Nodes.Count == 0);
    }

    /// <summary>
    /// The resource (a group: its members, as Pacemaker acts on every member) after checking it and the node exist, and
    /// the status now (the status feed's state and the log after it).
    /// </summary>
    private async Task<(ClusterStatus Status, IReadOnlyList<string> Targets)> TargetsAsync(string id, string? node, CancellationToken ct)
    {
        var (configuration, status, _) = await feed.StateAsync(ct);
        if (!configuration.Resources.TryGetValue(id, out var resource))
            throw new DomainException([new DomainError("unknown-resource", $"no such resource '{id}'", id)]);
        if (node is not null && !configuration.Nodes.ContainsKey(node))
            throw new DomainException([new DomainError("unknown-node", $"no such node '{node}'", node)]);
        return (status, resource is Group g ? [.. g.Members] : [id]);
    }

    /// <summary>Status events of an operator's command, in the resource's stream, once per request id.</summary>
    private async Task<CommandResult> AppendToResourceAsync(string resource, IReadOnlyList<object> events, string reason, CancellationToken ct) =>
        await writes.RepeatOfAsync(StreamIds.Resource(resource), ct) ?? await writes.AppendAsync(StreamIds.Resource(resource), events, reason, ct);

    private Actor Actor() => context.Actor ?? throw new InvalidOperationException("a command without an authenticated actor");

    /// <summary>Move and ban name a configured node.</summary>
    private static void RequireNode(ClusterConfiguration configuration, string? node)
    {
        if (string.IsNullOrEmpty(node)) throw new DomainException([new DomainError("node-required", "name the node: {\"node\": \"NAME\"}")]);
        if (!configuration.Nodes.ContainsKey(node)) throw new DomainException([new DomainError("unknown-node", $"no such node '{node}'", node)]);
    }

    private ValueTask<CommandResult> ChangeAsync(string reason, Func<ClusterConfiguration, IReadOnlyList<IConfigurationCommand>> commands,
        CancellationToken ct, string? requireResource = null) =>
        writes.ChangeConfigurationAsync(reason, configuration => requireResource is null || configuration.Resources.ContainsKey(requireResource)
            ? commands(configuration)
            : throw new DomainException([new DomainError("unknown-resource", $"no such resource '{requireResource}'", requireResource)]), ct);
}

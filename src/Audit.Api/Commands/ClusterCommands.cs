using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Users;
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

/// <summary><c>crm resource cleanup ID [NODE]</c>: forget the resource's failures (on one node, or everywhere).</summary>
public sealed record Cleanup(string Resource, string? Node) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm resource move ID NODE</c>: prefer the node (location <c>cli-prefer-ID</c>, INFINITY).</summary>
public sealed record Move(string Resource, string Node) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm resource ban ID NODE</c>: keep it off the node (location <c>cli-ban-ID-on-NODE</c>, -INFINITY).</summary>
public sealed record Ban(string Resource, string Node) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm resource clear ID</c>: drop what move and ban left (every <c>cli-prefer-ID</c> and <c>cli-ban-ID-on-*</c>).</summary>
public sealed record Clear(string Resource) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm node standby|online NODE</c>.</summary>
public sealed record SetStandby(string Node, bool Standby) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm node maintenance|ready NODE</c>.</summary>
public sealed record SetNodeMaintenanceMode(string Node, bool Maintenance) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

/// <summary><c>crm configure property maintenance-mode=true|false</c>: the whole cluster unmanaged.</summary>
public sealed record SetClusterMaintenance(bool Maintenance) : IClusterCommand { public UserRole Needs => UserRole.Operator; }

public sealed class ClusterCommandHandlers(IDocumentStore store, CibEventLog log, CommandContext context) :
    ICommandHandler<SetTargetRole, CommandResult>, ICommandHandler<SetManaged, CommandResult>, ICommandHandler<Cleanup, CommandResult>,
    ICommandHandler<Move, CommandResult>, ICommandHandler<Ban, CommandResult>, ICommandHandler<Clear, CommandResult>,
    ICommandHandler<SetStandby, CommandResult>, ICommandHandler<SetNodeMaintenanceMode, CommandResult>, ICommandHandler<SetClusterMaintenance, CommandResult>
{
    /// <summary>Another edit landed between reading the version and appending: read it again and re-apply (the commands are set-to-value).</summary>
    private static readonly ResiliencePipeline Concurrent = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions { ShouldHandle = new PredicateBuilder().Handle<StaleConfigurationException>(), MaxRetryAttempts = 5, Delay = TimeSpan.Zero })
        .Build();

    public ValueTask<CommandResult> Handle(SetTargetRole c, CancellationToken ct) =>
        MetaAttributes.TargetRoles.Contains(c.Role, StringComparer.OrdinalIgnoreCase)
            ? ChangeAsync($"resource {c.Resource} target-role={c.Role}", _ => [new SetResourceMeta(c.Resource, MetaAttributes.TargetRole, c.Role)], ct)
            : throw new DomainException([new DomainError("invalid-attribute", $"target-role is one of {string.Join(", ", MetaAttributes.TargetRoles)}", c.Resource)]);

    public ValueTask<CommandResult> Handle(SetManaged c, CancellationToken ct) =>
        ChangeAsync($"resource {(c.Managed ? "manage" : "unmanage")} {c.Resource}", _ => [new SetResourceMeta(c.Resource, MetaAttributes.IsManaged, c.Managed ? "true" : "false")], ct);

    public ValueTask<CommandResult> Handle(Move c, CancellationToken ct) =>
        ChangeAsync($"resource move {c.Resource} {c.Node}", s =>
        {
            RequireNode(s, c.Node);
            var id = $"cli-prefer-{c.Resource}";
            var constraint = new LocationConstraint(id, c.Resource, c.Node, Score.Infinity);
            return [s.Constraints.ContainsKey(id) ? new UpdateConstraint(constraint) : new DefineConstraint(constraint)];
        }, ct);

    public ValueTask<CommandResult> Handle(Ban c, CancellationToken ct) =>
        ChangeAsync($"resource ban {c.Resource} {c.Node}", s =>
        {
            RequireNode(s, c.Node);
            var id = $"cli-ban-{c.Resource}-on-{c.Node}";
            var constraint = new LocationConstraint(id, c.Resource, c.Node, Score.MinusInfinity);
            return [s.Constraints.ContainsKey(id) ? new UpdateConstraint(constraint) : new DefineConstraint(constraint)];
        }, ct);

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
        var (configuration, _) = await ConfigurationReader.LoadAsync(store, ct);
        if (!configuration.Resources.TryGetValue(c.Resource, out var resource))
            throw new DomainException([new DomainError("unknown-resource", $"no such resource '{c.Resource}'", c.Resource)]);
        if (c.Node is { } node && !configuration.Nodes.ContainsKey(node))
            throw new DomainException([new DomainError("unknown-node", $"no such node '{node}'", node)]);
        var meta = context.Metadata();
        var stream = StreamIds.Resource(c.Resource);
        if (meta.RequestId is { } request && await log.FindByRequestAsync(stream, request, ct) is { Count: > 0 } earlier)
            return new CommandResult([.. earlier.Select(e => new AppendedEvent(e.EventTypeName, e.Data))], null, Repeated: true);
        // A group's clean-up is its members' (Pacemaker cleans every resource of the group).
        var targets = resource is Group g ? [.. g.Members] : new List<string> { c.Resource };
        var events = targets.Select(t => (object)new FailCountCleared(t, c.Node, meta.Actor, "resource cleanup", DateTimeOffset.UtcNow)).ToList();
        await log.AppendAsync(stream, events, AppendMetadata.Stamp(meta, $"resource cleanup {c.Resource}{(c.Node is null ? "" : " " + c.Node)}"), ct);
        return new CommandResult([.. events.Select(e => new AppendedEvent(EventCatalog.NameOf(e.GetType()), e))], null, false);
    }

    /// <summary>Move and ban name a configured node.</summary>
    private static void RequireNode(ClusterConfiguration configuration, string? node)
    {
        if (string.IsNullOrEmpty(node)) throw new DomainException([new DomainError("node-required", "name the node: {\"node\": \"NAME\"}")]);
        if (!configuration.Nodes.ContainsKey(node)) throw new DomainException([new DomainError("unknown-node", $"no such node '{node}'", node)]);
    }

    private async ValueTask<CommandResult> ChangeAsync(string reason, Func<ClusterConfiguration, IReadOnlyList<IConfigurationCommand>> commands,
        CancellationToken ct, string? requireResource = null)
    {
        var meta = context.Metadata();
        var writer = new ConfigurationWriter(store);
        var result = await Concurrent.ExecuteAsync(async token =>
        {
            var (configuration, version) = await ConfigurationReader.LoadAsync(store, token);
            if (requireResource is not null && !configuration.Resources.ContainsKey(requireResource))
                throw new DomainException([new DomainError("unknown-resource", $"no such resource '{requireResource}'", requireResource)]);
            return await writer.ChangeAsync(new ChangeConfiguration(version, commands(configuration), DateTimeOffset.UtcNow, meta.Actor, reason), meta, token);
        }, ct);
        return new CommandResult([.. result.Events.Select(e => new AppendedEvent(EventCatalog.NameOf(e.GetType()), e))], result.Version, result.Repeated);
    }
}

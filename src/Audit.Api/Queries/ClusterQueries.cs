using Audit.Api.Commands;
using Cib.Domain.Configuration;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Domain.Users;
using Cib.Interop.Crm;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Store;
using Marten;
using Mediator;

namespace Audit.Api.Queries;

// The queries every user may send (the auditor role suffices), through the mediator like the commands: the one
// authorisation behaviour checks the role, a handler each reads; the endpoints only parse the request and render.

/// <summary>The status as <c>crm_mon -1</c> shows it, as of the log's head.</summary>
public sealed record GetStatus : IClusterQuery<StatusView> { public UserRole Needs => UserRole.Auditor; }

/// <summary>The configuration and its version.</summary>
public sealed record GetConfiguration : IClusterQuery<ConfigurationAt> { public UserRole Needs => UserRole.Auditor; }

public sealed record ConfigurationAt(ClusterConfiguration Configuration, long Version);

/// <summary>A resource's fail counts per node (a group: its members'); null when there is no such resource.</summary>
public sealed record GetFailCounts(string Resource) : IClusterQuery<IReadOnlyList<StatusView.FailCountView>?> { public UserRole Needs => UserRole.Auditor; }

/// <summary>The status as of a log position.</summary>
public sealed record ReplayAt(long Position) : IClusterQuery<StatusView> { public UserRole Needs => UserRole.Auditor; }

/// <summary>A recorded transition planned again and explained; null when no such transition was planned.</summary>
public sealed record ExplainTransition(string Id, string? Resource) : IClusterQuery<Explanation?> { public UserRole Needs => UserRole.Auditor; }

/// <summary>What-if on the state at a position (and its time, or now), with a crm edit applied to a copy; appends nothing.</summary>
public sealed record SimulateWhatIf(long Position, DateTimeOffset Now, WhatIf What, string? Edit) : IClusterQuery<WhatIfResult> { public UserRole Needs => UserRole.Auditor; }

/// <summary>Every recorded controller decision decided again, or those whose step began between two log positions.</summary>
public sealed record CheckReplay(long From = 0, long To = long.MaxValue) : IClusterQuery<(int Checked, IReadOnlyList<TransitionPlanner.Mismatch> Mismatches)> { public UserRole Needs => UserRole.Auditor; }

public sealed class ClusterQueryHandlers(IDocumentStore store, CibEventLog log, ReplaySnapshots replay, Status.StatusFeed feed, TimeProvider time) :
    IQueryHandler<GetStatus, StatusView>, IQueryHandler<GetConfiguration, ConfigurationAt>,
    IQueryHandler<GetFailCounts, IReadOnlyList<StatusView.FailCountView>?>, IQueryHandler<ReplayAt, StatusView>,
    IQueryHandler<ExplainTransition, Explanation?>, IQueryHandler<SimulateWhatIf, WhatIfResult>,
    IQueryHandler<CheckReplay, (int Checked, IReadOnlyList<TransitionPlanner.Mismatch> Mismatches)>
{
    public async ValueTask<StatusView> Handle(GetStatus q, CancellationToken ct) => await feed.NowAsync(ct);

    public async ValueTask<ConfigurationAt> Handle(GetConfiguration q, CancellationToken ct)
    {
        var (configuration, version) = await ConfigurationReader.LoadAsync(store, ct);
        return new ConfigurationAt(configuration, version);
    }

    public async ValueTask<IReadOnlyList<StatusView.FailCountView>?> Handle(GetFailCounts q, CancellationToken ct)
    {
        var (configuration, status, position) = await feed.StateAsync(ct);
        if (!configuration.Resources.TryGetValue(q.Resource, out var resource)) return null;
        var ids = resource is Group g ? g.Members.ToHashSet(StringComparer.Ordinal) : [q.Resource];
        return [.. StatusView.From(configuration, status, position).FailCounts.Where(f => ids.Contains(f.Resource))];
    }

    public async ValueTask<StatusView> Handle(ReplayAt q, CancellationToken ct)
    {
        var (configuration, status) = await StateAtAsync(q.Position, ct);
        return StatusView.From(configuration, status, q.Position);
    }

    public async ValueTask<Explanation?> Handle(ExplainTransition q, CancellationToken ct)
    {
        var planned = (await log.FetchStreamAsync(StreamIds.Transition(q.Id), ct)).Select(e => e.Data).OfType<TransitionPlanned>().FirstOrDefault();
        if (planned is null) return null;
        var (configuration, status) = await StateAtAsync(planned.AsOfSequence, ct);
        if (q.Resource is not null && !configuration.Resources.ContainsKey(q.Resource))
            throw new DomainException([new DomainError("unknown-resource", $"no resource '{q.Resource}' was configured then", q.Resource)]);
        return Explaining.Explain(configuration, status, planned, q.Resource);
    }

    public async ValueTask<WhatIfResult> Handle(SimulateWhatIf q, CancellationToken ct)
    {
        var (configuration, status) = await StateAtAsync(q.Position, ct);
        if (q.Edit is { Length: > 0 } edit)
        {
            // A configuration edit in crm text (update mode), checked as a change would be, applied to the copy only.
            var parsed = CrmParser.Parse(edit, configuration);
            if (!parsed.IsSuccess)
                throw new Configuration.ConfigurationTextException("configuration-invalid", parsed.Errors, string.Join("; ", parsed.Errors.Select(e => e.Format("edit"))));
            var decided = ConfigurationDecider.Decide(new ChangeConfiguration(0, ConfigurationDiff.Between(configuration, parsed.Parsed!.Configuration),
                time.GetUtcNow(), Actor.System("what-if")), configuration);
            if (!decided.IsAccepted) throw new DomainException(decided.Errors);
            configuration = ConfigurationDecider.Fold(decided.Events, configuration);
        }
        return Explaining.Simulate(configuration, status, q.Position, q.Now, q.What);
    }

    public async ValueTask<(int Checked, IReadOnlyList<TransitionPlanner.Mismatch> Mismatches)> Handle(CheckReplay q, CancellationToken ct) =>
        await TransitionPlanner.ReplayAsync(store, ct, q.From, q.To);

    /// <summary>The state as of a position: the latest replay snapshot at or before it and the log after it (decision 0013).</summary>
    private async Task<(ClusterConfiguration Configuration, ClusterStatus Status)> StateAtAsync(long position, CancellationToken ct)
    {
        var state = await replay.StateAtAsync(position, ct);
        return (state.Configuration, state.Status);
    }
}

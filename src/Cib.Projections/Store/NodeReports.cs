using Cib.Domain;
using Cib.Domain.Primitives;

namespace Cib.Projections.Store;

/// <summary>
/// A node runtime's report as its outbox keeps it: the event and the id it is appended under, chosen when the event was
/// queued (version 7: time-ordered), so that the event is recognised in the log should an append's outcome be unknown.
/// </summary>
public sealed record NodeReport(ICibEvent Event, Guid Id)
{
    public static NodeReport Queued(ICibEvent e, DateTimeOffset now) => new(e, Guid.CreateVersion7(now));
}

/// <summary>How a node runtime's reports reach the log (decision 0015): what its outbox holds, in order, in one append.</summary>
public static class NodeReports
{
    /// <summary>The most reports one append carries: what a node queued while its previous append was on its way, up to this.</summary>
    public const int MaxBatch = 256;

    /// <summary>
    /// Appends <paramref name="reports"/> of node <paramref name="node"/> in their order, in one round trip and one
    /// transaction (all are stored or none), each to its stream (<see cref="StreamIds.OfNodeReport"/>) under its own id,
    /// stamped as every node runtime stamps a report (<see cref="CommandMetadata.OfNodeReport"/>).
    /// </summary>
    public static Task AppendReportsAsync(this CibEventLog log, string node, IReadOnlyList<NodeReport> reports, CancellationToken ct = default) =>
        log.AppendInOrderAsync([.. reports.Select(r => (StreamIds.OfNodeReport(r.Event), (object)r.Event,
            AppendMetadata.Stamp(CommandMetadata.OfNodeReport(r.Event, CommandMetadata.For(Actor.Node(node))), eventId: r.Id)))], ct);
}

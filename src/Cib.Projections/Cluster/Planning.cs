using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Transitions;
using Cib.Projections.Policy;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;
using Marten;

namespace Cib.Projections.Cluster;

/// <summary>
/// One planning step as the controller takes it, and its replay: the same log up to <c>AsOfSequence</c> and
/// the same "now" give the same <see cref="TransitionPlanned"/>, so every recorded decision can be re-derived
/// and explained.
/// </summary>
public static class Planning
{
    public static TransitionPlanned Plan(ClusterConfiguration configuration, ClusterStatus status, long asOfSequence, DateTimeOffset now)
    {
        var transition = PolicyEngine.Plan(PlanningInput.From(configuration, status, now));
        var planned = TransitionMapping.ToEvent($"t{asOfSequence}", asOfSequence, transition, configuration, now);
        return planned with { Trace = string.Join("\n", transition.Trace.Notes) };
    }

    /// <summary>A recorded transition that planning again from the log did not reproduce.</summary>
    public sealed record Mismatch(string TransitionId, TransitionPlanned Recorded, TransitionPlanned Replayed);

    /// <summary>
    /// Replays the whole log: for every recorded <see cref="TransitionPlanned"/>, rebuilds configuration and
    /// status as of its <c>AsOfSequence</c>, plans at its recorded time and compares. Returns how many were
    /// checked and those that differ.
    /// </summary>
    public static async Task<(int Checked, IReadOnlyList<Mismatch> Mismatches)> ReplayAsync(IDocumentStore store, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync(ct);
        var configuration = ClusterConfiguration.Empty;
        var status = ClusterStatus.Empty;
        var applied = 0;
        var mismatches = new List<Mismatch>();
        var count = 0;
        foreach (var recorded in events.Where(e => e.Data is TransitionPlanned))
        {
            var t = (TransitionPlanned)recorded.Data;
            for (; applied < events.Count && events[applied].Sequence <= t.AsOfSequence; applied++)
            {
                switch (events[applied].Data)
                {
                    case IConfigurationEvent c: configuration = ConfigurationDecider.Evolve(configuration, c); break;
                    case IStatusEvent s: status = status.Apply(s, events[applied].Sequence); break;
                }
            }
            var replayed = Plan(configuration, status, t.AsOfSequence, t.At);
            count++;
            if (!Same(t, replayed)) mismatches.Add(new Mismatch(t.TransitionId, t, replayed));
        }
        return (count, mismatches);
    }

    /// <summary>Bit for bit: the stored JSON of both.</summary>
    private static bool Same(TransitionPlanned a, TransitionPlanned b) =>
        System.Text.Json.JsonSerializer.Serialize(a) == System.Text.Json.JsonSerializer.Serialize(b);
}

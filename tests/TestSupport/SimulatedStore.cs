using Cib.Domain.Nodes;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Simulation;
using Cib.Projections.Store;

namespace TestSupport;

/// <summary>
/// A store as a running cluster leaves it: a simulated cluster's log (<see cref="ClusterSimulation"/>: configuration,
/// failovers, fencing, operations, elections), and the read models written beside it as the active controllers write
/// them: the stored status (<see cref="LogFold"/>) written at the middle of the log, restored from there by the next
/// controller and folded on to the end and written again, under the latest term; the stored history folded behind it in
/// small batches, then in larger ones.
/// </summary>
public static class SimulatedStore
{
    public static readonly DateTimeOffset T0 = new(2026, 9, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Writes the log and the read models; returns the log's end (both read models are stored as of it).</summary>
    public static async Task<long> WriteAsync(TestDatabase db, int incidents = 40, int seed = 7, long replaySnapshotInterval = ReplaySnapshots.DefaultInterval)
    {
        var sim = new ClusterSimulation(new SimulationOptions(Seed: seed), T0);
        sim.Boot();
        for (var i = 0; i < incidents; i++) sim.RandomIncident();
        var log = new CibEventLog(db.DataSource);
        foreach (var chunk in sim.Appended.Chunk(500)) await log.AppendInOrderAsync([.. chunk.Select(a => (a.Stream, a.Event, a.Meta))]);
        var term = sim.Appended.Select(a => a.Event).OfType<ControllerElected>().Max(e => e.Term);

        var stored = new StoredStatus(db.DataSource);
        var history = new StoredHistory(db.DataSource, replaySnapshotInterval: replaySnapshotInterval);
        var middle = sim.Position / 2;
        var fold = LogFold.Initial(ClusterSimulation.Rules);
        await foreach (var e in log.ReadUpToAsync(middle)) fold = fold.Apply(e.Data, e.Sequence, e.Id);
        if (!await stored.WriteAsync(fold.Snapshot(), term)) throw new InvalidOperationException("the stored status was not written");
        await history.CatchUpAsync(fold.Position, batchSize: 37);

        // The next controller: from the stored status and the configuration as of its position, the rest of the log.
        var snapshot = await stored.ReadAsync() ?? throw new InvalidOperationException("no stored status");
        var (configuration, _) = await ConfigurationReader.LoadAsync(log, atPosition: snapshot.Position);
        fold = LogFold.Restore(snapshot, ClusterSimulation.Rules, configuration);
        await foreach (var e in log.ReadUpToAsync(sim.Position, after: snapshot.Position)) fold = fold.Apply(e.Data, e.Sequence, e.Id);
        if (!await stored.WriteAsync(fold.Snapshot(), term)) throw new InvalidOperationException("the stored status was not written");
        await new StoredHistory(db.DataSource, replaySnapshotInterval: replaySnapshotInterval).CatchUpAsync(fold.Position, batchSize: 500);
        return sim.Position;
    }
}

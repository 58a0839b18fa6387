using System.Text.Json;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Transitions;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Simulation;
using Cib.Projections.Store;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.Simulation;

/// <summary>
/// The simulated cluster writes the log the product writes: appended in order, every recorded controller step replays
/// to the same decisions, its incidents are folded into the stored history, and a seed gives the same log every time.
/// </summary>
public class ClusterSimulationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 9, 1, 0, 0, 0, TimeSpan.Zero);

    internal static ClusterSimulation Run(int incidents, int seed)
    {
        var sim = new ClusterSimulation(new SimulationOptions(Seed: seed), T0);
        sim.Boot();
        for (var i = 0; i < incidents; i++) sim.RandomIncident();
        return sim;
    }

    internal static async Task AppendAsync(TestDatabase db, IReadOnlyList<SimulatedAppend> appends)
    {
        var log = new CibEventLog(db.DataSource);
        foreach (var chunk in appends.Chunk(500)) await log.AppendInOrderAsync([.. chunk.Select(a => (a.Stream, a.Event, a.Meta))]);
    }

    [Fact]
    public void A_seed_gives_the_same_log_every_time()
    {
        static string Log(ClusterSimulation s) => string.Join("\n", s.Appended.Select(a =>
            $"{a.Stream} {a.Id} {a.Meta.CausationId} {JsonSerializer.Serialize(a.Event, a.Event.GetType(), CibEventLog.Json)}"));
        Assert.Equal(Log(Run(40, 3)), Log(Run(40, 3)));
        Assert.NotEqual(Log(Run(40, 3)), Log(Run(40, 4)));
    }

    [Fact]
    public async Task The_simulated_log_replays_exactly_and_its_incidents_are_folded()
    {
        var sim = Run(120, 11);
        var events = sim.Appended.Select(a => a.Event).ToList();
        // The mix the benchmark relies on: failures, crashes with fences (one failed at least), moves, recoveries.
        Assert.Contains(events, e => e is ResourceOperationFailed { Operation: "monitor" });
        Assert.Contains(events, e => e is NodeLost);
        Assert.Contains(events, e => e is NodeFenced);
        Assert.Contains(events, e => e is TransitionPlanned);
        Assert.Contains(events, e => e is Cib.Domain.Constraints.ConstraintDefined);

        await using var db = await TestDatabase.CreateWithSchemaAsync("sim");
        await AppendAsync(db, sim.Appended);
        var log = new CibEventLog(db.DataSource);
        Assert.Equal(sim.Position, await log.HeadAsync());

        var (checkedCount, mismatches) = await TransitionPlanner.ReplayAsync(db.Store);
        Assert.Empty(mismatches);
        Assert.True(checkedCount > events.Count(e => e is TransitionPlanned), $"{checkedCount} decisions checked");

        Assert.Equal(sim.Position, await new StoredHistory(db.DataSource).CatchUpAsync(sim.Position));
        var incidents = (await new HistoryQueries(db.DataSource).IncidentsAsync(null, new HistoryRange(Limit: HistoryRange.MaxLimit))).Items;
        Assert.Contains(incidents, i => i.Trigger == "node-lost" && i.FenceResult == "succeeded" && i.Status == "recovered");
        Assert.Contains(incidents, i => i.Trigger == "monitor-failure" && i.Status == "recovered" && i.Recovery.Count > 0);
        Assert.Contains(incidents, i => i.Trigger == "admin-move" && i.Resources.Any(r => r.StartsWith("group", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Replay_checks_a_range_of_steps_and_finds_a_forged_decision_in_it()
    {
        var sim = Run(40, 5);
        // A forged record: one plan in the middle says something its inputs do not give.
        var plans = sim.Appended.Select((a, i) => (a, i)).Where(x => x.a.Event is TransitionPlanned).ToList();
        var (forged, index) = plans[plans.Count / 2];
        var original = (TransitionPlanned)forged.Event;
        var appends = sim.Appended.ToList();
        appends[index] = forged with { Event = original with { Summary = Cib.Domain.Primitives.ValueList<string>.Of(["* Start nothing-of-the-sort"]) } };
        var position = index + 1;

        await using var db = await TestDatabase.CreateWithSchemaAsync("sim");
        await AppendAsync(db, appends);
        var (all, mismatches) = await TransitionPlanner.ReplayAsync(db.Store);
        Assert.Equal(original.TransitionId, Assert.Single(mismatches).TransitionId);

        var (inRange, found) = await TransitionPlanner.ReplayAsync(db.Store, from: position - 50, to: position + 50);
        Assert.Equal(original.TransitionId, Assert.Single(found).TransitionId);
        Assert.InRange(inRange, 1, all - 1);

        var (before, none) = await TransitionPlanner.ReplayAsync(db.Store, to: position - 1);
        Assert.Empty(none);
        var (after, none2) = await TransitionPlanner.ReplayAsync(db.Store, from: position + 1);
        Assert.Empty(none2);
        // Each step is counted in one of the two halves (the forged one in neither: it began at the position itself).
        Assert.Equal(all - Assert.Single(mismatches).Recorded.Count, before + after);
    }
}

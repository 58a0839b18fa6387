using Cib.Projections.ReadModels.History;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.ReadModels;

/// <summary>
/// The failover incidents of the stored history (decision 0012) from small event sequences with the controller's
/// causation ids: a node crash, a monitor failure, an operator's fence, an admin move; folded in batches of one event
/// after every step it equals the history rebuilt from sequence 0.
/// </summary>
public class HistoryIncidentTests
{
    private static async Task<List<IncidentRow>> ReadAllAsync(TestDatabase db, string? resource = null, HistoryRange? range = null) =>
        [.. (await new HistoryQueries(db.DataSource).IncidentsAsync(resource, range ?? new HistoryRange(Limit: HistoryRange.MaxLimit))).Items];

    private static async Task<long> EndAsync(TestDatabase db) => await new HistoryQueries(db.DataSource).LogPositionAsync();

    [Fact]
    public async Task Each_incident_follows_its_causation_chain_from_trigger_to_recovery()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("incident");
        await new IncidentScenario(db).AllAsync();
        var end = await EndAsync(db);
        Assert.Equal(end, await new StoredHistory(db.DataSource).CatchUpAsync(end));
        var incidents = await ReadAllAsync(db);
        var t0 = IncidentScenario.T0;

        Assert.Equal([("node-lost", "node2"), ("monitor-failure", "db"), ("fence", "node3"), ("admin-move", "web")],
            incidents.Select(i => (i.Trigger, i.Subject)));
        Assert.All(incidents, i => Assert.Equal("recovered", i.Status));

        var crash = incidents[0];
        Assert.Equal((5_000L, t0.AddMinutes(1), "controller:node1"), (crash.DetectionMs!.Value, crash.DetectedAt, crash.Actor));
        Assert.Equal(["web"], crash.Resources);
        Assert.Equal(["t10"], crash.Transitions);
        Assert.Equal(("t10/1", "node2", "ipmi-2", "node1", "succeeded", 1_234L),
            (crash.FenceRequestId, crash.FenceTarget, crash.FenceDevice, crash.FenceExecutor, crash.FenceResult, crash.FenceDurationMs!.Value));
        var recovery = Assert.Single(crash.Recovery);
        Assert.Equal(("web", "start", "node1", "succeeded", 300L, "t10"),
            (recovery.Resource, recovery.Operation, recovery.Node, recovery.Result, recovery.DurationMs, recovery.TransitionId));
        Assert.Equal((t0.AddMinutes(1).AddSeconds(3), 3_000L), (crash.ClosedAt!.Value, crash.TimeToRecoveryMs!.Value));

        var monitor = incidents[1];
        Assert.Equal(("node1", "process gone", (long?)null), (monitor.Node, monitor.Reason, monitor.DetectionMs));
        Assert.Equal(["db"], monitor.Resources);
        Assert.Equal(["t20"], monitor.Transitions);
        Assert.Null(monitor.FenceRequestId);
        Assert.Equal([("db", "start", "node1", 200L)], monitor.Recovery.Select(r => (r.Resource, r.Operation, r.Node, r.DurationMs)));
        Assert.Equal(2_000L, monitor.TimeToRecoveryMs);

        // The operator's fence: the recovery comes in a transition planned after the fence's result (its cause).
        var fence = incidents[2];
        Assert.Equal(("user:otto", "hardware swap", "node3"), (fence.Actor, fence.Reason, fence.Node));
        Assert.Equal(["app"], fence.Resources);
        Assert.Equal(["t30", "t31"], fence.Transitions);
        Assert.Equal(("t30/1", "ipmi-3", "node1", "succeeded", 800L),
            (fence.FenceRequestId, fence.FenceDevice, fence.FenceExecutor, fence.FenceResult, fence.FenceDurationMs!.Value));
        Assert.Equal([("app", "node1", "t31")], fence.Recovery.Select(r => (r.Resource, r.Node, r.TransitionId!)));
        Assert.Equal(4_000L, fence.TimeToRecoveryMs);

        var move = incidents[3];
        Assert.Equal(("user:bob", "move web", "node3"), (move.Actor, move.Reason, move.Node));
        Assert.Equal(["web"], move.Resources);
        Assert.Equal(["t40"], move.Transitions);
        Assert.Equal([("web", "start", "node3", "succeeded")], move.Recovery.Select(r => (r.Resource, r.Operation, r.Node, r.Result)));
        Assert.Equal(3_000L, move.TimeToRecoveryMs);

        // Filters: an affected resource, the trigger's time.
        Assert.Equal(["incident/" + crash.Seq, "incident/" + move.Seq], (await ReadAllAsync(db, "web")).Select(i => i.IncidentId));
        Assert.Equal(["db"], (await ReadAllAsync(db, range: new HistoryRange(Since: t0.AddMinutes(2), Until: t0.AddMinutes(3)))).Select(i => i.Subject));
        var page = await new HistoryQueries(db.DataSource).IncidentsAsync(null, new HistoryRange(Limit: 3));
        Assert.Equal((3, crash.Seq), (page.Items.Count, page.Items[0].Seq));
        Assert.Equal(fence.Seq, page.Next);
    }

    [Fact]
    public async Task An_incident_stays_open_until_its_resources_run_again_and_current_reads_see_the_tail()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("incident");
        var scenario = new IncidentScenario(db);
        await scenario.SetUpAsync();
        await scenario.NodeCrashAsync();
        // Cut the log before web's start on node1: fold up to there.
        long cut;
        await using (var find = db.DataSource.CreateCommand("SELECT max(seq_id) FROM cib.mt_events WHERE type = $1"))
        {
            find.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = HistoryQueries.StoredType("ActionDispatched") });
            cut = (long)(await find.ExecuteScalarAsync())!;
        }
        await new StoredHistory(db.DataSource).CatchUpAsync(cut);
        var open = Assert.Single(await ReadAllAsync(db));
        Assert.Equal(("open", "succeeded", (DateTimeOffset?)null), (open.Status, open.FenceResult, open.ClosedAt));
        Assert.Empty(open.Recovery);

        // current=true folds the rest on in memory: the same incident, closed.
        var current = await new HistoryQueries(db.DataSource).IncidentsAsync(null, new HistoryRange(), current: true);
        var closed = Assert.Single(current.Items);
        Assert.Equal((open.IncidentId, "recovered"), (closed.IncidentId, closed.Status));
        Assert.Equal(await EndAsync(db), current.AsOf);
    }

    [Fact]
    public async Task Folded_step_by_step_in_batches_of_one_it_equals_the_incidents_rebuilt_from_zero()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("incident");
        var stored = new StoredHistory(db.DataSource);
        foreach (var step in new IncidentScenario(db).Steps)
        {
            await step();
            var end = await EndAsync(db);
            Assert.Equal(end, await stored.CatchUpAsync(end, batchSize: 1));
        }
        var incremental = await ReadAllAsync(db);
        var last = await EndAsync(db);
        Assert.Equal(last, await stored.RebuildAsync(last));
        var rebuilt = await ReadAllAsync(db);
        Assert.Equal(4, rebuilt.Count);
        Assert.Equal(incremental, rebuilt);
        Assert.Equal(rebuilt, await ReadAllAsync(db));
    }
}

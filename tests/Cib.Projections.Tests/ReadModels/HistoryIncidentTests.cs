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

    /// <summary>
    /// Runs <paramref name="scenario"/> after the set-up, folds it in batches of one event, checks that equals the
    /// incidents rebuilt from 0 in one batch, and returns them.
    /// </summary>
    private static async Task<List<IncidentRow>> FoldAsync(string name, Func<IncidentScenario, Task> scenario)
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync(name);
        var steps = new IncidentScenario(db);
        await steps.SetUpAsync();
        await scenario(steps);
        var end = await EndAsync(db);
        var stored = new StoredHistory(db.DataSource);
        Assert.Equal(end, await stored.CatchUpAsync(end, batchSize: 1));
        var incremental = await ReadAllAsync(db);
        Assert.Equal(end, await stored.RebuildAsync(end));
        Assert.Equal(incremental, await ReadAllAsync(db));
        return incremental;
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("news")]
    public async Task A_failed_start_keeps_the_incident_open_while_the_plan_that_follows_starts_the_resource_elsewhere(string retry)
    {
        var t = IncidentScenario.T0.AddMinutes(5);
        var incident = Assert.Single(await FoldAsync("incident", s => s.FailedStartAsync(retry)));
        Assert.Equal(("monitor-failure", "db", "recovered"), (incident.Trigger, incident.Subject, incident.Status));
        // Linked by causation (the aborted plan) or by the step that aborted t50 (the plan names news that came meanwhile).
        Assert.Equal(["t50", "t51"], incident.Transitions);
        Assert.Equal([("start", "node1", "failed", "t50"), ("start", "node3", "succeeded", "t51")],
            incident.Recovery.Select(r => (r.Operation, r.Node, r.Result, r.TransitionId!)));
        Assert.Equal((t.AddSeconds(4), 4_000L), (incident.ClosedAt!.Value, incident.TimeToRecoveryMs!.Value));
    }

    [Fact]
    public async Task A_failed_start_gives_up_when_the_transition_ends_and_no_plan_carries_it_on()
    {
        var t = IncidentScenario.T0.AddMinutes(5);
        var incidents = await FoldAsync("incident", s => s.FailedStartAsync("none"));
        Assert.Equal([("monitor-failure", "db"), ("monitor-failure", "app")], incidents.Select(i => (i.Trigger, i.Subject)));
        var db = incidents[0];
        // Closed by t50's abort; the later plan for app names neither it nor the step that ended it.
        Assert.Equal(("gave-up", t.AddSeconds(3)), (db.Status, db.ClosedAt!.Value));
        Assert.Equal(["t50"], db.Transitions);
        Assert.Equal([("start", "node1", "failed")], db.Recovery.Select(r => (r.Operation, r.Node, r.Result)));
        Assert.Equal("open", incidents[1].Status);
        Assert.Equal(["t52"], incidents[1].Transitions);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task What_the_incidents_transitions_stop_is_affected_and_must_start_again_or_be_left_stopped(bool depRestarts)
    {
        var t = IncidentScenario.T0.AddMinutes(6);
        var incident = Assert.Single(await FoldAsync("incident", s => s.GroupMemberFailureAsync(depRestarts)));
        Assert.Equal(("monitor-failure", "srv"), (incident.Trigger, incident.Subject));
        Assert.Equal(["t60"], incident.Transitions);
        // The group's later member and the colocated dependent stopped by t60 are affected (and the group, through its
        // member); ip, before srv, is not.
        Assert.Equal(["srv", "svc", "dep", "tail"], incident.Resources);
        Assert.Equal(depRestarts ? ["srv", "tail", "dep"] : ["srv", "tail"], incident.Recovery.Select(r => r.Resource));
        Assert.All(incident.Recovery, r => Assert.Equal(("start", "succeeded"), (r.Operation, r.Result)));
        // Not recovered at srv's start: at the last start, else at the end of t60, which left dep stopped.
        Assert.Equal(depRestarts ? ("recovered", t.AddSeconds(15), 5_000L) : ("stopped", t.AddSeconds(15), 5_000L),
            (incident.Status, incident.ClosedAt!.Value, incident.TimeToRecoveryMs!.Value));
    }

    [Fact]
    public async Task An_admin_move_that_needs_no_action_closes_at_its_change_or_at_the_first_plan_that_saw_it()
    {
        var t = IncidentScenario.T0.AddMinutes(7);
        var incidents = await FoldAsync("incident", s => s.NoActionMovesAsync());
        Assert.Equal([("admin-move", "web", "user:carol"), ("admin-move", "db", "user:carol"), ("admin-move", "app", "user:dave")],
            incidents.Select(i => (i.Trigger, i.Subject, i.Actor)));
        Assert.All(incidents, i => Assert.Equal(("no-action", 0), (i.Status, i.Recovery.Count)));
        Assert.All(incidents, i => Assert.Empty(i.Transitions));
        // A ban from a node it does not run on, a preference for the node it runs on: closed by the change itself.
        Assert.Equal([0L, 0L], incidents.Take(2).Select(i => i.TimeToRecoveryMs!.Value));
        // A move the controller does not act on: closed by the next plan (made as of after the move), which does not touch app.
        Assert.Equal((t.AddSeconds(20), 10_000L), (incidents[2].ClosedAt!.Value, incidents[2].TimeToRecoveryMs!.Value));
    }

    [Fact]
    public async Task A_plan_that_names_one_incident_is_also_the_transition_of_another_whose_trigger_it_saw_and_acts_on()
    {
        var incidents = await FoldAsync("incident", s => s.TwoNewsOnePlanAsync());
        Assert.Equal([("node-lost", "node3"), ("monitor-failure", "db")], incidents.Select(i => (i.Trigger, i.Subject)));
        Assert.All(incidents, i => Assert.Equal("recovered", i.Status));
        Assert.All(incidents, i => Assert.Equal(["t80"], i.Transitions));
        var (crash, monitor) = (incidents[0], incidents[1]);
        // The fence is the lost node's incident's; each counts the starts of its own resources.
        Assert.Equal(("t80/1", "succeeded"), (crash.FenceRequestId, crash.FenceResult));
        Assert.Null(monitor.FenceRequestId);
        Assert.Equal([("app", "node1")], crash.Recovery.Select(r => (r.Resource, r.Node)));
        Assert.Equal([("db", "node1")], monitor.Recovery.Select(r => (r.Resource, r.Node)));
    }

    [Fact]
    public async Task Another_resources_recovery_does_not_close_the_incident_while_a_failed_start_waits_for_the_plan_that_follows()
    {
        var t = IncidentScenario.T0.AddMinutes(9);
        var incident = Assert.Single(await FoldAsync("incident", s => s.CrashWithOneFailedStartAsync()));
        Assert.Equal(("node-lost", "node3", "recovered"), (incident.Trigger, incident.Subject, incident.Status));
        Assert.Equal(["app", "cache"], incident.Resources);
        Assert.Equal(["t90", "t91"], incident.Transitions);
        Assert.Equal([("app", "node1", "failed"), ("cache", "node1", "succeeded"), ("app", "node2", "succeeded")],
            incident.Recovery.Select(r => (r.Resource, r.Node, r.Result)));
        Assert.Equal(t.AddSeconds(4), incident.ClosedAt);
    }

    [Fact]
    public async Task A_start_sent_to_a_node_lost_before_its_result_is_affected_by_the_loss()
    {
        var t = IncidentScenario.T0.AddMinutes(10);
        var incident = Assert.Single(await FoldAsync("incident", s => s.CrashBeforeTheStartResultAsync()));
        Assert.Equal(("node-lost", "node3", "recovered"), (incident.Trigger, incident.Subject, incident.Status));
        Assert.Equal(["app", "cache"], incident.Resources);
        Assert.Equal(["t96"], incident.Transitions);
        Assert.Equal([("app", "node1"), ("cache", "node1")], incident.Recovery.Select(r => (r.Resource, r.Node)));
        Assert.Equal(t.AddSeconds(8), incident.ClosedAt);
    }
}

using System.Globalization;
using System.Text;
using Cib.Domain.Transitions;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Simulation;
using Cib.Projections.Store;
using Snapshooter.Xunit;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.ReadModels;

/// <summary>
/// Golden tests of the stored history from recorded scenarios: the simulated cluster (the real controller decider and
/// policy engine, simulated node runtimes, <see cref="ClusterSimulation"/>) records each scenario's log; the history's
/// tables folded from it are compared with the approved text under <c>__snapshots__</c> (a change to the fold shows as
/// a diff to review), and every recorded controller step and transition of the scenario replays to the record.
/// </summary>
public class HistoryGoldenTests
{
    private static readonly DateTimeOffset T0 = new(2026, 10, 1, 8, 0, 0, TimeSpan.Zero);

    /// <summary>No random failures: what fails is what the scenario says.</summary>
    private static ClusterSimulation Booted()
    {
        var sim = new ClusterSimulation(new SimulationOptions(Nodes: 3, Groups: 2, StartFailure: 0, FenceFailure: 0, Seed: 42), T0);
        sim.Boot();
        return sim;
    }

    [Fact]
    public async Task A_crash_with_fencing()
    {
        var sim = Booted();
        var node = sim.RunsOn("apache-1")!;
        sim.Crash(node, downFor: TimeSpan.FromMinutes(5));
        Snapshot.Match(await RecordAsync(sim, "crash"));
    }

    [Fact]
    public async Task A_monitor_failure_restarted_in_place_then_moved_after_migration_threshold()
    {
        var sim = Booted();
        var first = sim.RunsOn("apache-1")!;
        for (var i = 0; i < 3; i++) sim.FailMonitor("apache-1");
        // migration-threshold=3: the third failure moves the group away from the node, and keeps it away until a clean-up.
        Assert.NotEqual(first, sim.RunsOn("apache-1"));
        Assert.Equal(sim.RunsOn("apache-1"), sim.RunsOn("ipaddr2-1"));
        sim.Cleanup("apache-1");
        Snapshot.Match(await RecordAsync(sim, "monitor"));
    }

    [Fact]
    public async Task A_failed_fence_retried_then_given_up()
    {
        var sim = Booted();
        var node = sim.RunsOn("apache-2")!;
        sim.FencingBroken = true;
        sim.Crash(node);
        Assert.Null(sim.RunsOn("apache-2"));
        Snapshot.Match(await RecordAsync(sim, "fence"));
    }

    [Fact]
    public async Task An_admin_move_and_clear()
    {
        var sim = Booted();
        var from = sim.RunsOn("apache-1")!;
        var to = sim.NodeNames.First(n => n != from);
        sim.Move("group1", to);
        Assert.Equal(to, sim.RunsOn("apache-1"));
        sim.Clear("group1");
        Assert.Equal(to, sim.RunsOn("apache-1"));
        Snapshot.Match(await RecordAsync(sim, "move"));
    }

    /// <summary>The scenario's log in a new store, its history folded, every step replayed; the tables as text.</summary>
    private static async Task<string> RecordAsync(ClusterSimulation sim, string name)
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("golden");
        await Simulation.ClusterSimulationTests.AppendAsync(db, sim.Appended);
        var log = new CibEventLog(db.DataSource);
        Assert.Equal(sim.Position, await log.HeadAsync());

        // Replay: every recorded controller step decides the same, and every plan explains to the record.
        var (checkedCount, mismatches) = await TransitionPlanner.ReplayAsync(db.Store);
        Assert.Empty(mismatches);
        Assert.True(checkedCount > 0);
        var events = new List<LoggedEvent>();
        await foreach (var e in log.ReadUpToAsync(sim.Position)) events.Add(e);
        foreach (var (planned, at) in events.Where(e => e.Data is TransitionPlanned).Select(e => ((TransitionPlanned)e.Data, e.Sequence)))
        {
            var (configuration, status) = Explaining.Fold(events.TakeWhile(e => e.Sequence <= planned.AsOfSequence).Select(e => (e.Data, e.Sequence)));
            Assert.True(Explaining.Explain(configuration, status, planned).Same, $"{name}: {planned.TransitionId} explains differently from the record");
        }

        Assert.Equal(sim.Position, await new StoredHistory(db.DataSource).CatchUpAsync(sim.Position));
        var q = new HistoryQueries(db.DataSource);
        var all = new HistoryRange(Limit: HistoryRange.MaxLimit);
        var text = new StringBuilder();
        text.AppendLine("# failover incidents");
        foreach (var i in (await q.IncidentsAsync(null, all)).Items)
        {
            text.AppendLine(Inv($"{i.IncidentId} {i.Trigger} {i.Subject} node={i.Node} actor={i.Actor} reason='{i.Reason}' detected={i.DetectedAt:O} detection_ms={i.DetectionMs} status={i.Status} closed={i.ClosedAt:O} ttr_ms={i.TimeToRecoveryMs}"));
            text.AppendLine(Inv($"  resources=[{string.Join(' ', i.Resources)}] transitions=[{string.Join(' ', i.Transitions)}]"));
            if (i.FenceRequestId is not null)
                text.AppendLine(Inv($"  fence {i.FenceRequestId} target={i.FenceTarget} device={i.FenceDevice} executor={i.FenceExecutor} result={i.FenceResult} ms={i.FenceDurationMs}"));
            foreach (var r in i.Recovery) text.AppendLine(Inv($"  recovery {r.Resource} {r.Operation} on {r.Node} {r.Result} {r.DurationMs} ms ({r.TransitionId}, seq {r.Seq})"));
        }
        text.AppendLine("# fencing history");
        foreach (var f in (await q.FencingAsync(null, all)).Items)
            text.AppendLine(Inv($"{f.RequestId} {f.Action} {f.Target} device={f.Device} executor={f.Executor} origin={f.Origin} result={f.Result} attempt={f.Attempt} ms={f.DurationMs} error='{f.Error}' requested={f.RequestedAt:O} completed={f.CompletedAt:O}"));
        text.AppendLine("# operation history");
        foreach (var o in (await q.OperationsAsync(null, null, all)).Items)
            text.AppendLine(Inv($"{o.Seq} {o.At:O} {o.Resource} {o.Node} {o.Kind} {o.Operation} interval={o.IntervalMs} rc={o.Rc}({o.RcText}) {o.Status} '{o.ExitReason}' ms={o.DurationMs} fail_count={o.FailCount} by={o.Actor} {o.TransitionId}"));
        text.AppendLine("# configuration changes (after the load)");
        foreach (var c in (await q.ChangesAsync(null, all)).Items.Skip(1))
            text.AppendLine(Inv($"v{c.FromVersion}->v{c.ToVersion} {c.Actor} '{c.Reason}' [{string.Join("; ", c.Commands)}] diff: {string.Join(" | ", c.Diff)}"));
        text.AppendLine("# status at the end");
        var (endConfiguration, endStatus) = Explaining.Fold(events.Select(e => (e.Data, e.Sequence)));
        var view = StatusView.From(endConfiguration, endStatus, sim.Position);
        foreach (var n in view.Nodes) text.AppendLine(Inv($"node {n.Name} {n.State}"));
        foreach (var r in view.Resources.SelectMany(r => r.Members.Count == 0 ? [r] : r.Members))
            text.AppendLine(Inv($"resource {r.Id} {r.Role} on [{string.Join(' ', r.Nodes)}]"));
        return text.ToString();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

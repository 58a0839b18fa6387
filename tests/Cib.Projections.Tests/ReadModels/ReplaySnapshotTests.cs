using System.Text.Json;
using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Store;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.ReadModels;

/// <summary>
/// Replay snapshots (decision 0013): the state as of any position read from the latest snapshot at or before it and the
/// log after it equals the fold of the log from sequence 0; the snapshots the stored history writes are a function of
/// the log alone (the same whatever the batches, warm or cold writers, or a rebuild).
/// </summary>
public sealed class ReplaySnapshotTests
{
    private const long Interval = 40;

    /// <summary>
    /// A log of a few hundred events of every kind the status folds (membership, operation results, transitions, fences,
    /// clean-ups, elections), with configuration changes along the way (nodes put in and out of standby by a user).
    /// Deterministic: the same seed, the same log.
    /// </summary>
    private static async Task AppendLogAsync(TestDatabase db, int count, int seed = 12)
    {
        var log = new CibEventLog(db.DataSource);
        var writer = new ConfigurationWriter(db.Store);
        var t0 = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
        var alice = CommandMetadata.For(Actor.User("alice"));
        await writer.ChangeAsync(new ChangeConfiguration(0,
            [new DefineNode("node1"), new DefineNode("node2"), new DefineNode("node3"),
             new DefinePrimitive(Primitive.Create("web", "ocf:heartbeat:Dummy")), new DefinePrimitive(Primitive.Create("db", "ocf:heartbeat:Dummy"))],
            t0, Actor.User("alice"), "setup"), alice);
        string[] nodes = ["node1", "node2", "node3"];
        string[] resources = ["web", "db"];
        var rng = new Random(seed);
        var transition = 0;
        for (var i = 0; i < count; i++)
        {
            var at = t0.AddSeconds(i + 1);
            var n = nodes[rng.Next(nodes.Length)];
            var r = resources[rng.Next(resources.Length)];
            var controller = AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller("node1")));
            var node = AppendMetadata.Stamp(CommandMetadata.For(Actor.Node(n)));
            var t = $"t{transition}";
            switch (rng.Next(14))
            {
                case 0: await log.AppendAsync(StreamIds.Node(n), [new NodeJoined(n, $"{n}-{i}", "lease", at)], node); break;
                case 1: await log.AppendAsync(StreamIds.Node(n), [new NodeLost(n, "lease expired", at.AddSeconds(-1), at)], controller); break;
                case 2: await log.AppendAsync(StreamIds.Node(n), [new NodeLeft(n, "shutdown", at)], node); break;
                case 3 or 4:
                    await log.AppendAsync(StreamIds.ResourceOn(r, n), [new ResourceOperationSucceeded(r, n, "start", 0, OcfRc.Success,
                        new OperationOrigin(t, 1), 10, null, "d", at)], node);
                    break;
                case 5:
                    await log.AppendAsync(StreamIds.ResourceOn(r, n), [new ResourceOperationSucceeded(r, n, "monitor", 10_000, OcfRc.Success,
                        new OperationOrigin(null, null), 3, null, "d", at)], node);
                    break;
                case 6:
                    await log.AppendAsync(StreamIds.ResourceOn(r, n), [new ResourceOperationFailed(r, n, "monitor", 10_000, OcfRc.NotRunning, OperationStatus.Done,
                        new OperationOrigin(null, null), 5, null, "gone", at)], node);
                    break;
                case 7:
                    transition++;
                    t = $"t{transition}";
                    await log.AppendAsync(StreamIds.Transition(t),
                    [
                        new TransitionPlanned(t, i, "policy-1", ValueList<PlannedAction>.Of(
                            [new PlannedAction(1, ActionKind.Start, r, n, "start", 0, 20_000, ValueList<int>.Of([]), "recover")]), ValueList<string>.Of([$"start {r} on {n}"]), null, at),
                        new ActionDispatched(t, 1, n, ActionKind.Start, r, null, "start", 0, 20_000, null, at),
                    ], controller);
                    break;
                case 8:
                    await log.AppendAsync(StreamIds.Transition(t), [rng.Next(2) == 0 ? new TransitionCompleted(t, 1, at) : new TransitionAborted(t, "news", i, at)], controller);
                    break;
                case 9:
                    var request = $"{t}/f{i}";
                    await log.AppendAsync(StreamIds.Fencing(n), [new FencingRequested(request, n, "reboot", "lost", "ipmi", t, 1, at)], controller);
                    await log.AppendAsync(StreamIds.Fencing(n), [rng.Next(2) == 0
                        ? new NodeFenced(request, n, "ipmi", "reboot", "node1", 900, at.AddMilliseconds(900))
                        : new FencingFailed(request, n, "ipmi", "timed out", 1, rng.Next(2) == 0, at.AddMilliseconds(900))], node);
                    break;
                case 10:
                    await log.AppendAsync(StreamIds.Resource(r), [new FailCountCleared(r, rng.Next(2) == 0 ? null : n, Actor.User("otto"), "cleanup", at)],
                        AppendMetadata.Stamp(CommandMetadata.For(Actor.User("otto"))));
                    break;
                case 11:
                    await log.AppendAsync(StreamIds.Controller, [new ControllerElected(n, i, "took the role", at)], controller);
                    break;
                default:
                    var (_, version) = await ConfigurationReader.LoadAsync(db.Store);
                    await writer.ChangeAsync(new ChangeConfiguration(version, [new SetNodeStandby(n, rng.Next(2) == 0)], at, Actor.User("alice"), "maintenance"), alice);
                    break;
            }
        }
    }

    /// <summary>The state as of every position 0..end, folded from sequence 0 (the reference).</summary>
    private static async Task<List<string>> FoldedFromZeroAsync(TestDatabase db, long end)
    {
        var texts = new List<string> { Text(ClusterConfiguration.Empty, ClusterStatus.Empty, 0) };
        var (configuration, status) = (ClusterConfiguration.Empty, ClusterStatus.Empty);
        var events = new List<LoggedEvent>();
        await foreach (var e in new CibEventLog(db.DataSource).ReadUpToAsync(end)) events.Add(e);
        var next = 0;
        for (var p = 1L; p <= end; p++)
        {
            for (; next < events.Count && events[next].Sequence <= p; next++)
                (configuration, status) = Explaining.Fold([(events[next].Data, events[next].Sequence)], configuration, status);
            texts.Add(Text(configuration, status, p));
        }
        return texts;
    }

    /// <summary>What replay shows (the status view: membership, resources, fail counts, fencing, standby) and the whole status as stored.</summary>
    private static string Text(ClusterConfiguration configuration, ClusterStatus status, long position) =>
        JsonSerializer.Serialize(StatusView.From(configuration, status, position), CibEventLog.Json) + "\n"
        + JsonSerializer.Serialize(StatusSnapshot.CaptureStatus(status), CibEventLog.Json) + "\n"
        + string.Join("; ", ConfigurationDiff.Between(ClusterConfiguration.Empty, configuration).Select(CommandText.Describe));

    private static async Task<long> EndAsync(TestDatabase db) => await new CibEventLog(db.DataSource).HeadAsync();

    [Fact]
    public async Task The_state_from_the_latest_snapshot_and_the_tail_equals_the_fold_from_zero_at_every_position()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("replay");
        await AppendLogAsync(db, 160);
        var end = await EndAsync(db);
        Assert.True(end > 4 * Interval, $"a log of {end} events");
        var reference = await FoldedFromZeroAsync(db, end);
        var replay = new ReplaySnapshots(db.DataSource);

        // No snapshot yet: every state is folded from 0.
        foreach (var p in new[] { 0L, 1, Interval, end / 2, end })
        {
            var state = await replay.StateAtAsync(p);
            Assert.Equal((0L, p), (state.From, state.Folded));
            Assert.Equal(reference[(int)p], Text(state.Configuration, state.Status, p));
        }

        Assert.Equal(end, await new StoredHistory(db.DataSource, replaySnapshotInterval: Interval).CatchUpAsync(end, batchSize: 17));
        Assert.Equal(Enumerable.Range(1, (int)(end / Interval)).Select(k => k * Interval), await replay.PositionsAsync());
        // Each holds the configuration too (the events that build it), so a reader does not fold the configuration stream.
        Assert.All(await replay.AllAsync(), x => Assert.Contains("\"configuration\":[{", x.Data.Replace(" ", "")));

        // Before, at and after each snapshot (every position): restored from the latest at or before it, only the rest folded.
        for (var p = 0L; p <= end; p++)
        {
            var state = await replay.StateAtAsync(p);
            Assert.Equal(p / Interval * Interval, state.From);
            Assert.Equal(p - state.From, state.Folded);
            Assert.Equal(reference[(int)p], Text(state.Configuration, state.Status, p));
        }

        // From a known earlier state (what the report walks), as from a snapshot.
        ReplayState? known = null;
        foreach (var p in new[] { 3L, 5, Interval - 1, Interval + 2, 3 * Interval + 1, 3 * Interval + 9, end })
        {
            known = await replay.StateAtAsync(p, known);
            Assert.Equal(reference[(int)p], Text(known.Configuration, known.Status, p));
        }
    }

    [Fact]
    public async Task The_snapshots_are_the_same_whatever_the_batches_the_writer_or_a_rebuild()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("replay");
        await AppendLogAsync(db, 120, seed: 5);
        var end = await EndAsync(db);
        var replay = new ReplaySnapshots(db.DataSource);

        // Warm: one writer folding a batch of a few events at a time, as the controller does every second.
        var warm = new StoredHistory(db.DataSource, replaySnapshotInterval: Interval);
        for (var upTo = 3L; upTo < end + 3; upTo += 3) await warm.CatchUpAsync(Math.Min(upTo, end), batchSize: 2);
        var expected = await replay.AllAsync();
        Assert.Equal(Enumerable.Range(1, (int)(end / Interval)).Select(k => k * Interval), expected.Select(s => s.Position));
        // Each snapshot is the status folded from 0 up to its position.
        var reference = await FoldedFromZeroAsync(db, end);
        foreach (var (position, _) in expected)
        {
            var state = await replay.StateAtAsync(position);
            Assert.Equal((position, 0L), (state.From, state.Folded));
            Assert.Equal(reference[(int)position], Text(state.Configuration, state.Status, position));
        }

        // A rebuild, in one batch and in batches of one.
        Assert.Equal(end, await warm.RebuildAsync(end, batchSize: 10_000));
        Assert.Equal(expected, await replay.AllAsync());
        Assert.Equal(end, await new StoredHistory(db.DataSource, replaySnapshotInterval: Interval).RebuildAsync(end, batchSize: 1));
        Assert.Equal(expected, await replay.AllAsync());

        // Cold writers: a new instance for every round (a restart, or another controller taking over), each restoring the
        // latest snapshot before its batch when the batch has one to write.
        Assert.Equal(Interval + 5, await warm.RebuildAsync(Interval + 5, batchSize: 7));
        for (var upTo = Interval + 10; upTo < end + 5; upTo += 5)
            await new StoredHistory(db.DataSource, replaySnapshotInterval: Interval).CatchUpAsync(Math.Min(upTo, end), batchSize: 3);
        Assert.Equal(expected, await replay.AllAsync());

        // Two writers taking turns (a controller and its deposed predecessor): neither's memory is trusted past the other's writes.
        Assert.Equal(7, await warm.RebuildAsync(7, batchSize: 7));
        var other = new StoredHistory(db.DataSource, replaySnapshotInterval: Interval);
        for (var (upTo, turn) = (20L, 0); upTo < end + 13; upTo += 13, turn++)
            await (turn % 2 == 0 ? warm : other).CatchUpAsync(Math.Min(upTo, end), batchSize: 6);
        Assert.Equal(expected, await replay.AllAsync());
    }

    [Fact]
    public async Task The_snapshots_go_with_the_history_when_it_is_folded_again_from_zero()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("replay");
        await AppendLogAsync(db, 60, seed: 3);
        var end = await EndAsync(db);
        var stored = new StoredHistory(db.DataSource, replaySnapshotInterval: Interval);
        await stored.CatchUpAsync(end);
        var replay = new ReplaySnapshots(db.DataSource);
        var before = await replay.AllAsync();
        Assert.NotEmpty(before);

        // The state row reset by hand (as a history of another version is): the next round folds from 0, the snapshots with it.
        await using (var reset = db.DataSource.CreateCommand(
            "UPDATE cib.ha_read_models SET position = 0, data = jsonb_set(data, '{position}', '0') WHERE name = 'history'"))
            Assert.Equal(1, await reset.ExecuteNonQueryAsync());
        Assert.Equal(Interval - 1, await stored.CatchUpAsync(Interval - 1));
        Assert.Empty(await replay.AllAsync());
        await stored.CatchUpAsync(end);
        Assert.Equal(before, await replay.AllAsync());

        // A snapshot of another shape is not read: the state is folded from an older one, or from 0.
        await using (var other = db.DataSource.CreateCommand("UPDATE cib.ha_replay_snapshots SET data = jsonb_set(data, '{version}', '99')"))
            await other.ExecuteNonQueryAsync();
        var state = await replay.StateAtAsync(end);
        Assert.Equal((0L, end), (state.From, state.Folded));
    }
}

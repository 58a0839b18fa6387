using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Transitions;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Simulation;
using Cib.Projections.Store;
using Npgsql;

namespace HaCtl.Bench;

/// <summary>
/// hactl bench store: the event store and its read models at scale, on a scratch database. A simulated cluster
/// (<see cref="ClusterSimulation"/>: the real controller decider and policy engine, simulated node runtimes) writes a
/// realistic log of N events (monitor failures, restarts and moves after migration-threshold, crashes with fencing, failed
/// and given-up fences, admin moves, standby, clean-ups), loaded in order through <see cref="CibEventLog"/>; the stored
/// history is folded from 0 as a new controller would; then, measured: appends as the node runtimes' outboxes make them (at
/// an offered rate, what queued in one append, several nodes at once) while the history follows the log as the controller's writer does, with the
/// commit to read-model lag of sampled appends; the failover history of one resource over the whole range; the raw log
/// filtered by type and time; and the replay (explain) of transitions in the middle of the log, each checked equal to the record.
/// </summary>
public static class StoreBench
{
    public sealed record Settings(string Connection, long Events = 1_000_000, int Seed = 1, string Database = "ha_bench_store", bool Reuse = false,
        int Appenders = 8, int AppendSeconds = 20, int Queries = 200, int Replays = 5, int Offered = 5_000, int WarmupSeconds = 5);

    public static string LastLine(long events, double appendPerSecond, double lagP99, double historyP95, double replayMs) => string.Create(CultureInfo.InvariantCulture,
        $"store: events={events} append_per_s={appendPerSecond:F0} lag_p99_ms={lagP99:F1} history_p95_ms={historyP95:F1} replay_ms={replayMs:F0}");

    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How often the active controller's history writer looks whether the log moved (NodeRuntime's ControllerOptions.HistoryPoll).</summary>
    private static readonly TimeSpan HistoryPoll = TimeSpan.FromMilliseconds(20);

    public static async Task<int> RunAsync(Settings s, TextWriter output, TextWriter error)
    {
        if (!ApiBench.DatabaseName().IsMatch(s.Database)) throw new UsageException($"'{s.Database}' is not a plain database name (a-z, 0-9, _)");
        if (s.Events < 1_000) throw new UsageException("--events must be at least 1000");
        output.WriteLine(Machine.Describe());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"settings: events={s.Events} seed={s.Seed} database={s.Database} reuse={s.Reuse} appenders={s.Appenders} offered={s.Offered} warmup_s={s.WarmupSeconds} append_s={s.AppendSeconds} queries={s.Queries} replays={s.Replays}"));

        var cs = new NpgsqlConnectionStringBuilder(s.Connection) { Database = s.Database }.ConnectionString;
        var (seed, extended) = await MarkOfAsync(s.Connection, s.Database);
        var reusable = s.Reuse && seed == s.Seed;
        if (!reusable)
        {
            await ApiBench.RecreateDatabaseAsync(s.Connection, s.Database);
            await using var admin = NpgsqlDataSource.Create(s.Connection);
            await using var mark = admin.CreateCommand($"COMMENT ON DATABASE {s.Database} IS 'ha bench store: seed={s.Seed}'");
            await mark.ExecuteNonQueryAsync();
        }
        await SchemaMigrations.ApplyAsync(cs);
        await using var db = NpgsqlDataSource.Create(cs);
        var log = new CibEventLog(db);
        var head = await log.HeadAsync();
        if (head < s.Events && reusable && extended)
            throw new UsageException($"{s.Database} holds the appends of an earlier run after the simulation's {head} events: it cannot be extended to {s.Events} (leave --reuse out)");
        var events = head >= s.Events ? head : await LoadAsync(log, s, head, output, error);
        if (head >= s.Events) output.WriteLine($"load: reusing {s.Database}: {head} events of seed {s.Seed}");
        // From here on the log holds more than the simulation wrote (the append phase's events): say so, for --reuse.
        await using (var admin = NpgsqlDataSource.Create(s.Connection))
        await using (var mark = admin.CreateCommand($"COMMENT ON DATABASE {s.Database} IS 'ha bench store: seed={s.Seed} extended=true'"))
            await mark.ExecuteNonQueryAsync();

        // The stored history (and what it keeps for replay), folded from 0 as a controller over a new store does.
        var history = new StoredHistory(db);
        var clock = Stopwatch.StartNew();
        var folded = await history.PositionAsync();
        if (folded < events)
        {
            var before = folded;
            folded = await history.CatchUpAsync(events);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"history: folded {folded - before} events in {clock.Elapsed.TotalSeconds:F1} s ({(folded - before) / clock.Elapsed.TotalSeconds:F0} events/s) {Machine.Load()}"));
        }
        else output.WriteLine($"history: current as of {folded}");

        var (appendPerSecond, lag) = await AppendAndFollowAsync(db, cs, log, history, s, output);
        var queries = new HistoryQueries(db);
        var historyP95 = await FailoverHistoryAsync(queries, s, output);
        await RawLogAsync(queries, db, s, output);
        var replayMs = await ReplayAsync(db, log, s, events, output);
        output.WriteLine(LastLine(events, appendPerSecond, lag, historyP95, replayMs));
        return 0;
    }

    // ------------------------------------------------------------------ load

    /// <summary>
    /// The simulation runs on its own thread and hands its appends over in chunks; they are appended in order, a chunk per
    /// round trip, so that every event gets the position the simulated controller decided on.
    /// </summary>
    private static async Task<long> LoadAsync(CibEventLog log, Settings s, long resumeAfter, TextWriter output, TextWriter error)
    {
        var chunks = Channel.CreateBounded<IReadOnlyList<SimulatedAppend>>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
        var sim = new ClusterSimulation(new SimulationOptions(Seed: s.Seed), Start);
        var clock = Stopwatch.StartNew();
        var producer = Task.Run(async () =>
        {
            try
            {
                sim.Boot();
                while (sim.Position < s.Events)
                {
                    sim.RandomIncident();
                    if (sim.Appended.Count >= 2_000)
                    {
                        await chunks.Writer.WriteAsync(sim.Drain());
                        sim.Forget();
                    }
                }
                await chunks.Writer.WriteAsync(sim.Drain());
                sim.Forget();
                chunks.Writer.Complete();
            }
            catch (Exception e)
            {
                chunks.Writer.Complete(e);
            }
        });
        // Resuming an interrupted load: the simulation runs again from the start (the same seed writes the same log) and
        // what the log holds already is skipped, checked by the id of its last event.
        long position = 0, appended = 0, lastReport = 0;
        var appendTime = TimeSpan.Zero;
        var last = resumeAfter > 0 ? (await log.ReadAfterAsync(resumeAfter - 1, 1))[0].Id : Guid.Empty;
        await foreach (var chunk in chunks.Reader.ReadAllAsync())
        {
            var fresh = chunk;
            if (position < resumeAfter)
            {
                var skip = (int)Math.Min(chunk.Count, resumeAfter - position);
                if (position + skip == resumeAfter && chunk[skip - 1].Id != last)
                    throw new InvalidOperationException($"the log's event {resumeAfter} is not the simulation's (seed {s.Seed}): drop {s.Database} or leave --reuse out");
                fresh = [.. chunk.Skip(skip)];
            }
            position += chunk.Count;
            var t = Stopwatch.StartNew();
            foreach (var part in fresh.Chunk(1_000)) await log.AppendInOrderAsync([.. part.Select(a => (a.Stream, a.Event, a.Meta))]);
            appendTime += t.Elapsed;
            appended += fresh.Count;
            if (position - lastReport >= 250_000)
            {
                lastReport = position;
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"load: {position} events ({appended} appended), {position / clock.Elapsed.TotalSeconds:F0}/s, simulated time {sim.Now:yyyy-MM-dd} {Machine.Load()}"));
            }
        }
        await producer;
        var head = await log.HeadAsync();
        if (head != position)
            throw new InvalidOperationException($"the log's head is {head} after {position} appends in order: positions do not match the simulation's");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load: {position} events ({appended} appended{(resumeAfter > 0 ? $", resumed after {resumeAfter}" : "")}) in {clock.Elapsed.TotalSeconds:F1} s ({position / clock.Elapsed.TotalSeconds:F0}/s, bound by {(appendTime.TotalSeconds > 0.9 * clock.Elapsed.TotalSeconds ? "the appends" : "the simulation")}; appending alone {appended / Math.Max(appendTime.TotalSeconds, 0.001):F0}/s in ordered batches of 1000), simulated {sim.Now - Start:d\\.hh\\:mm} of cluster time {Machine.Load()}"));
        return position;
    }

    // ------------------------------------------------------------------ appends and lag

    /// <summary>
    /// Node runtimes' appends for a while: each appender a node's outbox, its recurring monitors reporting at the offered
    /// rate (all appenders together; 0: flat out), each append carrying what queued while the previous one was on its way
    /// (up to <see cref="NodeReports.MaxBatch"/>), as <c>OutboxEventSink</c> delivers, through the same append
    /// (<see cref="NodeReports.AppendReportsAsync"/>). Meanwhile the stored history follows the log through the event feed
    /// as the active controller's writer does (a prefix with no holes, a fold at most every 20 ms). The lag of a sampled
    /// append: from its commit (the append returned) to the history's position passing its last event.
    /// </summary>
    private static async Task<(double PerSecond, double LagP99)> AppendAndFollowAsync(NpgsqlDataSource db, string cs, CibEventLog log, StoredHistory history,
        Settings s, TextWriter output)
    {
        var samples = new List<(long Seq, long CommittedTicks)>();
        var advances = new List<(long Position, long Ticks)>();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        // The writer warm first, as a running controller's is: its first batch reads the configuration stream (at 10M
        // events some hundred thousand events), which a controller does once when it takes the role.
        var warm = Stopwatch.StartNew();
        await log.AppendReportsAsync("node1", [NodeReport.Queued(MonitorResult("bench-warm", "node1", OcfRc.Success), DateTimeOffset.UtcNow)]);
        var position = new System.Runtime.CompilerServices.StrongBox<long>(await history.CatchUpAsync(await log.HeadAsync()));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"follow: the history's writer started (cold: the configuration as of its position read) in {warm.Elapsed.TotalMilliseconds:F0} ms"));
        // The append phase starts now: the monitors' offered rate counts from here, not from before the writer's start
        // (that start, seconds at 10M events, would otherwise be owed as one burst at the first append).
        clock.Restart();
        // The warm-up's appends go on at the offered rate but are not counted: the measured phase starts after it.
        var warmup = TimeSpan.FromSeconds(s.WarmupSeconds);
        history.Timings.Reset();
        var feedTicks = 0L;
        // The writer's and the feed's times count from the measured phase's start too.
        var measured = Task.Delay(warmup, stop.Token).ContinueWith(_ =>
        {
            history.Timings.Reset();
            Interlocked.Exchange(ref feedTicks, 0);
        }, TaskScheduler.Default);
        // As the active controller: its control loop folds what the event feed hands out (a prefix with no holes), woken
        // by the feed's notifications; the history's writer, a task of its own, folds the log up to that position at
        // most every HistoryPoll (ClusterController.WriteHistoryAsync).
        var fed = position.Value;
        var reader = Task.Run(async () =>
        {
            await using var feed = new EventFeed(db, cs);
            await feed.StartAsync(position.Value, stop.Token);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var started = Stopwatch.GetTimestamp();
                    while ((await feed.ReadAsync(await StoreClock.NowAsync(db, stop.Token), stop.Token)).Count > 0)
                        Volatile.Write(ref fed, feed.Position);
                    Interlocked.Add(ref feedTicks, Stopwatch.GetTimestamp() - started);
                    await feed.WaitAsync(ct: stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
            }
        });
        var follower = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var upTo = Volatile.Read(ref fed);
                    if (upTo > position.Value)
                    {
                        var at = await history.CatchUpAsync(upTo, ct: stop.Token);
                        Volatile.Write(ref position.Value, at);
                        lock (advances) advances.Add((at, clock.ElapsedTicks));
                    }
                    await Task.Delay(HistoryPoll, stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
            }
        });
        long appended = 0, appends = 0, due = 0;
        var until = warmup + TimeSpan.FromSeconds(s.AppendSeconds);
        var perAppender = (double)s.Offered / s.Appenders;
        var appenders = Enumerable.Range(0, s.Appenders).Select(a => Task.Run(async () =>
        {
            // A node runtime's outbox (NodeReports: what queued while its previous append was on its way, in one append):
            // its node's recurring monitors report at the offered rate (flat out: a full append each time).
            var node = $"node{a + 1}";
            var resources = Enumerable.Range(0, 4).Select(r => $"bench-{a}-{r}").ToArray();
            long produced = 0;
            var queued = new Queue<NodeReport>();
            while (clock.Elapsed < until)
            {
                var owed = s.Offered == 0 ? NodeReports.MaxBatch : (long)(perAppender * clock.Elapsed.TotalSeconds) - produced;
                for (; owed > 0 && queued.Count < 100 * NodeReports.MaxBatch; owed--, produced++)
                    queued.Enqueue(NodeReport.Queued(MonitorResult(resources[produced % resources.Length], node, produced % 2 == 0 ? OcfRc.Success : OcfRc.NotRunning), DateTimeOffset.UtcNow));
                if (queued.Count == 0)
                {
                    await Task.Delay(1);
                    continue;
                }
                var batch = new List<NodeReport>(Math.Min(queued.Count, NodeReports.MaxBatch));
                while (batch.Count < NodeReports.MaxBatch && queued.TryDequeue(out var r)) batch.Add(r);
                var sent = clock.Elapsed;
                await log.AppendReportsAsync(node, batch);
                var committed = clock.ElapsedTicks;
                if (sent < warmup) continue;
                Interlocked.Add(ref appended, batch.Count);
                if (Interlocked.Increment(ref appends) % 10 != 0) continue;
                // The append's last event's position (an index lookup by id) and when its commit returned.
                await using var find = db.CreateCommand("SELECT seq_id FROM cib.mt_events WHERE id = $1");
                find.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = batch[^1].Id });
                var seq = (long)(await find.ExecuteScalarAsync())!;
                lock (samples) samples.Add((seq, committed));
            }
            // What the monitors reported and no append carried yet (flat out: nothing is owed).
            var owedAtEnd = s.Offered == 0 ? 0 : Math.Max(0, (long)(perAppender * until.TotalSeconds) - produced);
            Interlocked.Add(ref due, s.Offered == 0 ? 0 : queued.Count + owedAtEnd);
        })).ToList();
        await Task.WhenAll(appenders);
        var appendSeconds = clock.Elapsed.TotalSeconds - warmup.TotalSeconds;
        var head = await log.HeadAsync();
        // Let the history pass the last append, then stop following.
        var wait = Stopwatch.StartNew();
        while (Volatile.Read(ref position.Value) < head && wait.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(20);
        await stop.CancelAsync();
        await Task.WhenAll(reader, follower);
        await measured.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var lags = new Latencies();
        (long Position, long Ticks)[] steps;
        lock (advances) steps = [.. advances];
        foreach (var (seq, committed) in samples)
        {
            var first = steps.FirstOrDefault(x => x.Position >= seq);
            if (first.Ticks == 0) { lags.AddError(); continue; }
            lags.Add(Math.Max(0, first.Ticks - committed) * 1000.0 / Stopwatch.Frequency);
        }
        var summary = lags.Summarize();
        var perSecond = appended / appendSeconds;
        var offered = s.Offered == 0 ? "flat out" : string.Create(CultureInfo.InvariantCulture, $"{s.Offered}/s offered");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"append: {appended} events in {appendSeconds:F1} s (after {warmup.TotalSeconds:F0} s of warm-up, not counted) by {s.Appenders} node outboxes ({offered}), {appends} appends of {(double)appended / Math.Max(1, appends):F1} events on average, {due} still queued at the end: {perSecond:F0}/s {Machine.Load()}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"lag: commit to stored history, {summary.Count} sampled appends ({summary.Errors} never seen): p50={summary.P50:F1} ms p99={summary.P99:F1} ms max={summary.Max:F1} ms; history folds {steps.Count(x => x.Ticks >= warmup.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond)}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"lag: the feed's reads {Stopwatch.GetElapsedTime(0, feedTicks).TotalMilliseconds:F0} ms; the history's batches: {history.Timings}"));
        return (perSecond, summary.P99);
    }

    private static ResourceOperationSucceeded MonitorResult(string resource, string node, int rc) =>
        new(resource, node, "monitor", 10_000, rc, new OperationOrigin(null, null), 12, null, null, DateTimeOffset.UtcNow);

    // ------------------------------------------------------------------ queries

    /// <summary>A resource's failover incidents over the whole log (the first page, as the API and hactl ask), resources in turn.</summary>
    private static async Task<double> FailoverHistoryAsync(HistoryQueries queries, Settings s, TextWriter output)
    {
        // The simulation's groups, and two members of each.
        var groups = new SimulationOptions(Seed: s.Seed).Groups;
        string[] resources = [.. Enumerable.Range(1, groups).Select(g => $"group{g}"), .. Enumerable.Range(1, groups).SelectMany(g => new[] { $"ipaddr2-{g}", $"apache-{g}" })];
        var latencies = new Latencies();
        var rows = 0;
        for (var i = 0; i < s.Queries; i++)
        {
            var t = Stopwatch.StartNew();
            var page = await queries.IncidentsAsync(resources[i % resources.Length], new HistoryRange());
            latencies.Add(t.Elapsed.TotalMilliseconds);
            rows += page.Items.Count;
        }
        var all = await queries.IncidentsAsync(null, new HistoryRange(Limit: 1));
        var summary = latencies.Summarize();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"history: failovers of one resource, whole range, first page of {HistoryRange.DefaultLimit}: {s.Queries} queries over {resources.Length} resources, {rows / Math.Max(1, s.Queries)} rows each: p50={summary.P50:F2} ms p95={Percentile(latencies, 95):F2} ms max={summary.Max:F2} ms"));
        return Percentile(latencies, 95);
    }

    /// <summary>The raw log filtered by type and a time window somewhere in the log's range, a page each.</summary>
    private static async Task RawLogAsync(HistoryQueries queries, NpgsqlDataSource db, Settings s, TextWriter output)
    {
        DateTimeOffset first, last;
        await using (var range = db.CreateCommand("SELECT min(timestamp), max(timestamp) FROM cib.mt_events"))
        await using (var r = await range.ExecuteReaderAsync())
        {
            await r.ReadAsync();
            (first, last) = (r.GetFieldValue<DateTimeOffset>(0), r.GetFieldValue<DateTimeOffset>(1));
        }
        string[] types = ["NodeFenced", "ResourceOperationFailed", "TransitionPlanned", "NodeLost"];
        var latencies = new Latencies();
        var random = new Random(s.Seed);
        for (var i = 0; i < s.Queries; i++)
        {
            var since = first + (last - first) * random.NextDouble();
            var t = Stopwatch.StartNew();
            await queries.EventsAsync(new LogFilter(Types: [types[i % types.Length]]), new HistoryRange(Since: since, Until: since + (last - first) / 10));
            latencies.Add(t.Elapsed.TotalMilliseconds);
        }
        var summary = latencies.Summarize();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"log: filtered by type and a time window (a tenth of the range), first page: {s.Queries} queries: p50={summary.P50:F2} ms p95={Percentile(latencies, 95):F2} ms max={summary.Max:F2} ms"));
    }

    /// <summary>
    /// The explanation of transitions in the middle of the log (the first at or after each of <see cref="Settings.Replays"/>
    /// positions spread evenly over the middle third, so that they lie anywhere between two replay snapshots): the state as
    /// of each read from the replay snapshots (<see cref="ReplaySnapshots"/>), planned again, compared with the record.
    /// </summary>
    private static async Task<double> ReplayAsync(NpgsqlDataSource db, CibEventLog log, Settings s, long events, TextWriter output)
    {
        var snapshots = new ReplaySnapshots(db);
        var times = new List<double>();
        for (var i = 0; i < s.Replays; i++)
        {
            var around = events / 3 + events / 3 * i / Math.Max(1, s.Replays - 1) + 7_919 * i;
            string? stream;
            await using (var find = db.CreateCommand("SELECT stream_id FROM cib.mt_events WHERE type = $1 AND seq_id >= $2 ORDER BY seq_id LIMIT 1"))
            {
                find.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Cib.Domain.EventCatalog.NameOf(typeof(TransitionPlanned)) });
                find.Parameters.Add(new NpgsqlParameter<long> { TypedValue = around });
                stream = await find.ExecuteScalarAsync() as string;
            }
            if (stream is null) continue;
            var t = Stopwatch.StartNew();
            var planned = (await log.FetchStreamAsync(stream)).Select(e => e.Data).OfType<TransitionPlanned>().First();
            var state = await snapshots.StateAtAsync(planned.AsOfSequence);
            var explained = Explaining.Explain(state.Configuration, state.Status, planned);
            var ms = t.Elapsed.TotalMilliseconds;
            times.Add(ms);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"replay: explain {planned.TransitionId} (as of {planned.AsOfSequence}; from the snapshot at {state.From}, {state.Folded} events folded): {ms:F0} ms, {(explained.Same ? "equal to the record" : "DIFFERS from the record")}"));
            if (!explained.Same) throw new InvalidOperationException($"replay of {planned.TransitionId} differs from the record");
        }
        times.Sort();
        if (times.Count > 0)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"replay: {times.Count} transitions: median={times[times.Count / 2]:F0} ms max={times[^1]:F0} ms"));
        return times.Count == 0 ? 0 : times[times.Count / 2];
    }

    private static double Percentile(Latencies latencies, double p) => latencies.At(p);

    // ------------------------------------------------------------------ the scratch database

    /// <summary>The seed a scratch database was loaded with (its comment), and whether appends of an append phase followed; null when it has none.</summary>
    private static async Task<(int? Seed, bool Extended)> MarkOfAsync(string connection, string database)
    {
        await using var admin = new NpgsqlConnection(connection);
        await admin.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", admin);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database });
        if (await cmd.ExecuteScalarAsync() is not string comment) return (null, false);
        var parts = comment.Split(' ').Select(p => p.Split('=')).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return (int.TryParse(parts.GetValueOrDefault("seed"), CultureInfo.InvariantCulture, out var n) ? n : null, parts.ContainsKey("extended"));
    }
}

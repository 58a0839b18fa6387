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
/// history is folded from 0 as a new controller would; then, measured: appends as the node runtimes make them (one event
/// per append, several appenders at once) while the history follows the log as the controller's writer does, with the
/// commit to read-model lag of sampled appends; the failover history of one resource over the whole range; the raw log
/// filtered by type and time; and the replay (explain) of transitions in the middle of the log, each checked equal to the record.
/// </summary>
public static class StoreBench
{
    public sealed record Settings(string Connection, long Events = 1_000_000, int Seed = 1, string Database = "ha_bench_store", bool Reuse = false,
        int Appenders = 8, int AppendSeconds = 20, int Queries = 200, int Replays = 5);

    public static string LastLine(long events, double appendPerSecond, double lagP99, double historyP95, double replayMs) => string.Create(CultureInfo.InvariantCulture,
        $"store: events={events} append_per_s={appendPerSecond:F0} lag_p99_ms={lagP99:F1} history_p95_ms={historyP95:F1} replay_ms={replayMs:F0}");

    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(Settings s, TextWriter output, TextWriter error)
    {
        if (!ApiBench.DatabaseName().IsMatch(s.Database)) throw new UsageException($"'{s.Database}' is not a plain database name (a-z, 0-9, _)");
        if (s.Events < 1_000) throw new UsageException("--events must be at least 1000");
        output.WriteLine(Machine.Describe());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"settings: events={s.Events} seed={s.Seed} database={s.Database} reuse={s.Reuse} appenders={s.Appenders} append_s={s.AppendSeconds} queries={s.Queries} replays={s.Replays}"));

        var cs = new NpgsqlConnectionStringBuilder(s.Connection) { Database = s.Database }.ConnectionString;
        var loaded = s.Reuse ? await LoadedAsync(s.Connection, s.Database, s.Seed) : null;
        await using var db = NpgsqlDataSource.Create(cs);
        var log = new CibEventLog(db);
        long events;
        if (loaded is { } count && count >= s.Events)
        {
            events = count;
            output.WriteLine($"load: reusing {s.Database}: {count} events of seed {s.Seed}");
        }
        else
        {
            await RecreateAsync(s.Connection, s.Database);
            await SchemaMigrations.ApplyAsync(cs);
            events = await LoadAsync(db, log, s, output, error);
            await using (var mark = db.CreateCommand($"COMMENT ON DATABASE {s.Database} IS 'ha bench store: seed={s.Seed} events={events}'"))
                await mark.ExecuteNonQueryAsync();
        }

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
    private static async Task<long> LoadAsync(NpgsqlDataSource db, CibEventLog log, Settings s, TextWriter output, TextWriter error)
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
        long appended = 0, lastReport = 0;
        var appendTime = TimeSpan.Zero;
        await foreach (var chunk in chunks.Reader.ReadAllAsync())
        {
            var t = Stopwatch.StartNew();
            foreach (var part in chunk.Chunk(1_000)) await log.AppendInOrderAsync([.. part.Select(a => (a.Stream, a.Event, a.Meta))]);
            appendTime += t.Elapsed;
            appended += chunk.Count;
            if (appended - lastReport >= 250_000)
            {
                lastReport = appended;
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"load: {appended} events, {appended / clock.Elapsed.TotalSeconds:F0}/s, simulated time {sim.Now:yyyy-MM-dd} {Machine.Load()}"));
            }
        }
        await producer;
        var head = await log.HeadAsync();
        if (head != appended)
            throw new InvalidOperationException($"the log's head is {head} after {appended} appends in order: positions do not match the simulation's");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load: {appended} events in {clock.Elapsed.TotalSeconds:F1} s ({appended / clock.Elapsed.TotalSeconds:F0}/s, bound by the simulation; appending alone {appended / appendTime.TotalSeconds:F0}/s in ordered batches of 1000), simulated {sim.Now - Start:d\\.hh\\:mm} of cluster time {Machine.Load()}"));
        return appended;
    }

    // ------------------------------------------------------------------ appends and lag

    /// <summary>
    /// Node runtimes' appends (a monitor's result, one event per append, each appender its own streams) for a while, flat
    /// out, while the stored history follows the log through the event feed as the active controller's writer does (a prefix
    /// with no holes). The lag of a sampled append: from its commit (the append returned) to the history's position passing it.
    /// </summary>
    private static async Task<(double PerSecond, double LagP99)> AppendAndFollowAsync(NpgsqlDataSource db, string cs, CibEventLog log, StoredHistory history,
        Settings s, TextWriter output)
    {
        var samples = new List<(long Seq, long CommittedTicks)>();
        var advances = new List<(long Position, long Ticks)>();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var position = new System.Runtime.CompilerServices.StrongBox<long>(await history.PositionAsync());
        var follower = Task.Run(async () =>
        {
            await using var feed = new EventFeed(db, cs);
            await feed.StartAsync(position.Value, stop.Token);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var read = await feed.ReadAsync(await StoreClock.NowAsync(db, stop.Token), stop.Token);
                    if (read.Count == 0)
                    {
                        await feed.WaitAsync(TimeSpan.FromMilliseconds(20), stop.Token);
                        continue;
                    }
                    var at = await history.CatchUpAsync(feed.Position, ct: stop.Token);
                    Volatile.Write(ref position.Value, at);
                    lock (advances) advances.Add((at, clock.ElapsedTicks));
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
            }
        });
        long appended = 0;
        var until = TimeSpan.FromSeconds(s.AppendSeconds);
        var appenders = Enumerable.Range(0, s.Appenders).Select(a => Task.Run(async () =>
        {
            var node = $"node{a % 4 + 1}";
            var resource = $"bench-{a}";
            for (var i = 0; clock.Elapsed < until; i++)
            {
                var id = Guid.NewGuid();
                var e = new ResourceOperationSucceeded(resource, node, "monitor", 10_000, i % 2 == 0 ? OcfRc.Success : OcfRc.NotRunning,
                    new OperationOrigin(null, null), 12, null, null, DateTimeOffset.UtcNow);
                await log.AppendAsync(StreamIds.ResourceOn(resource, node), [e], AppendMetadata.Stamp(CommandMetadata.For(Actor.Node(node))) with { EventId = id });
                var committed = clock.ElapsedTicks;
                Interlocked.Increment(ref appended);
                if (i % 10 != 0) continue;
                await using var find = db.CreateCommand("SELECT seq_id FROM cib.mt_events WHERE id = $1");
                find.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
                var seq = (long)(await find.ExecuteScalarAsync())!;
                lock (samples) samples.Add((seq, committed));
            }
        })).ToList();
        await Task.WhenAll(appenders);
        var appendSeconds = clock.Elapsed.TotalSeconds;
        var head = await log.HeadAsync();
        // Let the history pass the last append, then stop following.
        var wait = Stopwatch.StartNew();
        while (Volatile.Read(ref position.Value) < head && wait.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(20);
        await stop.CancelAsync();
        await follower;

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
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"append: {appended} events in {appendSeconds:F1} s by {s.Appenders} appenders, one event per append: {perSecond:F0}/s {Machine.Load()}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"lag: commit to stored history, {summary.Count} sampled appends ({summary.Errors} never seen): p50={summary.P50:F1} ms p99={summary.P99:F1} ms max={summary.Max:F1} ms; history folds {steps.Length}"));
        return (perSecond, summary.P99);
    }

    // ------------------------------------------------------------------ queries

    /// <summary>A resource's failover incidents over the whole log (the first page, as the API and hactl ask), resources in turn.</summary>
    private static async Task<double> FailoverHistoryAsync(HistoryQueries queries, Settings s, TextWriter output)
    {
        var sim = new ClusterSimulation(new SimulationOptions(Seed: s.Seed), Start);
        string[] resources = [.. sim.GroupNames, .. Enumerable.Range(1, new SimulationOptions().Groups).SelectMany(g => new[] { $"ipaddr2-{g}", $"apache-{g}" })];
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

    /// <summary>The explanation of transitions in the middle of the log: the state as of each replayed, planned again, compared with the record.</summary>
    private static async Task<double> ReplayAsync(NpgsqlDataSource db, CibEventLog log, Settings s, long events, TextWriter output)
    {
        var transitions = new List<string>();
        await using (var find = db.CreateCommand(
            $"SELECT stream_id FROM cib.mt_events WHERE type = $1 AND seq_id >= $2 ORDER BY seq_id LIMIT {s.Replays}"))
        {
            find.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Cib.Domain.EventCatalog.NameOf(typeof(TransitionPlanned)) });
            find.Parameters.Add(new NpgsqlParameter<long> { TypedValue = events / 2 });
            await using var r = await find.ExecuteReaderAsync();
            while (await r.ReadAsync()) transitions.Add(r.GetString(0));
        }
        var times = new List<double>();
        foreach (var stream in transitions)
        {
            var t = Stopwatch.StartNew();
            var planned = (await log.FetchStreamAsync(stream)).Select(e => e.Data).OfType<TransitionPlanned>().First();
            var (configuration, status) = await ReplayState.AtAsync(db, planned.AsOfSequence);
            var explained = Explaining.Explain(configuration, status, planned);
            var ms = t.Elapsed.TotalMilliseconds;
            times.Add(ms);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"replay: {planned.TransitionId} (as of {planned.AsOfSequence}): {ms:F0} ms, {(explained.Same ? "equal to the record" : "DIFFERS from the record")}"));
            if (!explained.Same) throw new InvalidOperationException($"replay of {planned.TransitionId} differs from the record");
        }
        times.Sort();
        return times.Count == 0 ? 0 : times[times.Count / 2];
    }

    private static double Percentile(Latencies latencies, double p) => latencies.At(p);

    // ------------------------------------------------------------------ the scratch database

    private static async Task<long?> LoadedAsync(string connection, string database, int seed)
    {
        await using var admin = new NpgsqlConnection(connection);
        await admin.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", admin);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database });
        if (await cmd.ExecuteScalarAsync() is not string comment) return null;
        var parts = comment.Split(' ').Select(p => p.Split('=')).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return parts.GetValueOrDefault("seed") == seed.ToString(CultureInfo.InvariantCulture) && long.TryParse(parts.GetValueOrDefault("events"), out var n) ? n : null;
    }

    private static async Task RecreateAsync(string connection, string database)
    {
        await using var admin = new NpgsqlConnection(connection);
        await admin.OpenAsync();
        foreach (var sql in new[] { $"DROP DATABASE IF EXISTS {database} WITH (FORCE)", $"CREATE DATABASE {database}" })
        {
            await using var cmd = new NpgsqlCommand(sql, admin);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>
/// The configuration and status as of a log position, for replay: the configuration stream up to it, and the log folded
/// from sequence 0 (<see cref="Explaining.Fold"/>).
/// </summary>
internal static class ReplayState
{
    public static async Task<(Cib.Domain.Configuration.ClusterConfiguration, Cib.Projections.ReadModels.ClusterStatus.ClusterStatus)> AtAsync(NpgsqlDataSource db, long position)
    {
        var log = new CibEventLog(db);
        var status = Cib.Projections.ReadModels.ClusterStatus.ClusterStatus.Empty;
        await foreach (var e in log.ReadUpToAsync(position))
            if (e.Data is Cib.Domain.IStatusEvent se) status = status.Apply(se, e.Sequence);
        var (configuration, _) = await ConfigurationReader.LoadAsync(log, atPosition: position);
        return (configuration, status);
    }
}

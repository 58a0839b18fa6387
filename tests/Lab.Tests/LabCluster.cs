using Cib.Domain;
using Cib.Domain.Primitives;
using Cib.Interop.Crm;
using Cib.Projections.Planning;
using Cib.Projections.Store;
using Marten;
using Npgsql;
using Polly;
using Polly.Retry;

namespace Lab.Tests;

/// <summary>One event of the lab cluster's log, as the tests read it.</summary>
public sealed record Logged(long Sequence, DateTimeOffset At, object Event);

/// <summary>An event of a known type with its place in the log.</summary>
public sealed record Logged<T>(long Sequence, T Event);

/// <summary>
/// A lab running the product: `./ha lab up N` with ha-node in every node on a database of its own, a configuration
/// loaded as an admin would, and the log read back for the tests' assertions (the observer stays the judge of what ran).
/// </summary>
public sealed class LabCluster : IAsyncDisposable
{
    private DocumentStore? _store;

    public LabSupport.Lab Lab { get; } = new();
    public DocumentStore Store => _store ?? throw new InvalidOperationException("the lab cluster is not up");

    /// <summary>
    /// Brings the lab up and loads <paramref name="configuration"/> (crm text; default: the lab's Apache cluster), the
    /// nodes with <paramref name="storeOutageBound"/> (default ha-node's), on the embedded store or the replicated one.
    /// </summary>
    public async Task UpAsync(int nodes = 2, string? configuration = null, TimeSpan? storeOutageBound = null, bool replicatedStore = false)
    {
        await Lab.UpAsync(nodes, database: $"ha_e2e_{Guid.NewGuid():N}"[..20], replicatedStore: replicatedStore, storeOutageBound: storeOutageBound);
        await SchemaMigrations.ApplyAsync(Lab.StoreUrl);
        // The tests' own reads and appends give up on a session whose store member was cut off after 5 s, not Npgsql's
        // default 30 s (a cut primary's pooled session held the store failover test's first append for 30 s more).
        _store = CibStore.Create(Lab.StoreUrl + ";Command Timeout=5");
        await LoadAsync(configuration ?? await File.ReadAllTextAsync(Path.Combine(Lab.StateDirectory, "apache-cluster.crm")));
    }

    /// <summary>Replaces the stored configuration with crm <paramref name="text"/>, as an admin would.</summary>
    public async Task LoadAsync(string text)
    {
        var loaded = await new ConfigurationLoader(Store).LoadAsync(text, LoadMode.Replace, CommandMetadata.For(Actor.User("admin")));
        Assert.True(loaded.Errors.Count == 0, string.Join("; ", loaded.Errors));
    }

    /// <summary>The lab's Apache cluster configuration with some of its text replaced (e.g. fencing off).</summary>
    public string ApacheConfiguration(params (string From, string To)[] edits)
    {
        var text = File.ReadAllText(Path.Combine(Lab.StateDirectory, "apache-cluster.crm"));
        foreach (var (from, to) in edits)
        {
            Assert.Contains(from, text);
            text = text.Replace(from, to, StringComparison.Ordinal);
        }
        return text;
    }

    public Task<IReadOnlyList<Logged>> EventsAsync() => StoreReads.ExecuteAsync(async ct =>
    {
        await using var session = Store.QuerySession();
        var all = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync(ct);
        return (IReadOnlyList<Logged>)all.Select(e => new Logged(e.Sequence, e.Timestamp, e.Data)).ToList();
    }).AsTask();

    /// <summary>
    /// The tests read the log as an observer from the host, through the replicated store's multi-host string. Right after
    /// the store comes back from an outage there can be a moment with no primary yet (every member demoted itself while
    /// it had no etcd quorum): a read is tried again for up to 30 s then, not taken for a product failure.
    /// </summary>
    private static readonly ResiliencePipeline StoreReads = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>().Handle<Exception>(e => e.InnerException is NpgsqlException),
            MaxRetryAttempts = 60,
            Delay = TimeSpan.FromMilliseconds(500),
            BackoffType = DelayBackoffType.Constant,
        })
        .Build();

    public async Task<List<T>> EventsOfAsync<T>() => (await EventsAsync()).Select(e => e.Event).OfType<T>().ToList();

    public static Logged<T> Single<T>(IReadOnlyList<Logged> events, Func<T, bool> match) =>
        events.Where(e => e.Event is T t && match(t)).Select(e => new Logged<T>(e.Sequence, (T)e.Event)).Single();

    public static Logged<T> First<T>(IReadOnlyList<Logged> events, Func<T, bool> match, long after) =>
        events.Where(e => e.Sequence > after && e.Event is T t && match(t)).Select(e => new Logged<T>(e.Sequence, (T)e.Event)).First();

    /// <summary>Polls until <paramref name="probe"/> finds something; on time-out fails with the whole log.</summary>
    public async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, int seconds = 90) where T : class
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            if (await probe() is { } found) return found;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"never happened: {what}\n" + await LogAsync());
    }

    /// <summary>The first event after <paramref name="after"/> that matches.</summary>
    public Task<Logged> UntilEventAsync(Func<object, bool> match, long after, string what, int seconds = 90) =>
        UntilAsync(async () => (await EventsAsync()).FirstOrDefault(e => e.Sequence > after && match(e.Event)), what, seconds);

    public async Task<long> HeadAsync() => (await EventsAsync()).Select(e => e.Sequence).DefaultIfEmpty(0).Max();

    /// <summary>Every recorded plan is reproduced from the log alone.</summary>
    public async Task AssertReplaysAsync()
    {
        var (count, mismatches) = await TransitionPlanner.ReplayAsync(Store);
        Assert.True(count > 0);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Select(m =>
            $"step {m.Step} ({m.TransitionId}):\n recorded {System.Text.Json.JsonSerializer.Serialize(m.Recorded.Cast<object>())}\n replayed {System.Text.Json.JsonSerializer.Serialize(m.Replayed.Cast<object>())}")) + "\n" + await LogAsync());
    }

    /// <summary>The whole log, one event a line.</summary>
    public async Task<string> LogAsync()
    {
        var events = await EventsAsync();
        return string.Join("\n", events.Select(e => $"{e.Sequence,5} {e.At:HH:mm:ss.fff} {e.Event}"));
    }

    /// <summary>The last lines each node's runtime wrote (the lab keeps them per node).</summary>
    public string NodeLogs(int lines = 40)
    {
        var parts = new List<string>();
        foreach (var node in Lab.Nodes)
        {
            var dir = Path.Combine(Lab.StateDirectory, "nodes", node);
            foreach (var file in Directory.Exists(dir) ? Directory.GetFiles(dir, "*.log") : [])
                parts.Add($"--- {node} {Path.GetFileName(file)}\n" + string.Join("\n", File.ReadLines(file).TakeLast(lines)));
        }
        return string.Join("\n", parts);
    }

    public async ValueTask DisposeAsync()
    {
        _store?.Dispose();
        await Lab.DownAsync();
    }
}

using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;
using Npgsql;

namespace Audit.Api.Status;

/// <summary>
/// The status as it changes, for every watcher at once: one follower of the log per API process (the event feed: a LISTEN
/// and reads in order), folding status and configuration events onto the status it started from (the stored status and
/// the tail), and waking the watchers with each new view. Each view carries the log position it is as of.
/// </summary>
public sealed class StatusFeed(NpgsqlDataSource db, StoredStatus stored, CibEventLog log, IConfiguration settings, ILogger<StatusFeed> logger)
    : BackgroundService
{
    private readonly string _connection = settings["Store:Connection"] ?? Environment.GetEnvironmentVariable("HA_CONNECTION")!;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StatusView? _view;
    private (ClusterStatus Status, ClusterConfiguration Configuration) _folded;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The latest view, and a task that completes when a newer one is there.</summary>
    public async Task<(StatusView View, Task Changed)> CurrentAsync(CancellationToken ct)
    {
        await _ready.Task.WaitAsync(ct);
        lock (_gate) return (_view!, _changed.Task);
    }

    /// <summary>
    /// The status as of the log's head now, for a GET: the feed's latest view when nothing newer is committed (one
    /// cheap query), else that view's state with the newer events folded on (read-your-writes: a command's events
    /// committed before the request are in the answer, whether or not the feed has reached them).
    /// </summary>
    public async Task<StatusView> NowAsync(CancellationToken ct)
    {
        await _ready.Task.WaitAsync(ct);
        StatusView view;
        lock (_gate) view = _view!;
        if (await log.HeadAsync(ct) <= view.Position) return view;
        var (configuration, status, position) = await StateAsync(ct);
        return StatusView.From(configuration, status, position);
    }

    /// <summary>The configuration and status as of the log's head now (the feed's state and the events committed after it).</summary>
    public async Task<(ClusterConfiguration Configuration, ClusterStatus Status, long Position)> StateAsync(CancellationToken ct)
    {
        await _ready.Task.WaitAsync(ct);
        (ClusterStatus Status, ClusterConfiguration Configuration) folded;
        long position;
        lock (_gate) (folded, position) = (_folded, _view!.Position);
        var (status, configuration) = folded;
        while (true)
        {
            var tail = await log.ReadAfterAsync(position, 10_000, ct);
            if (tail.Count == 0) return (configuration, status, position);
            (configuration, status) = Explaining.Fold(tail.Select(e => (e.Data, e.Sequence)), configuration, status);
            position = tail[^1].Sequence;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await FollowAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The store went away or restarted: start again from the stored status; watchers keep the last view meanwhile.
                logger.LogWarning(e, "status feed interrupted; following the log again");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task FollowAsync(CancellationToken ct)
    {
        var (status, position) = await StatusView.CurrentStatusAsync(stored, log, ct);
        var (configuration, _) = await ConfigurationReader.LoadAsync(log, ct, atPosition: position);
        Publish(status, configuration, position);
        await using var feed = new EventFeed(db, _connection);
        await feed.StartAsync(position, ct);
        while (!ct.IsCancellationRequested)
        {
            var events = await feed.ReadAsync(await StoreClock.NowAsync(db, ct), ct);
            if (events.Count > 0)
            {
                (configuration, status) = Explaining.Fold(events.Select(e => (e.Data, e.Sequence)), configuration, status);
                Publish(status, configuration, events[^1].Sequence);
                continue;
            }
            await feed.WaitAsync(TimeSpan.FromSeconds(5), ct);
        }
    }

    private void Publish(ClusterStatus status, ClusterConfiguration configuration, long position)
    {
        var view = StatusView.From(configuration, status, position);
        TaskCompletionSource previous;
        lock (_gate)
        {
            _view = view;
            _folded = (status, configuration);
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        previous.TrySetResult();
        _ready.TrySetResult();
    }
}

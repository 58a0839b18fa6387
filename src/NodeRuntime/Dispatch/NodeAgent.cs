using System.Collections.Concurrent;
using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Fencing;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Projections.Store;
using Npgsql;
using NodeRuntime.Execution;
using NodeRuntime.Fencing;

namespace NodeRuntime.Dispatch;

/// <summary>
/// The node's side of the transition engine (Pacemaker's controller on a non-DC node): it follows the log,
/// keeps the configuration current, and carries out the actions dispatched to this node: resource operations
/// through the executor (starting and stopping recurring monitors with them) and fencing through the fencer.
/// Dispatches of a transition older than the latest planned one are refused; each action runs at most once.
/// </summary>
public sealed class NodeAgent(
    NpgsqlDataSource db,
    string connectionString,
    string node,
    IResourceExecutor executor,
    RecurringMonitors monitors,
    IEventSink sink,
    TimeProvider time,
    Func<ClusterConfiguration, IReadOnlyList<IFenceDevice>>? fenceDevices = null)
{
    private ClusterConfiguration _configuration = ClusterConfiguration.Empty;
    private string? _latestTransition;
    private readonly ConcurrentDictionary<(string, int), bool> _seen = new();
    private readonly Dictionary<string, FencingRequested> _fencingRequests = new(StringComparer.Ordinal);
    private readonly List<Task> _running = [];
    private readonly ConcurrentDictionary<string, bool> _startedDevices = new(StringComparer.Ordinal);

    /// <summary>Raised when a dispatch for this node is accepted, before it runs (for measurements).</summary>
    public event Action<ActionDispatched>? Accepted;

    /// <summary>Dispatches this node refused because a newer transition had been planned (for tests and status).</summary>
    public int RefusedStale { get; private set; }

    public ClusterConfiguration Configuration => _configuration;

    public async Task RunAsync(CancellationToken ct)
    {
        long position;
        (_configuration, _) = await ConfigurationReader.LoadAsync(new CibEventLog(db), ct);
        position = await EventFeed.HeadAsync(db, ct);
        WarmUpFenceDevices(ct);
        await using var feed = new EventFeed(db, connectionString);
        await feed.StartAsync(position, ct);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var events = await feed.ReadAsync(await StoreClock.NowAsync(db, ct), ct);
                foreach (var e in events) Observe(e.Data, ct);
                if (events.Any(e => e.Data is IConfigurationEvent)) WarmUpFenceDevices(ct);
                if (events.Count == 0) await feed.WaitAsync(TimeSpan.FromSeconds(1), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // The store is away: the lease-loss policy acts on that; keep trying to read.
                await Task.Delay(200, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        Task[] pending;
        lock (_running) pending = [.. _running];
        await Task.WhenAll(pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_devices is not null)
            foreach (var device in _devices) await device.DisposeAsync();
    }

    private void Observe(object data, CancellationToken ct)
    {
        switch (data)
        {
            case IConfigurationEvent c:
                _configuration = ConfigurationDecider.Evolve(_configuration, c);
                break;
            case TransitionPlanned t:
                _latestTransition = t.TransitionId;
                break;
            case FencingRequested r:
                _fencingRequests[r.RequestId] = r;
                break;
            case ActionDispatched d when d.Node == node:
                if (_latestTransition is not null && d.TransitionId != _latestTransition)
                {
                    RefusedStale++;
                    return;
                }
                if (!_seen.TryAdd((d.TransitionId, d.ActionId), true)) return;
                Accepted?.Invoke(d);
                Track(Task.Run(() => CarryOutAsync(d, ct), ct));
                break;
        }
    }

    private async Task CarryOutAsync(ActionDispatched d, CancellationToken ct)
    {
        if (d.Kind == ActionKind.Fence)
        {
            await FenceAsync(d, ct);
            return;
        }
        var origin = new OperationOrigin(d.TransitionId, d.ActionId);
        if (d.Resource is null || _configuration.Resources.GetValueOrDefault(d.Resource) is not Primitive primitive)
        {
            await sink.AppendAsync(new ResourceOperationFailed(d.Resource ?? "?", node, d.Operation, d.IntervalMs, OcfRc.NotConfigured,
                OperationStatus.Invalid, origin, 0, null, $"{d.Resource} is not a configured primitive on {node}", time.GetUtcNow()), ct);
            return;
        }
        if (primitive.IsFenceDevice)
        {
            await sink.AppendAsync(await FenceDeviceActionAsync(primitive, d, origin, ct), ct);
            return;
        }
        if (d.Operation == Operations.Stop) await monitors.StopAsync(primitive.Id);

        var request = ActionRequest.For(primitive, d.Operation, d.IntervalMs, origin, TimeSpan.FromMilliseconds(d.TimeoutMs));
        var outcome = await executor.ExecuteAsync(request, ct);
        await sink.AppendAsync(outcome.ToEvent(), ct);
        if (outcome.Succeeded && d.Operation == Operations.Monitor && d.IntervalMs > 0)
            monitors.Start(primitive, d.IntervalMs, outcome);
    }

    /// <summary>
    /// A fence device as a resource (Pacemaker starts stonith resources on a node): start and monitor check that
    /// the device answers from here; stop has nothing to undo; a probe finds it "not running" until started.
    /// </summary>
    private async Task<ICibEvent> FenceDeviceActionAsync(Primitive primitive, ActionDispatched d, OperationOrigin origin, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        var probe = d.Operation == Operations.Monitor && d.IntervalMs == 0;
        if (d.Operation == Operations.Stop || probe)
        {
            if (d.Operation == Operations.Stop) _startedDevices.TryRemove(primitive.Id, out _);
            var rc = probe && !_startedDevices.ContainsKey(primitive.Id) ? OcfRc.NotRunning : OcfRc.Success;
            return new ResourceOperationSucceeded(primitive.Id, node, d.Operation, d.IntervalMs, rc, origin, 0, null, null, at);
        }
        // The same device objects that fence: a started device keeps its connection to the hypervisor warm.
        var devices = fenceDevices?.Invoke(_configuration) ?? await CachedDevicesAsync();
        var device = devices.FirstOrDefault(x => x.Id == primitive.Id);
        var result = device is null
            ? FenceResult.Failed(0, $"fence device {primitive.Id} cannot be created here")
            : await device.MonitorAsync(TimeSpan.FromMilliseconds(d.TimeoutMs), ct);
        if (result.Succeeded && d.Operation == Operations.Start) _startedDevices[primitive.Id] = true;
        return result.Succeeded
            ? new ResourceOperationSucceeded(primitive.Id, node, d.Operation, d.IntervalMs, OcfRc.Success, origin, result.DurationMs, result.OutputTail, null, at)
            : new ResourceOperationFailed(primitive.Id, node, d.Operation, d.IntervalMs, OcfRc.GenericError, OperationStatus.Error, origin,
                result.DurationMs, result.OutputTail, result.Reason, at);
    }

    private IReadOnlyList<IFenceDevice>? _devices;
    private ValueList<Primitive>? _devicesFor;
    private readonly SemaphoreSlim _devicesGate = new(1, 1);

    /// <summary>
    /// Fence devices built from the current configuration and kept between fences, so that a device that holds
    /// a connection (SSH to the hypervisor) reuses it; rebuilt when a device's definition changes.
    /// </summary>
    private async Task<IReadOnlyList<IFenceDevice>> CachedDevicesAsync()
    {
        await _devicesGate.WaitAsync();
        try
        {
            var wanted = _configuration.FenceDevices.ToValueList();
            if (_devices is not null && _devicesFor == wanted) return _devices;
            if (_devices is not null)
                foreach (var old in _devices) await old.DisposeAsync();
            _devices = FenceDevices.CreateAll(_configuration).Devices;
            _devicesFor = wanted;
            return _devices;
        }
        finally
        {
            _devicesGate.Release();
        }
    }

    private ValueList<Primitive>? _warmedFor;

    /// <summary>
    /// Any node may be the one to fence a lost peer, so every node keeps the devices that can fence one of its
    /// peers ready (an SSH device: its connection open), whether or not the device's resource runs here: a fence
    /// then costs one command on a kept connection instead of a key exchange first.
    /// </summary>
    private void WarmUpFenceDevices(CancellationToken ct)
    {
        if (fenceDevices is not null) return;
        var wanted = _configuration.FenceDevices.ToValueList();
        if (_warmedFor == wanted) return;
        _warmedFor = wanted;
        var peers = _configuration.Nodes.Keys.Where(n => n != node).ToList();
        if (peers.Count == 0 || wanted.Count == 0) return;
        Track(Task.Run(async () =>
        {
            foreach (var device in await CachedDevicesAsync())
                if (peers.Any(device.CanFence))
                    await device.WarmUpAsync(ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }, ct));
    }

    /// <summary>Background work the runtime waits for when it stops (actions, device warm-ups).</summary>
    private void Track(Task work)
    {
        lock (_running)
        {
            _running.RemoveAll(t => t.IsCompleted);
            _running.Add(work);
        }
    }

    private async Task FenceAsync(ActionDispatched d, CancellationToken ct)
    {
        var request = d.FencingRequestId is { } id && _fencingRequests.TryGetValue(id, out var r)
            ? r
            : new FencingRequested(d.FencingRequestId ?? $"{d.TransitionId}/{d.ActionId}", d.Target ?? "", d.Operation, "dispatched", null, d.TransitionId, 1, d.At);
        var devices = fenceDevices?.Invoke(_configuration) ?? await CachedDevicesAsync();
        var fencer = new Fencer(node, devices, sink, time);
        await fencer.FenceAsync(request, TimeSpan.FromMilliseconds(d.TimeoutMs), ct);
        // A reboot's power-on runs after the fence is reported; this action's task ends when it is done.
        await fencer.PowerOn;
    }
}

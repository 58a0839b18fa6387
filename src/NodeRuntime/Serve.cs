using NodeRuntime.Controller;
using NodeRuntime.Membership;
using System.Runtime.InteropServices;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Controller;
using Cib.Projections.Store;
using NodeRuntime.Dispatch;
using Cib.Domain.Configuration;
using Npgsql;
using NodeRuntime.Agents;
using NodeRuntime.Execution;
using Polly;
using Polly.Retry;

namespace NodeRuntime;

/// <summary>
/// The resident node runtime: a small host (no generic host: its configuration, DI and logging machinery cost
/// resident memory, docs/node-runtime.md) holding the executor, the recurring monitors, the meta-data catalog and
/// the event sink (the store's event log when a connection is given, with an outbox in front), and running the
/// node's lease, controller role and agent.
/// </summary>
public static class Serve
{
    public static async Task<int> RunAsync(Options options)
    {
        await using var host = Build(options);
        using var stop = new CancellationTokenSource();
        if (options.Value("for") is { } seconds)
        {
            if (!int.TryParse(seconds, out var s) || s <= 0) throw new UsageException($"--for '{seconds}' is not a number of seconds");
            stop.CancelAfter(TimeSpan.FromSeconds(s));
        }
        // SIGTERM (systemd, the lab), Ctrl-C and SIGQUIT stop the runtime cleanly instead of killing the process.
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal);
        await host.RunAsync(stop.Token);
        return 0;
    }

    /// <summary>The host, not yet started: options --node, --connection, --lease-timeout, --no-quorum-policy.</summary>
    public static NodeHost Build(Options options)
    {
        var node = options.Value("node") ?? Environment.MachineName;
        var connection = options.Value("connection") ?? Environment.GetEnvironmentVariable("HA_CONNECTION");
        var leaseTimeout = DurationOf(options, "lease-timeout", TimeSpan.FromSeconds(1));
        // The same on every node, as the lease timeout (docs/safety.md).
        var bound = DurationOf(options, "store-outage-bound", ControllerRules.DefaultStoreOutageBound);
        var time = TimeProvider.System;
        var executor = new LocalResources(ResourceExecutor.Create(AgentHost.Local(node)), time);
        NodeStore? store = null;
        IEventSink sink;
        if (connection is { Length: > 0 })
        {
            var data = StoreDataSource.Create(connection);
            var outbox = new OutboxEventSink(new EventLogSink(new CibEventLog(data), node), time, AppendDeadline(leaseTimeout));
            store = new NodeStore(connection, data, outbox);
            sink = outbox;
        }
        else
        {
            sink = new RecordingEventSink();
        }
        var monitors = new RecurringMonitors(executor, sink, time);
        return new NodeHost(node, leaseTimeout, bound, options.Value("no-quorum-policy"), store, executor, monitors, sink, time);
    }

    private static TimeSpan DurationOf(Options options, string name, TimeSpan fallback) => options.Value(name) is { } text
        ? Duration.TryParse(text, out var d) ? d.ToTimeSpan() : throw new UsageException($"--{name} '{text}' is not a duration")
        : fallback;

    /// <summary>Renew four times per lease timeout (250 ms for the default 1 s), as corosync sends tokens.</summary>
    internal static TimeSpan LeaseInterval(TimeSpan leaseTimeout) => leaseTimeout / 4;

    /// <summary>
    /// How long one append of the node's outbox may take before it counts as failed: two lease timeouts, at least 2 s.
    /// Nothing waits on it (the outbox only delays the events behind it), and an append that is merely slow should not
    /// be sent twice.
    /// </summary>
    internal static TimeSpan AppendDeadline(TimeSpan leaseTimeout) => leaseTimeout * 2 > TimeSpan.FromSeconds(2) ? leaseTimeout * 2 : TimeSpan.FromSeconds(2);
}

/// <summary>What <c>ha-node serve</c> holds when it has a store.</summary>
internal sealed record NodeStore(string ConnectionString, NpgsqlDataSource Data, OutboxEventSink Outbox);

/// <summary>
/// The running node runtime (what the generic host's background service was): start-up as a node runtime does it,
/// then the lease, controller, agent and lease-loss loops until stopped; a stop leaves the cluster cleanly.
/// </summary>
public sealed class NodeHost : IAsyncDisposable, IDisposable
{
    /// <summary>How long a stop waits for the runtime to finish (the generic host's default shutdown timeout).</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    private readonly string _node;
    private readonly TimeSpan _leaseTimeout;
    private readonly TimeSpan _storeOutageBound;
    private readonly string? _policyOverride;
    private readonly NodeStore? _store;
    private readonly LocalResources _executor;
    private readonly RecurringMonitors _monitors;
    private readonly TimeProvider _time;
    private readonly ConsoleLog _log = new("NodeRuntime.Serve.NodeService");
    private readonly CancellationTokenSource _stopping = new();
    private Task? _running;

    internal NodeHost(string node, TimeSpan leaseTimeout, TimeSpan storeOutageBound, string? policyOverride, NodeStore? store, LocalResources executor,
        RecurringMonitors monitors, IEventSink sink, TimeProvider time)
    {
        _node = node;
        _leaseTimeout = leaseTimeout;
        _storeOutageBound = storeOutageBound;
        _policyOverride = policyOverride;
        _store = store;
        _executor = executor;
        _monitors = monitors;
        Sink = sink;
        _time = time;
    }

    public IResourceExecutor Executor => _executor;

    /// <summary>The runtime has ended (on its own, or stopped).</summary>
    internal bool Ended => _running?.IsCompleted == true;
    public IEventSink Sink { get; }

    /// <summary>Starts the runtime in the background.</summary>
    public Task StartAsync(CancellationToken ct = default)
    {
        _running ??= Task.Run(() => ExecuteAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Asks the runtime to stop (it leaves the cluster) and waits for it, at most <see cref="ShutdownTimeout"/>.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (_running is not { } running) return;
        await _stopping.CancelAsync();
        await running.WaitAsync(ShutdownTimeout, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled (then stops cleanly) or the runtime ends on its own.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        await StartAsync(stop);
        await _running!.WaitAsync(stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await StopAsync();
    }

    /// <summary>
    /// A node that boots while its store is away (a failover in progress, the store's host restarting) waits for it, as a
    /// node's cluster stack waits for its membership layer, instead of exiting: a store that does not answer (a transient
    /// error: a refused or timed-out connection, a member that is no primary yet) is asked again every second, each time
    /// said. Anything else (a wrong password, a schema without a migration) still ends the runtime at once. The soak found
    /// it: a node fenced and booted during a store failover exited on its first connection's timeout and stayed out.
    /// </summary>
    private ResiliencePipeline StoreAtBoot() => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e.IsTransient).Handle<TimeoutException>(),
            MaxRetryAttempts = int.MaxValue,
            Delay = TimeSpan.FromSeconds(1),
            BackoffType = DelayBackoffType.Constant,
            OnRetry = a =>
            {
                _log.Warning($"the store does not answer yet ({a.Outcome.Exception?.GetType().Name}: {a.Outcome.Exception?.Message}); asking again (attempt {a.AttemptNumber + 2})");
                return ValueTask.CompletedTask;
            },
        })
        .Build();

    private async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (_store is { } store)
            {
                // A node may be the first to reach a fresh store: bring the schema up when its connection may (idempotent,
                // serialised by a lock); a node on its own role (ha_node) only checks that the owner has applied it.
                var (configuration, version) = await StoreAtBoot().ExecuteAsync(async ct =>
                {
                    await SchemaMigrations.EnsureCurrentAsync(store.ConnectionString, ct);
                    return await ConfigurationReader.LoadAsync(new CibEventLog(store.Data), ct);
                }, stoppingToken);
                var policy = NoQuorumPolicies.Parse(_policyOverride ?? configuration.Options.NoQuorum);
                // Membership, the controller role (active in one node) and the actions sent here. Probes at join
                // come from the controller: a joining node has no history, so the planner probes everything on it.
                // Each renewal has a hard deadline of one lease timeout: one that has not answered by then is no contact.
                var lease = new NodeLease(store.Data, _node, _time, renewalDeadline: _leaseTimeout);
                var controller = new ClusterController(store.Data, store.ConnectionString, _node,
                    new ControllerOptions { LeaseTimeout = new Duration((long)_leaseTimeout.TotalMilliseconds), StoreOutageBound = _storeOutageBound });
                var agent = new NodeAgent(store.Data, store.ConnectionString, _node, _executor, _monitors, Sink, _time);
                // Lease loss is decided on a timer of its own from the renewals that were answered, never by waiting on
                // the store; its stops take the timeouts the controller counts with (op, else op_defaults, else 20 s).
                var responder = new LeaseLossResponder(new LeaseWatch(_leaseTimeout, policy, _time.GetUtcNow(), _storeOutageBound),
                    _executor, _monitors, store.Outbox, _time,
                    p => OperationTimeouts.Of(p, Operations.Stop, 0, agent.Configuration.OperationDefaults));
                lease.Renewed += responder.Contact;
                responder.Acted += (decision, stops) =>
                {
                    if (decision is not LeaseDecision.Carry)
                        _log.Warning($"lease: {decision} ({stops.Count} stops{(stops.Count > 0 ? ": " + string.Join(", ", stops) : "")})");
                };
                _log.Information($"ha-node {_node} ready (pid {Environment.ProcessId}), configuration version {version}, lease timeout {_leaseTimeout}, no-quorum-policy {policy}, store-outage-bound {_storeOutageBound}");
                using var running = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var loops = new[]
                {
                    Task.Run(() => lease.RunAsync(Serve.LeaseInterval(_leaseTimeout), running.Token), running.Token),
                    Task.Run(() => controller.RunAsync(running.Token), running.Token),
                    Task.Run(() => agent.RunAsync(running.Token), running.Token),
                    Task.Run(() => responder.RunAsync(running.Token), running.Token),
                };
                // Which agents this node has, for the console's form (decision 0017): beside the loops, never in their way.
                var report = Task.Run(() => ReportAgentsAsync(store, running.Token), running.Token);
                await Task.WhenAny(loops);
                await running.CancelAsync();
                await Task.WhenAll(loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await report.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (stoppingToken.IsCancellationRequested)
                    await LeaveCleanlyAsync(lease, store.Outbox);
            }
            else
            {
                _log.Information($"ha-node {_node} ready (pid {Environment.ProcessId}), no store");
                await Task.Delay(Timeout.Infinite, stoppingToken);
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e)
        {
            // As the generic host did with a failed background service: say why, and stop.
            _log.Error($"the node runtime failed: {e}");
        }
        await _monitors.StopAllAsync();
    }

    /// <summary>Reports the agents installed here (<see cref="AgentReport"/>); a failure is logged and the node runs on.</summary>
    private async Task ReportAgentsAsync(NodeStore store, CancellationToken ct)
    {
        try
        {
            var result = await AgentReport.RunAsync(new NodeAgents(store.Data), _node, new AgentMetadataCatalog(), ct);
            _log.Information($"agents: {result.Installed} installed, meta-data read for {result.Read} ({result.Failed} could not be read)");
            // Reading every agent's meta-data (a fresh store) is a one-off burst of a few MB of output, large objects among
            // it: give that memory back at once instead of holding it for the node's lifetime (docs/node-runtime.md).
            if (result.Read > 0) GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e)
        {
            _log.Warning($"agents: could not report the agents installed here ({e.Message}); the next start reports them");
        }
    }

    /// <summary>
    /// A clean shutdown: stop what runs here (last started first), then leave, so the cluster recovers it
    /// elsewhere without fencing this node.
    /// </summary>
    private async Task LeaveCleanlyAsync(NodeLease lease, OutboxEventSink outbox)
    {
        await _monitors.StopAllAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var primitive in _executor.StopOrder)
        {
            var outcome = await _executor.ExecuteAsync(ActionRequest.For(primitive, Operations.Stop), cts.Token);
            _log.Information($"shutdown: {outcome}");
        }
        try
        {
            // What the node reported (its stops among it) reaches the log before NodeLeft says the node is clean.
            if (!await outbox.DrainAsync(TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200), cts.Token))
                _log.Warning($"shutdown: {outbox.Pending} events could not be delivered before leaving");
            await lease.LeaveAsync("clean shutdown of the node runtime", cts.Token);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            _log.Warning($"shutdown: could not leave cleanly ({e.Message}): the cluster will see this node as lost");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_store is not null)
        {
            await _store.Outbox.DisposeAsync();
            await _store.Data.DisposeAsync();
        }
        _stopping.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}

/// <summary>One line per message on stdout, as the generic host's simple console logger wrote them ("info: Category[0] text").</summary>
internal sealed class ConsoleLog(string category)
{
    private static readonly Lock Gate = new();

    public void Information(string message) => Write("info", message);
    public void Warning(string message) => Write("warn", message);
    public void Error(string message) => Write("fail", message);

    private void Write(string level, string message)
    {
        lock (Gate) Console.Out.WriteLine($"{level}: {category}[0] {message.ReplaceLineEndings(" ")}");
    }
}

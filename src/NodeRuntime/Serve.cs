using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Cluster;
using Cib.Projections.Store;
using NodeRuntime.Dispatch;
using NodeRuntime.Membership;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeRuntime.Agents;
using NodeRuntime.Execution;

namespace NodeRuntime;

/// <summary>
/// The resident node runtime: a generic host holding the executor, the recurring monitors, the
/// meta-data catalog and the event sink (Marten when a connection is given, with an outbox in front).
/// The control loop wires its lease renewal and action dispatch into this host.
/// </summary>
public static class Serve
{
    public static async Task<int> RunAsync(Options options)
    {
        using var host = Build(options);
        if (options.Value("for") is { } seconds)
        {
            if (!int.TryParse(seconds, out var s) || s <= 0) throw new UsageException($"--for '{seconds}' is not a number of seconds");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(s));
            await host.RunAsync(cts.Token);
        }
        else
        {
            await host.RunAsync();
        }
        return 0;
    }

    /// <summary>The host, not yet started: options --node, --connection, --lease-timeout, --no-quorum-policy.</summary>
    public static IHost Build(Options options)
    {
        var node = options.Value("node") ?? Environment.MachineName;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(AgentHost.Local(node));
        builder.Services.AddSingleton(sp => new LocalResources(ResourceExecutor.Create(sp.GetRequiredService<AgentHost>()), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IResourceExecutor>(sp => sp.GetRequiredService<LocalResources>());
        builder.Services.AddSingleton<AgentMetadataCatalog>();
        var connection = options.Value("connection") ?? Environment.GetEnvironmentVariable("HA_CONNECTION");
        var leaseTimeout = options.Value("lease-timeout") is { } lt
            ? Duration.TryParse(lt, out var ltd) ? ltd.ToTimeSpan() : throw new UsageException($"--lease-timeout '{lt}' is not a duration")
            : TimeSpan.FromSeconds(1);
        if (connection is { Length: > 0 })
        {
            builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connection));
            builder.Services.AddSingleton(sp => new CibEventLog(sp.GetRequiredService<NpgsqlDataSource>()));
            builder.Services.AddSingleton<IStoreReachability>(sp => new NpgsqlStoreReachability(sp.GetRequiredService<NpgsqlDataSource>(), leaseTimeout / 2));
            builder.Services.AddSingleton(sp => new OutboxEventSink(new EventLogSink(sp.GetRequiredService<CibEventLog>(), node)));
            builder.Services.AddSingleton<IEventSink>(sp => sp.GetRequiredService<OutboxEventSink>());
        }
        else
        {
            builder.Services.AddSingleton<IEventSink, RecordingEventSink>();
        }
        builder.Services.AddSingleton(sp => new RecurringMonitors(sp.GetRequiredService<IResourceExecutor>(), sp.GetRequiredService<IEventSink>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddHostedService(sp => new NodeService(node, leaseTimeout, options.Value("no-quorum-policy"), connection, sp));

        return builder.Build();
    }

    /// <summary>
    /// Start-up as a node runtime does it: read the configuration from the store, probe every configured
    /// resource here and report the results, then watch the lease (store reachability) and act per
    /// no-quorum-policy. Without a store it only holds the executor and monitors (for measurements).
    /// </summary>
    /// <summary>Renew four times per lease timeout (250 ms for the default 1 s), as corosync sends tokens.</summary>
    private static TimeSpan LeaseInterval(TimeSpan leaseTimeout) => leaseTimeout / 4;

    /// <summary>
    /// A clean shutdown: stop what runs here (last started first), then leave, so the cluster recovers it
    /// elsewhere without fencing this node.
    /// </summary>
    private static async Task LeaveCleanlyAsync(NodeLease lease, LocalResources executor, RecurringMonitors monitors, ILogger log)
    {
        await monitors.StopAllAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var primitive in executor.Running.Reverse())
        {
            var outcome = await executor.ExecuteAsync(ActionRequest.For(primitive, Operations.Stop), cts.Token);
            log.LogInformation("shutdown: {Outcome}", outcome);
        }
        try
        {
            await lease.LeaveAsync("clean shutdown of the node runtime", cts.Token);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            log.LogWarning("shutdown: could not leave cleanly ({Error}): the cluster will see this node as lost", e.Message);
        }
    }

    private sealed class NodeService(string node, TimeSpan leaseTimeout, string? policyOverride, string? connection, IServiceProvider services) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var log = services.GetRequiredService<ILogger<NodeService>>();
            var monitors = services.GetRequiredService<RecurringMonitors>();
            var time = services.GetRequiredService<TimeProvider>();
            try
            {
                if (services.GetService<CibEventLog>() is { } eventLog)
                {
                    // A node may be the first to reach a fresh store: bring the schema up (idempotent, serialised by a lock).
                    await SchemaMigrations.ApplyAsync(connection!, ct: stoppingToken);
                    var (configuration, version) = await ConfigurationReader.LoadAsync(eventLog, stoppingToken);
                    var executor = services.GetRequiredService<LocalResources>();
                    var sink = services.GetRequiredService<IEventSink>();
                    var data = services.GetRequiredService<NpgsqlDataSource>();
                    var policy = NoQuorumPolicies.Parse(policyOverride ?? configuration.Options.NoQuorum);
                    var responder = new LeaseLossResponder(new LeaseWatch(leaseTimeout, policy, time.GetUtcNow()),
                        services.GetRequiredService<IStoreReachability>(), executor, monitors, services.GetRequiredService<OutboxEventSink>(), time);
                    responder.Acted += (decision, stops) =>
                    {
                        if (decision is not LeaseDecision.Carry) log.LogWarning("lease: {Decision} ({Stops} stops)", decision, stops.Count);
                    };
                    // Membership, the controller role (active in one node) and the actions sent here. Probes at join
                    // come from the controller: a joining node has no history, so the planner probes everything on it.
                    var lease = new NodeLease(data, node, time);
                    var controller = new ClusterController(data, connection!, node, new ControllerOptions { LeaseTimeout = new Duration((long)leaseTimeout.TotalMilliseconds) });
                    var agent = new NodeAgent(data, connection!, node, executor, monitors, sink, time);
                    log.LogInformation("ha-node {Node} ready (pid {Pid}), configuration version {Version}, lease timeout {Lease}, no-quorum-policy {Policy}",
                        node, Environment.ProcessId, version, leaseTimeout, policy);
                    using var running = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    var loops = new[]
                    {
                        Task.Run(() => lease.RunAsync(LeaseInterval(leaseTimeout), running.Token), running.Token),
                        Task.Run(() => controller.RunAsync(running.Token), running.Token),
                        Task.Run(() => agent.RunAsync(running.Token), running.Token),
                        Task.Run(() => responder.RunAsync(leaseTimeout / 4, running.Token), running.Token),
                    };
                    await Task.WhenAny(loops);
                    await running.CancelAsync();
                    await Task.WhenAll(loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    if (stoppingToken.IsCancellationRequested)
                        await LeaveCleanlyAsync(lease, executor, monitors, log);
                }
                else
                {
                    log.LogInformation("ha-node {Node} ready (pid {Pid}), no store", node, Environment.ProcessId);
                    await Task.Delay(Timeout.Infinite, stoppingToken);
                }
            }
            catch (OperationCanceledException) { }
            await monitors.StopAllAsync();
        }
    }
}

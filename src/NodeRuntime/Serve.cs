using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Store;
using Marten;
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
            builder.Services.AddSingleton<IDocumentStore>(_ => CibStore.Create(connection));
            builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connection));
            builder.Services.AddSingleton<IStoreReachability>(sp => new NpgsqlStoreReachability(sp.GetRequiredService<NpgsqlDataSource>(), leaseTimeout / 2));
            builder.Services.AddSingleton(sp => new OutboxEventSink(new MartenEventSink(sp.GetRequiredService<IDocumentStore>(), node)));
            builder.Services.AddSingleton<IEventSink>(sp => sp.GetRequiredService<OutboxEventSink>());
        }
        else
        {
            builder.Services.AddSingleton<IEventSink, RecordingEventSink>();
        }
        builder.Services.AddSingleton(sp => new RecurringMonitors(sp.GetRequiredService<IResourceExecutor>(), sp.GetRequiredService<IEventSink>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddHostedService(sp => new NodeService(node, leaseTimeout, options.Value("no-quorum-policy"), sp));

        return builder.Build();
    }

    /// <summary>
    /// Start-up as a node runtime does it: read the configuration from the store, probe every configured
    /// resource here and report the results, then watch the lease (store reachability) and act per
    /// no-quorum-policy. Without a store it only holds the executor and monitors (for measurements).
    /// </summary>
    private sealed class NodeService(string node, TimeSpan leaseTimeout, string? policyOverride, IServiceProvider services) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var log = services.GetRequiredService<ILogger<NodeService>>();
            var monitors = services.GetRequiredService<RecurringMonitors>();
            var time = services.GetRequiredService<TimeProvider>();
            try
            {
                if (services.GetService<IDocumentStore>() is { } store)
                {
                    var (configuration, version) = await ConfigurationReader.LoadAsync(store, stoppingToken);
                    var executor = services.GetRequiredService<LocalResources>();
                    var outcomes = await new ProbeRoutine(executor, services.GetRequiredService<IEventSink>()).ProbeAllAsync(configuration, new OperationOrigin($"join:{node}", null), stoppingToken);
                    log.LogInformation("ha-node {Node}: configuration version {Version}, probed {Count} resources: {Running} running here",
                        node, version, outcomes.Count, outcomes.Count(o => o.Rc is OcfRc.Success or OcfRc.RunningPromoted));
                    // What already runs here is watched again at once (the controller may replace these later).
                    foreach (var running in outcomes.Where(o => o.Rc is OcfRc.Success or OcfRc.RunningPromoted))
                        if (configuration.Resources.GetValueOrDefault(running.Resource) is Primitive p) monitors.StartAll(p);
                    var policy = NoQuorumPolicies.Parse(policyOverride ?? configuration.Options.NoQuorum);
                    var responder = new LeaseLossResponder(new LeaseWatch(leaseTimeout, policy, time.GetUtcNow()),
                        services.GetRequiredService<IStoreReachability>(), executor, monitors, services.GetRequiredService<OutboxEventSink>(), time);
                    responder.Acted += (decision, stops) =>
                    {
                        if (decision is not LeaseDecision.Carry) log.LogWarning("lease: {Decision} ({Stops} stops)", decision, stops.Count);
                    };
                    log.LogInformation("ha-node {Node} ready (pid {Pid}), lease timeout {Lease}, no-quorum-policy {Policy}", node, Environment.ProcessId, leaseTimeout, policy);
                    await responder.RunAsync(leaseTimeout / 4, stoppingToken);
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

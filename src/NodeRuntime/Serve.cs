using Cib.Projections.Store;
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
        var node = options.Value("node") ?? Environment.MachineName;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(AgentHost.Local(node));
        builder.Services.AddSingleton(sp => new LocalResources(ResourceExecutor.Create(sp.GetRequiredService<AgentHost>()), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IResourceExecutor>(sp => sp.GetRequiredService<LocalResources>());
        builder.Services.AddSingleton<AgentMetadataCatalog>();
        if ((options.Value("connection") ?? Environment.GetEnvironmentVariable("HA_CONNECTION")) is { Length: > 0 } cs)
            builder.Services.AddSingleton<IEventSink>(_ => new OutboxEventSink(new MartenEventSink(CibStore.Create(cs), node)));
        else
            builder.Services.AddSingleton<IEventSink, RecordingEventSink>();
        builder.Services.AddSingleton(sp => new RecurringMonitors(sp.GetRequiredService<IResourceExecutor>(), sp.GetRequiredService<IEventSink>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddHostedService(sp => new NodeService(node, sp.GetRequiredService<RecurringMonitors>(), sp.GetRequiredService<IEventSink>(), sp.GetRequiredService<ILogger<NodeService>>()));

        using var host = builder.Build();
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

    private sealed class NodeService(string node, RecurringMonitors monitors, IEventSink sink, ILogger<NodeService> log) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            log.LogInformation("ha-node {Node} ready (pid {Pid}, sink {Sink})", node, Environment.ProcessId, sink.GetType().Name);
            try { await Task.Delay(Timeout.Infinite, stoppingToken); }
            catch (OperationCanceledException) { }
            await monitors.StopAllAsync();
        }
    }
}

using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Projections.Store;
using Marten;
using Polly;
using Polly.Retry;

namespace Audit.Api.Commands;

/// <summary>
/// The two ways a command of this request writes, once for every handler: a configuration change through the one
/// write path, and status events appended to a stream once per request id. Both stamp the request's actor and id.
/// </summary>
public sealed class CommandWrites(IDocumentStore store, CibEventLog log, CommandContext context, TimeProvider time)
{
    /// <summary>Another edit landed between reading the version and appending: read it again and re-apply (the commands are set-to-value).</summary>
    private static readonly ResiliencePipeline Concurrent = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions { ShouldHandle = new PredicateBuilder().Handle<StaleConfigurationException>(), MaxRetryAttempts = 5, Delay = TimeSpan.Zero })
        .Build();

    /// <summary>
    /// The commands <paramref name="commands"/> makes of the current configuration, as one change: based on the version
    /// the client named (If-Match; 412 when stale), else on the version just read, read again after a concurrent edit.
    /// </summary>
    public async ValueTask<CommandResult> ChangeConfigurationAsync(string reason, Func<ClusterConfiguration, IReadOnlyList<IConfigurationCommand>> commands,
        CancellationToken ct)
    {
        var meta = context.Metadata();
        var writer = new ConfigurationWriter(store);
        var result = await (context.ExpectedVersion is null ? Concurrent : ResiliencePipeline.Empty).ExecuteAsync(async token =>
        {
            var (configuration, version) = await ConfigurationReader.LoadAsync(store, token);
            return await writer.ChangeAsync(new ChangeConfiguration(context.ExpectedVersion ?? version, commands(configuration), time.GetUtcNow(), meta.Actor, reason), meta, token);
        }, ct);
        return new CommandResult([.. result.Events.Select(e => new AppendedEvent(EventCatalog.NameOf(e.GetType()), e))], result.Version, result.Repeated);
    }

    /// <summary>The first answer again, when this request's id already appended to <paramref name="stream"/>; else null.</summary>
    public async Task<CommandResult?> RepeatOfAsync(string stream, CancellationToken ct) =>
        context.RequestId is { } request && await log.FindByRequestAsync(stream, request, ct) is { Count: > 0 } earlier
            ? new CommandResult([.. earlier.Select(e => new AppendedEvent(e.EventTypeName, e.Data))], null, Repeated: true)
            : null;

    /// <summary>Status events of the command, appended to <paramref name="stream"/>.</summary>
    public async Task<CommandResult> AppendAsync(string stream, IReadOnlyList<object> events, string reason, CancellationToken ct)
    {
        await log.AppendAsync(stream, events, AppendMetadata.Stamp(context.Metadata(), reason), ct);
        return new CommandResult([.. events.Select(e => new AppendedEvent(EventCatalog.NameOf(e.GetType()), e))], null, false);
    }
}

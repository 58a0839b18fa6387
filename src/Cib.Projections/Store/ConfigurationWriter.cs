using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Primitives;
using JasperFx.Events;
using Marten;


namespace Cib.Projections.Store;

/// <summary>
/// The one write path of the configuration: load the stream, check the expected version (epoch),
/// decide, append with that version. A concurrent or stale edit becomes <see cref="StaleConfigurationException"/>.
/// </summary>
public sealed class ConfigurationWriter(IDocumentStore store)
{
    public async Task<ConfigurationChangeResult> ChangeAsync(ChangeConfiguration change, CommandMetadata meta, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession();
        var (state, version) = await ConfigurationReader.LoadAsync(session, ct);
        if (change.ExpectedVersion != version)
            throw new StaleConfigurationException(change.ExpectedVersion, version);

        var decision = ConfigurationDecider.Decide(change, state);
        if (!decision.IsAccepted)
            throw new DomainException(decision.Errors);
        if (decision.Events.Count == 0)
            return new ConfigurationChangeResult(version, version, [], state);

        Stamp(session, meta, change.Reason, change.Commands);
        session.Events.Append(StreamIds.Configuration, version + decision.Events.Count, decision.Events.Cast<object>().ToArray());
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (IsConcurrencyConflict(e))
        {
            var (_, actual) = await ConfigurationReader.LoadAsync(store, ct);
            throw new StaleConfigurationException(change.ExpectedVersion, actual, e);
        }
        return new ConfigurationChangeResult(version, version + decision.Events.Count, decision.Events, ConfigurationDecider.Fold(decision.Events, state));
    }

    internal static void Stamp(IDocumentSession session, CommandMetadata meta, string? reason, IEnumerable<IConfigurationCommand>? commands)
    {
        var stamped = AppendMetadata.Stamp(meta, reason, commands is null ? null
            : new Dictionary<string, object>(StringComparer.Ordinal) { [CommandMetadata.CommandsHeader] = commands.Select(CommandText.Describe).ToArray() });
        session.CorrelationId = stamped.CorrelationId;
        session.CausationId = stamped.CausationId;
        session.LastModifiedBy = stamped.UserName;
        foreach (var (key, value) in stamped.Headers) session.SetHeader(key, value);
    }

    public static bool IsConcurrencyConflict(Exception e) =>
        e is JasperFx.ConcurrencyException or EventStreamUnexpectedMaxEventIdException or JasperFx.Events.ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException
        || e.InnerException is { } inner && IsConcurrencyConflict(inner);
}

public sealed record ConfigurationChangeResult(
    long PreviousVersion, long Version, IReadOnlyList<IConfigurationEvent> Events, ClusterConfiguration Configuration);

/// <summary>The edit was based on an older configuration version than the store holds (HTTP 412).</summary>
public sealed class StaleConfigurationException(long expected, long actual, Exception? inner = null)
    : Exception($"the configuration changed: the edit was based on version {expected}, the current version is {actual}", inner)
{
    public long ExpectedVersion { get; } = expected;
    public long ActualVersion { get; } = actual;
}

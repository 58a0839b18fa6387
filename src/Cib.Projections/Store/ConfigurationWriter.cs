using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Primitives;
using JasperFx.Events;
using Marten;


namespace Cib.Projections.Store;

/// <summary>
/// The one write path of the configuration: load the stream, check the expected version (epoch),
/// decide, append with that version. A concurrent or stale edit becomes <see cref="StaleConfigurationException"/>.
/// A command whose request id (<see cref="CommandMetadata.RequestId"/>) the stream already holds is a repeat: it gets the
/// first answer again (<see cref="ConfigurationChangeResult.Repeated"/>) and appends nothing, stale version or not.
/// </summary>
public sealed class ConfigurationWriter(IDocumentStore store)
{
    public async Task<ConfigurationChangeResult> ChangeAsync(ChangeConfiguration change, CommandMetadata meta, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession();
        var events = await session.Events.FetchStreamAsync(StreamIds.Configuration, token: ct);
        if (Repeat(events, meta) is { } repeated) return repeated;
        var state = ConfigurationDecider.Fold(events.Select(e => e.Data).OfType<IConfigurationEvent>());
        var version = events.Count == 0 ? 0 : events[^1].Version;
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
            // The same request sent twice at once: the other one's append won, and this one is its repeat.
            await using var query = store.QuerySession();
            var now = await query.Events.FetchStreamAsync(StreamIds.Configuration, token: ct);
            if (Repeat(now, meta) is { } first) return first;
            throw new StaleConfigurationException(change.ExpectedVersion, now.Count == 0 ? 0 : now[^1].Version, e);
        }
        return new ConfigurationChangeResult(version, version + decision.Events.Count, decision.Events, ConfigurationDecider.Fold(decision.Events, state));
    }

    /// <summary>The first answer to the request of <paramref name="meta"/> when it was carried out already (its request id is in the stream), else null.</summary>
    public async Task<ConfigurationChangeResult?> RepeatOfAsync(CommandMetadata meta, CancellationToken ct = default)
    {
        if (meta.RequestId is null) return null;
        await using var session = store.QuerySession();
        return Repeat(await session.Events.FetchStreamAsync(StreamIds.Configuration, token: ct), meta);
    }

    /// <summary>The answer given to the request of <paramref name="meta"/> when the stream holds its events already, else null.</summary>
    private static ConfigurationChangeResult? Repeat(IReadOnlyList<IEvent> stream, CommandMetadata meta)
    {
        if (meta.RequestId is not { } id) return null;
        var earlier = stream.Where(e => e.Headers?.GetValueOrDefault(CommandMetadata.RequestHeader)?.ToString() == id).ToList();
        if (earlier.Count == 0) return null;
        var last = earlier[^1].Version;
        var state = ConfigurationDecider.Fold(stream.TakeWhile(e => e.Version <= last).Select(e => e.Data).OfType<IConfigurationEvent>());
        return new ConfigurationChangeResult(earlier[0].Version - 1, last, [.. earlier.Select(e => e.Data).OfType<IConfigurationEvent>()], state, Repeated: true);
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

/// <summary>
/// What a change did: the versions before and after, its events, the configuration after it. <see cref="Repeated"/>: the
/// request had been carried out before (same request id); this is that first answer, and nothing was appended now.
/// </summary>
public sealed record ConfigurationChangeResult(
    long PreviousVersion, long Version, IReadOnlyList<IConfigurationEvent> Events, ClusterConfiguration Configuration, bool Repeated = false);

/// <summary>The edit was based on an older configuration version than the store holds (HTTP 412).</summary>
public sealed class StaleConfigurationException(long expected, long actual, Exception? inner = null)
    : Exception($"the configuration changed: the edit was based on version {expected}, the current version is {actual}", inner)
{
    public long ExpectedVersion { get; } = expected;
    public long ActualVersion { get; } = actual;
}

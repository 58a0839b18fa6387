using Cib.Domain;
using Cib.Domain.Configuration;
using Marten;

namespace Cib.Projections.Store;

/// <summary>Reads the configuration stream: current state and version, or the state as of a version or time.</summary>
public static class ConfigurationReader
{
    public static async Task<(ClusterConfiguration State, long Version)> LoadAsync(IQuerySession session, CancellationToken ct = default, long? atVersion = null, DateTimeOffset? atTime = null)
    {
        var events = await session.Events.FetchStreamAsync(StreamIds.Configuration, version: atVersion ?? 0, timestamp: atTime, token: ct);
        var state = ConfigurationDecider.Fold(events.Select(e => e.Data).OfType<IConfigurationEvent>());
        return (state, events.Count == 0 ? 0 : events[^1].Version);
    }

    /// <summary>
    /// The current configuration through the Marten-free <see cref="CibEventLog"/> (the node runtime's path), or the
    /// configuration as of log position <paramref name="atPosition"/>.
    /// </summary>
    public static async Task<(ClusterConfiguration State, long Version)> LoadAsync(CibEventLog log, CancellationToken ct = default, long? atPosition = null)
    {
        var events = await log.FetchStreamAsync(StreamIds.Configuration, ct, atPosition ?? long.MaxValue);
        var state = ConfigurationDecider.Fold(events.Select(e => e.Data).OfType<IConfigurationEvent>());
        return (state, events.Count == 0 ? 0 : events[^1].Version);
    }

    public static async Task<(ClusterConfiguration State, long Version)> LoadAsync(IDocumentStore store, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        return await LoadAsync(session, ct);
    }
}

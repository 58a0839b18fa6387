using System.Text.Json;
using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Projections.Store;
using JasperFx.Events;
using Marten;

namespace Cib.Projections.ReadModels.ConfigurationHistory;

/// <summary>One configuration change as an auditor sees it: versions, who, when, why, what was asked and what changed.</summary>
public sealed record ConfigurationChangeEntry(
    long FromVersion,
    long ToVersion,
    string Actor,
    DateTimeOffset At,
    string? Reason,
    string? CorrelationId,
    IReadOnlyList<string> Commands,
    IReadOnlyList<string> Diff);

/// <summary>
/// The configuration history, projected from the configuration stream: the events of one append
/// (one change header) form one entry; the diff is computed by folding the configuration along.
/// </summary>
public static class ConfigurationHistory
{
    public static async Task<IReadOnlyList<ConfigurationChangeEntry>> LoadAsync(IQuerySession session, CancellationToken ct = default)
    {
        var events = await session.Events.FetchStreamAsync(StreamIds.Configuration, token: ct);
        return Project(events);
    }

    public static IReadOnlyList<ConfigurationChangeEntry> Project(IReadOnlyList<IEvent> events)
    {
        var entries = new List<ConfigurationChangeEntry>();
        var state = ClusterConfiguration.Empty;
        foreach (var change in events.GroupAdjacentBy(ChangeKey))
        {
            var first = change[0];
            var diff = new List<string>();
            foreach (var e in change)
            {
                if (e.Data is not IConfigurationEvent ce) continue;
                diff.Add(ConfigurationEventText.Describe(state, ce));
                state = ConfigurationDecider.Evolve(state, ce);
            }
            entries.Add(new ConfigurationChangeEntry(
                first.Version - 1,
                change[^1].Version,
                Header(first, CommandMetadata.ActorHeader) ?? first.UserName ?? "unknown",
                first.Timestamp,
                Header(first, CommandMetadata.ReasonHeader),
                first.CorrelationId,
                HeaderList(first, CommandMetadata.CommandsHeader),
                diff));
        }
        return entries;
    }

    private static string ChangeKey(IEvent e) => Header(e, CommandMetadata.ChangeHeader) ?? e.CorrelationId ?? e.Id.ToString();

    private static string? Header(IEvent e, string name) =>
        e.Headers is { } h && h.TryGetValue(name, out var v) && v is not null ? Text(v) : null;

    private static IReadOnlyList<string> HeaderList(IEvent e, string name)
    {
        if (e.Headers is not { } h || !h.TryGetValue(name, out var v) || v is null) return [];
        return v switch
        {
            string[] a => a,
            JsonElement { ValueKind: JsonValueKind.Array } j => j.EnumerateArray().Select(x => x.GetString() ?? "").ToArray(),
            IEnumerable<object> o => o.Select(x => Text(x)).ToArray(),
            _ => [Text(v)],
        };
    }

    private static string Text(object v) => v is JsonElement { ValueKind: JsonValueKind.String } j ? j.GetString()! : v.ToString()!;

    private static IEnumerable<List<IEvent>> GroupAdjacentBy(this IEnumerable<IEvent> events, Func<IEvent, string> key)
    {
        List<IEvent>? current = null;
        string? currentKey = null;
        foreach (var e in events)
        {
            var k = key(e);
            if (current is null || k != currentKey)
            {
                if (current is not null) yield return current;
                current = [];
                currentKey = k;
            }
            current.Add(e);
        }
        if (current is not null) yield return current;
    }
}

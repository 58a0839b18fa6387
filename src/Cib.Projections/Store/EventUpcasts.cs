using System.Text.Json;
using System.Text.Json.Nodes;
using Cib.Domain;

namespace Cib.Projections.Store;

/// <summary>
/// Reading an event stored under a retired name (<see cref="EventCatalog.Retired"/>): its JSON is rewritten into
/// the JSON of the current version, then read as the current event. The one place both readers go through: Marten
/// (registered by <see cref="CibStore.Configure"/>) and the plain-Npgsql <see cref="CibEventLog"/>. No Marten here:
/// the node runtime reads the log without it.
/// </summary>
public static class EventUpcasts
{
    /// <summary>The stored JSON of a retired name rewritten as the current version's JSON.</summary>
    public sealed record Upcast(string From, string To, Func<JsonObject, JsonObject> Rewrite);

    public static readonly IReadOnlyList<Upcast> All =
    [
        new("cib.fail_count_cleared.v1", "cib.fail_count_cleared.v2", FailCountClearedV1),
    ];

    private static readonly Dictionary<string, Upcast> ByName = All.ToDictionary(u => u.From);

    /// <summary>
    /// The event stored as <paramref name="json"/> under <paramref name="storedName"/>: a current name is read as it
    /// is, a retired one through its upcast; null for a name nobody registered.
    /// </summary>
    public static object? Read(string storedName, string json, JsonSerializerOptions options)
    {
        object? data;
        if (EventCatalog.TypeOf(storedName) is { } current)
            data = JsonSerializer.Deserialize(json, current, options);
        else if (ByName.TryGetValue(storedName, out var upcast))
            data = JsonNode.Parse(json) is JsonObject stored ? upcast.Rewrite(stored).Deserialize(EventCatalog.TypeOf(upcast.To)!, options) : null;
        else
            return null;
        return data ?? throw new JsonException($"a stored {storedName} has no data");
    }

    /// <summary>v1 stored who cleared as the Actor record's fields, <c>{"kind":"User","name":"alice"}</c>; v2 as <c>"user:alice"</c>.</summary>
    private static JsonObject FailCountClearedV1(JsonObject v1)
    {
        var v2 = (JsonObject)v1.DeepClone();
        if (v1["clearedBy"] is JsonObject actor)
            v2["clearedBy"] = $"{actor["kind"]?.GetValue<string>().ToLowerInvariant()}:{actor["name"]?.GetValue<string>()}";
        return v2;
    }
}

using System.Collections;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cib.Domain.Primitives;

/// <summary>
/// An immutable name → value map ordered by ordinal name, with value equality, so that records
/// holding attributes (instance parameters, meta attributes, properties) compare by content.
/// </summary>
[JsonConverter(typeof(ValueMapJsonConverter))]
public sealed class ValueMap : IEquatable<ValueMap>, IReadOnlyDictionary<string, string>
{
    public static readonly ValueMap Empty = new(ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal));

    private readonly ImmutableSortedDictionary<string, string> _items;

    private ValueMap(ImmutableSortedDictionary<string, string> items) => _items = items;

    public static ValueMap Of(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in pairs) b[k] = v;
        return b.Count == 0 ? Empty : new ValueMap(b.ToImmutable());
    }

    public static ValueMap Of(params (string Key, string Value)[] pairs) =>
        Of(pairs.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)));

    public ValueMap Set(string key, string value) => new(_items.SetItem(key, value));
    public ValueMap Remove(string key) => _items.ContainsKey(key) ? new(_items.Remove(key)) : this;

    public string? Get(string key) => _items.TryGetValue(key, out var v) ? v : null;

    public string this[string key] => _items[key];
    public IEnumerable<string> Keys => _items.Keys;
    public IEnumerable<string> Values => _items.Values;
    public int Count => _items.Count;
    public bool IsEmpty => _items.IsEmpty;
    public bool ContainsKey(string key) => _items.ContainsKey(key);
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value) => _items.TryGetValue(key, out value);
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(ValueMap? other) =>
        other is not null && (ReferenceEquals(this, other) || (_items.Count == other._items.Count &&
            _items.All(kv => other._items.TryGetValue(kv.Key, out var v) && string.Equals(v, kv.Value, StringComparison.Ordinal))));

    public override bool Equals(object? obj) => obj is ValueMap m && Equals(m);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var (k, v) in _items) { h.Add(k, StringComparer.Ordinal); h.Add(v, StringComparer.Ordinal); }
        return h.ToHashCode();
    }

    public static bool operator ==(ValueMap? a, ValueMap? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(ValueMap? a, ValueMap? b) => !(a == b);

    public override string ToString() => string.Join(" ", _items.Select(kv => $"{kv.Key}={kv.Value}"));
}

internal sealed class ValueMapJsonConverter : JsonConverter<ValueMap>
{
    public override ValueMap Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var d = JsonSerializer.Deserialize<Dictionary<string, string>>(ref reader, options) ?? [];
        return ValueMap.Of(d);
    }

    public override void Write(Utf8JsonWriter writer, ValueMap value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (k, v) in value) writer.WriteString(k, v);
        writer.WriteEndObject();
    }
}

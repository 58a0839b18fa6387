using System.Collections;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cib.Domain.Primitives;

/// <summary>An immutable list with value (sequence) equality, for use inside records and events.</summary>
[JsonConverter(typeof(ValueListJsonConverterFactory))]
public sealed class ValueList<T> : IEquatable<ValueList<T>>, IReadOnlyList<T>
{
    public static readonly ValueList<T> Empty = new(ImmutableArray<T>.Empty);

    private readonly ImmutableArray<T> _items;

    private ValueList(ImmutableArray<T> items) => _items = items;

    public static ValueList<T> Of(IEnumerable<T> items) => new([.. items]);

    public ValueList<T> Add(T item) => new(_items.Add(item));

    public T this[int index] => _items[index];
    public int Count => _items.Length;
    public bool IsEmpty => _items.IsEmpty;
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(ValueList<T>? other) =>
        other is not null && (ReferenceEquals(this, other) || _items.SequenceEqual(other._items));

    public override bool Equals(object? obj) => obj is ValueList<T> l && Equals(l);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var i in _items) h.Add(i);
        return h.ToHashCode();
    }

    public static bool operator ==(ValueList<T>? a, ValueList<T>? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(ValueList<T>? a, ValueList<T>? b) => !(a == b);

    public static implicit operator ValueList<T>(T[] items) => Of(items);
    public static implicit operator ValueList<T>(List<T> items) => Of(items);

    public override string ToString() => string.Join(" ", _items);
}

public static class ValueList
{
    public static ValueList<T> Of<T>(params T[] items) => ValueList<T>.Of(items);
    public static ValueList<T> ToValueList<T>(this IEnumerable<T> items) => ValueList<T>.Of(items);
}

internal sealed class ValueListJsonConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(ValueList<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(ValueListJsonConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;
}

internal sealed class ValueListJsonConverter<T> : JsonConverter<ValueList<T>>
{
    public override ValueList<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ValueList<T>.Of(JsonSerializer.Deserialize<List<T>>(ref reader, options) ?? []);

    public override void Write(Utf8JsonWriter writer, ValueList<T> value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.ToArray(), options);
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Cib.Domain.Primitives;

namespace Cib.Projections.Store;

/// <summary>
/// An <see cref="Actor"/> is stored as its text (<c>user:alice</c>, <c>controller:node2</c>), the form the event
/// metadata already uses, so the stored schema does not follow the record's fields.
/// </summary>
public sealed class ActorJsonConverter : JsonConverter<Actor>
{
    public override Actor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? Actor.Parse(reader.GetString()!)
            : throw new JsonException($"an actor is stored as text (user:alice), not as {reader.TokenType}");

    public override void Write(Utf8JsonWriter writer, Actor value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

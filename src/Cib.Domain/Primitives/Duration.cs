using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cib.Domain.Primitives;

/// <summary>
/// A time span in milliseconds written the Pacemaker way: a number with an optional unit
/// (ms, msec, us, usec, s, sec, m, min, h, hr; none means seconds) or ISO 8601 (PT10S).
/// </summary>
[JsonConverter(typeof(DurationJsonConverter))]
public readonly record struct Duration(long Milliseconds) : IComparable<Duration>
{
    public static readonly Duration Zero = new(0);

    public static Duration FromSeconds(long seconds) => new(seconds * 1000);

    public TimeSpan ToTimeSpan() => TimeSpan.FromMilliseconds(Milliseconds);

    public int CompareTo(Duration other) => Milliseconds.CompareTo(other.Milliseconds);

    public static bool TryParse(string? text, out Duration duration)
    {
        duration = Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var t = text.Trim();
        if (t.StartsWith("PT", StringComparison.OrdinalIgnoreCase) || t.StartsWith('P'))
            return TryParseIso(t, out duration);

        var i = 0;
        while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.')) i++;
        if (i == 0) return false;
        if (!decimal.TryParse(t[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return false;
        var unit = t[i..].Trim().ToLowerInvariant();
        decimal factor = unit switch
        {
            "" or "s" or "sec" or "secs" or "second" or "seconds" => 1000m,
            "ms" or "msec" or "msecs" => 1m,
            "us" or "usec" or "usecs" => 0.001m,
            "m" or "min" or "mins" or "minute" or "minutes" => 60_000m,
            "h" or "hr" or "hrs" or "hour" or "hours" => 3_600_000m,
            _ => -1m,
        };
        if (factor < 0) return false;
        var ms = number * factor;
        if (ms > long.MaxValue / 2) return false;
        duration = new Duration((long)Math.Round(ms, MidpointRounding.AwayFromZero));
        return true;
    }

    private static bool TryParseIso(string t, out Duration duration)
    {
        duration = Zero;
        try
        {
            duration = new Duration((long)System.Xml.XmlConvert.ToTimeSpan(t).TotalMilliseconds);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static Duration Parse(string text) =>
        TryParse(text, out var d) ? d : throw new FormatException($"'{text}' is not a duration (for example 20s, 500ms, 2min)");

    /// <summary>Canonical form: whole seconds where exact (20s), else milliseconds (1500ms).</summary>
    public override string ToString() =>
        Milliseconds % 1000 == 0 ? $"{Milliseconds / 1000}s" : $"{Milliseconds}ms";
}

internal sealed class DurationJsonConverter : JsonConverter<Duration>
{
    public override Duration Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number ? new Duration(reader.GetInt64()) : Duration.Parse(reader.GetString()!);

    public override void Write(Utf8JsonWriter writer, Duration value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.Milliseconds);
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cib.Domain.Primitives;

/// <summary>
/// A placement score with Pacemaker's saturating arithmetic: values are clamped to
/// ±INFINITY (1,000,000) and −INFINITY wins over everything, including +INFINITY.
/// </summary>
[JsonConverter(typeof(ScoreJsonConverter))]
public readonly record struct Score : IComparable<Score>
{
    public const int InfinityValue = 1_000_000;

    public static readonly Score Zero = new(0);
    public static readonly Score Infinity = new(InfinityValue);
    public static readonly Score MinusInfinity = new(-InfinityValue);

    public int Value { get; }

    private Score(int value) => Value = value;

    public static Score Of(long value) =>
        new((int)Math.Clamp(value, -InfinityValue, InfinityValue));

    public bool IsInfinite => Value is InfinityValue;
    public bool IsMinusInfinite => Value is -InfinityValue;

    /// <summary>Pacemaker's pcmk__add_scores: −INFINITY wins, then +INFINITY, else a clamped sum.</summary>
    public static Score operator +(Score a, Score b)
    {
        if (a.IsMinusInfinite || b.IsMinusInfinite) return MinusInfinity;
        if (a.IsInfinite || b.IsInfinite) return Infinity;
        return Of((long)a.Value + b.Value);
    }

    public static Score operator -(Score a) => new(-a.Value);

    public static bool operator <(Score a, Score b) => a.Value < b.Value;
    public static bool operator >(Score a, Score b) => a.Value > b.Value;
    public static bool operator <=(Score a, Score b) => a.Value <= b.Value;
    public static bool operator >=(Score a, Score b) => a.Value >= b.Value;

    public int CompareTo(Score other) => Value.CompareTo(other.Value);

    /// <summary>Parses "INFINITY", "+INFINITY", "-INFINITY", "inf", "-inf" or an integer (clamped).</summary>
    public static bool TryParse(string? text, out Score score)
    {
        score = Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var t = text.Trim();
        switch (t.ToLowerInvariant())
        {
            case "infinity" or "+infinity" or "inf" or "+inf":
                score = Infinity;
                return true;
            case "-infinity" or "-inf":
                score = MinusInfinity;
                return true;
        }
        if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            score = Of(n);
            return true;
        }
        // Values beyond long still clamp, as Pacemaker's char2score does.
        if (t.Length > 1 && t.TrimStart('+', '-').All(char.IsAsciiDigit))
        {
            score = t.StartsWith('-') ? MinusInfinity : Infinity;
            return true;
        }
        return false;
    }

    public static Score Parse(string text) =>
        TryParse(text, out var s) ? s : throw new FormatException($"'{text}' is not a score (an integer, INFINITY or -INFINITY)");

    /// <summary>Pacemaker's rendering: INFINITY, -INFINITY or the integer.</summary>
    public override string ToString() => Value switch
    {
        InfinityValue => "INFINITY",
        -InfinityValue => "-INFINITY",
        _ => Value.ToString(CultureInfo.InvariantCulture),
    };
}

internal sealed class ScoreJsonConverter : JsonConverter<Score>
{
    public override Score Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number ? Score.Of(reader.GetInt64()) : Score.Parse(reader.GetString()!);

    public override void Write(Utf8JsonWriter writer, Score value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}

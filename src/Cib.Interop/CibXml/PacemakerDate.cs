using System.Globalization;

namespace Cib.Interop.CibXml;

/// <summary>
/// The dates of Pacemaker's date expressions (<c>date lt "END"</c> in crm text, <c>end="..."</c> in the CIB) as far as
/// this product reads them: an ISO 8601 date and time to the second, 'T' or a blank between them, then 'Z', an offset
/// (+01:00, +0100, +01) or nothing (UTC, as Pacemaker reads a date without a zone). Written as
/// <c>yyyy-MM-ddTHH:mm:ssZ</c>, in UTC. The crm text quotes the same dates (<c>date lt "END"</c>).
/// </summary>
public static class PacemakerDate
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss K",
        "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd HH:mm:sszzz", "yyyy-MM-dd HH:mm:ss zzz",
        "yyyy-MM-dd'T'HH:mm:sszz", "yyyy-MM-dd HH:mm:sszz", "yyyy-MM-dd HH:mm:ss zz",
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss",
    ];

    public static bool TryParse(string? text, out DateTimeOffset date)
    {
        date = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var t = text.Trim();
        // An offset without a colon (+0100) is ISO 8601 too; .NET's zzz wants the colon.
        if (t.Length > 5 && t[^5] is '+' or '-' && t[^4..].All(char.IsAsciiDigit)) t = t[..^2] + ":" + t[^2..];
        return DateTimeOffset.TryParseExact(t, Formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out date);
    }

    public static string Format(DateTimeOffset date) =>
        date.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

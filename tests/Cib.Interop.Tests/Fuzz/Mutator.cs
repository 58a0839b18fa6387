using System.Text;

namespace Cib.Interop.Tests.Fuzz;

/// <summary>
/// Seeded mutations of a valid document (deterministic per seed): tokens deleted, duplicated or swapped, quotes,
/// control characters, unicode (a lone surrogate among them) and huge identifiers inserted, the text cut short.
/// </summary>
internal sealed class Mutator(int seed)
{
    private readonly Random _random = new(seed);

    public Random Random => _random;

    private static readonly string[] Oddities =
    [
        "\"", "'", "\\", "\\\n", "#", "=", ":", "::", "==", "\0", "\u0001", "\u001b[31m", "\r", "\r\n", "\t", "\v", "\f",
        "é", "日本", "\u200b", "\u202e", "\ud83d\ude00", "\ud800", "\udc00", "\ufeff", "\uffff", "-INFINITY", "INFINITY", "+inf",
        "-1", "0", "99999999999999999999999", "1e309", "NaN", "P", "PT", "P1Y", "10x", "$(touch /tmp/x)", "`id`", "; rm -rf /",
        "../..", "/", "%2F", "<", ">", "&", "&amp;", "&#0;", "&lol;", "]]>", "<!--", "-->", "<![CDATA[", "?>", "\n", " ",
    ];

    public string Mutate(string text, Func<string, List<string>> tokenize)
    {
        var tokens = tokenize(text);
        var rounds = 1 + _random.Next(4);
        for (var r = 0; r < rounds && tokens.Count > 0; r++)
        {
            var i = _random.Next(tokens.Count);
            switch (_random.Next(9))
            {
                case 0: tokens.RemoveAt(i); break;
                case 1: tokens.Insert(i, tokens[i]); break;
                case 2:
                    var j = _random.Next(tokens.Count);
                    (tokens[i], tokens[j]) = (tokens[j], tokens[i]);
                    break;
                case 3: tokens.Insert(i, Oddity()); break;
                case 4: tokens[i] = Oddity(); break;
                case 5: tokens.Insert(i, HugeIdentifier()); break;
                case 6:
                    var at = _random.Next(tokens[i].Length + 1);
                    tokens[i] = tokens[i][..at] + Oddity() + tokens[i][at..];
                    break;
                case 7: tokens.RemoveRange(i, tokens.Count - i); break;
                default: tokens.Insert(i, RandomText(1 + _random.Next(12))); break;
            }
        }
        return string.Concat(tokens);
    }

    public string Oddity() => Oddities[_random.Next(Oddities.Length)];

    public string HugeIdentifier() => new(_random.Next(2) == 0 ? 'a' : 'é', 1_000 + _random.Next(20_000));

    /// <summary>Random characters: printable ASCII mostly, some control characters and unicode.</summary>
    public string RandomText(int length)
    {
        var s = new StringBuilder(length);
        for (var k = 0; k < length; k++)
            s.Append(_random.Next(10) switch
            {
                0 => (char)_random.Next(0, 32),
                1 => (char)_random.Next(0x80, 0xFFFF),
                2 => Oddity(),
                _ => (object)(char)_random.Next(32, 127),
            });
        return s.ToString();
    }

    /// <summary>Words, runs of blanks and single punctuation characters, so that joining them gives the text back.</summary>
    public static List<string> Split(string text, string punctuation)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        int Kind(char c) => char.IsWhiteSpace(c) ? 1 : punctuation.Contains(c) ? 2 : 0;
        foreach (var c in text)
        {
            if (current.Length > 0 && (Kind(c) != Kind(current[^1]) || Kind(c) == 2))
            {
                tokens.Add(current.ToString());
                current.Clear();
            }
            current.Append(c);
        }
        if (current.Length > 0) tokens.Add(current.ToString());
        return tokens;
    }

    /// <summary>The input of a failure, short enough to read (huge identifiers cut).</summary>
    /// <summary>
    /// Tries <paramref name="cases"/> inputs made by <paramref name="input"/> (given the case number) against
    /// <paramref name="violation"/> (null when the input was handled as the rule says); fails with the first five
    /// violations, each with its seed, case and input, so that a failing case can be found again.
    /// </summary>
    public void AssertNoViolation(int cases, Func<int, string> input, Func<string, string?> violation)
    {
        var failures = new List<string>();
        for (var i = 0; i < cases && failures.Count < 5; i++)
        {
            var text = input(i);
            if (violation(text) is { } v) failures.Add($"seed {seed} case {i}: {v}\n{Show(text)}");
        }
        Xunit.Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    public static string Show(string text) =>
        (text.Length > 600 ? text[..600] + $"... ({text.Length} characters)" : text)
        .Replace("\0", "\\0").Replace("\r", "\\r");
}

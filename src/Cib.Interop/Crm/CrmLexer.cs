using System.Text;

namespace Cib.Interop.Crm;

/// <summary>
/// Splits crm text into statements and words: '#' at the start of a word comments out the rest of the line,
/// a backslash before the end of a line continues the statement, "double" and 'single' quotes keep spaces,
/// a backslash outside single quotes takes the next character literally. Inside a statement, Pacemaker's built-in node
/// attributes (<c>#uname</c>, <c>#id</c>, ...) are words, not comments: rules name them (<c>#uname eq node2</c>).
/// </summary>
public static class CrmLexer
{
    /// <summary>Pacemaker's built-in node attributes, which rules may name.</summary>
    public static readonly IReadOnlyList<string> BuiltInNodeAttributes =
        ["#uname", "#id", "#kind", "#is_dc", "#cluster-name", "#site-name", "#role", "#ra-version"];

    /// <summary>A built-in node attribute starts at <paramref name="at"/> and ends there as a word (a blank or the end follows).</summary>
    private static bool NodeAttributeAt(string text, int at) =>
        BuiltInNodeAttributes.Any(a => string.CompareOrdinal(text, at, a, 0, a.Length) == 0
            && (at + a.Length == text.Length || char.IsWhiteSpace(text[at + a.Length])));

    public static (IReadOnlyList<CrmStatement> Statements, IReadOnlyList<ConfigurationError> Errors) Split(string text)
    {
        var statements = new List<CrmStatement>();
        var errors = new List<ConfigurationError>();
        var tokens = new List<CrmToken>();
        var word = new StringBuilder();
        var inWord = false;
        var quoted = false;
        var equalsAt = -1;
        var colonAt = -1;
        var start = new SourcePosition(1, 1);
        int i = 0, line = 1, col = 1;

        void Advance()
        {
            if (text[i] == '\n') { line++; col = 1; }
            else col++;
            i++;
        }

        void Begin()
        {
            if (inWord) return;
            inWord = true;
            start = new SourcePosition(line, col);
        }

        void EndWord()
        {
            if (!inWord) return;
            tokens.Add(new CrmToken(word.ToString(), start, equalsAt, quoted, colonAt));
            word.Clear();
            inWord = false;
            quoted = false;
            equalsAt = -1;
            colonAt = -1;
        }

        void EndStatement()
        {
            EndWord();
            if (tokens.Count > 0) statements.Add(new CrmStatement([.. tokens]));
            tokens.Clear();
        }

        while (i < text.Length)
        {
            var c = text[i];
            switch (c)
            {
                case '\n':
                    EndStatement();
                    Advance();
                    break;
                case ' ' or '\t' or '\r' or '\f' or '\v':
                    EndWord();
                    Advance();
                    break;
                case '#' when !inWord && !(tokens.Count > 0 && NodeAttributeAt(text, i)):
                    while (i < text.Length && text[i] != '\n') Advance();
                    break;
                case '\\':
                {
                    // A backslash followed by blanks and the end of the line joins the next line.
                    var j = i + 1;
                    while (j < text.Length && text[j] is ' ' or '\t' or '\r') j++;
                    if (j >= text.Length || text[j] == '\n')
                    {
                        EndWord();
                        while (i < text.Length && i <= j) Advance();
                        break;
                    }
                    Begin();
                    Advance();
                    word.Append(text[i]);
                    Advance();
                    break;
                }
                case '"' or '\'':
                {
                    Begin();
                    quoted = true;
                    var open = new SourcePosition(line, col);
                    Advance();
                    var closed = false;
                    while (i < text.Length)
                    {
                        var q = text[i];
                        if (q == c) { closed = true; Advance(); break; }
                        if (q == '\\' && c == '"' && i + 1 < text.Length)
                        {
                            Advance();
                            word.Append(text[i]);
                            Advance();
                            continue;
                        }
                        word.Append(q);
                        Advance();
                    }
                    if (!closed)
                    {
                        errors.Add(new ConfigurationError(open, c.ToString(),
                            $"unterminated quoted value starting with {c}: expected a closing {c} before the end of the text"));
                        // Drop the broken statement: nothing after an open quote can be trusted.
                        word.Clear();
                        inWord = false;
                        quoted = false;
                        equalsAt = -1;
                        colonAt = -1;
                        tokens.Clear();
                    }
                    break;
                }
                default:
                    Begin();
                    if (c == '=' && equalsAt < 0) equalsAt = word.Length;
                    if (c == ':') colonAt = word.Length;
                    word.Append(c);
                    Advance();
                    break;
            }
        }
        EndStatement();
        return (statements, errors);
    }
}

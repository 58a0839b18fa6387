namespace Cib.Interop.Crm;

/// <summary>A place in the configuration text: 1-based line and column.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>
/// Why a configuration text was refused: where (line, column), which token, and what was expected.
/// Semantic errors (from the domain validators) point at the object that caused them.
/// </summary>
public sealed record ConfigurationError(SourcePosition Position, string Token, string Message, string Code = ConfigurationError.SyntaxCode)
{
    public const string SyntaxCode = "syntax";

    public int Line => Position.Line;
    public int Column => Position.Column;

    /// <summary>
    /// The compiler-style form: <c>FILE:LINE:COL: message</c>. An error about an object the text does not
    /// define (a stored one, in a load update) has no position and reads <c>FILE: message</c>.
    /// </summary>
    public string Format(string file) => Line > 0 ? $"{file}:{Line}:{Column}: {Message}" : $"{file}: {Message}";

    public override string ToString() => $"{Line}:{Column}: {Message}";
}

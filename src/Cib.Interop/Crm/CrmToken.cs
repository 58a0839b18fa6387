namespace Cib.Interop.Crm;

/// <summary>
/// One word of crm text after quotes and escapes are resolved. <see cref="EqualsAt"/> is the index of the
/// first '=' outside quotes (-1 if none), so <c>hostlist="a=b c"</c> splits at the right place.
/// <see cref="Quoted"/> is true when any part was quoted: a quoted word is never a keyword.
/// <see cref="LastColonAt"/> is the index of the last ':' outside quotes (-1 if none): <c>"a:b":stop</c> is resource a:b, action stop.
/// </summary>
public sealed record CrmToken(string Text, SourcePosition Position, int EqualsAt, bool Quoted, int LastColonAt = -1)
{
    public bool IsPair => EqualsAt > 0;
    public string Key => IsPair ? Text[..EqualsAt] : Text;
    public string Value => IsPair ? Text[(EqualsAt + 1)..] : "";

    /// <summary>True for the unquoted keyword <paramref name="word"/>.</summary>
    public bool Is(string word) => !Quoted && string.Equals(Text, word, StringComparison.Ordinal);

    public override string ToString() => Text;
}

/// <summary>The words of one statement (a logical line, after backslash continuations are joined).</summary>
public sealed record CrmStatement(IReadOnlyList<CrmToken> Tokens)
{
    public SourcePosition Position => Tokens[0].Position;
}

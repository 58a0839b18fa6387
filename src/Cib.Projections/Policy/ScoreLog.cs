using System.Runtime.CompilerServices;
using Cib.Domain.Primitives;

namespace Cib.Projections.Policy;

/// <summary>
/// The allocation scores of one planning run, kept compactly: one block per (stage, resource) holding the
/// non-zero scores by node index (or all of them when most are non-zero) and the factors of the few pairs that
/// have any, as (scorer, value) rather than text. <see cref="ToEntries"/> turns it into the trace's
/// <see cref="ScoreEntry"/> list, in the order the blocks were added, only when someone asks.
/// </summary>
internal sealed class ScoreLog(IReadOnlyList<string> nodeNames, int expectedBlocks)
{
    /// <summary>One contribution to a score: the scorer's name and its value, or its explanation when it gives one.</summary>
    public readonly record struct Factor(int Node, string Name, Score Value, bool HasDetail, string? Detail)
    {
        public string Text => HasDetail ? $"{Name}: {Detail}" : $"{Name}: {Value}";
    }

    /// <summary>Scores of one block: all of them (Dense) or only the non-zero ones (Nodes, Values).</summary>
    public sealed record Scores(Score[]? Dense, int[]? Nodes, Score[]? Values);

    private readonly record struct Block(string Stage, string Resource, Scores Scores, List<Factor>? Factors);

    private readonly List<Block> _blocks = new(expectedBlocks);

    /// <summary>
    /// Adds a block: <paramref name="scores"/> (by node index) is copied, so the caller may reuse the array.
    /// <paramref name="factors"/> are in node order. Returns the stored scores, to add them again without a copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Scores Add(string stage, string resource, Score[] scores, List<Factor>? factors = null)
    {
        var stored = Compact(scores);
        _blocks.Add(new Block(stage, resource, stored, factors));
        return stored;
    }

    /// <summary>Adds a block with scores already stored (the same values as an earlier block).</summary>
    public void Add(string stage, string resource, Scores stored) => _blocks.Add(new Block(stage, resource, stored, null));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Scores Compact(Score[] scores)
    {
        var nonZero = 0;
        foreach (var s in scores) if (s.Value != 0) nonZero++;
        if (nonZero * 4 > scores.Length) return new Scores((Score[])scores.Clone(), null, null);
        var nodes = new int[nonZero];
        var values = new Score[nonZero];
        for (int i = 0, k = 0; i < scores.Length; i++)
            if (scores[i].Value != 0) (nodes[k], values[k++]) = (i, scores[i]);
        return new Scores(null, nodes, values);
    }

    public ValueList<ScoreEntry> ToEntries()
    {
        var entries = new List<ScoreEntry>(_blocks.Count * nodeNames.Count);
        foreach (var b in _blocks)
        {
            var nextScore = 0;
            var nextFactor = 0;
            for (var i = 0; i < nodeNames.Count; i++)
            {
                Score score;
                if (b.Scores.Dense is { } dense) score = dense[i];
                else if (nextScore < b.Scores.Nodes!.Length && b.Scores.Nodes[nextScore] == i) score = b.Scores.Values![nextScore++];
                else score = Score.Zero;
                var factors = ValueList<string>.Empty;
                if (b.Factors is { } fs && nextFactor < fs.Count && fs[nextFactor].Node == i)
                {
                    var texts = new List<string>();
                    while (nextFactor < fs.Count && fs[nextFactor].Node == i) texts.Add(fs[nextFactor++].Text);
                    factors = ValueList<string>.Of(texts);
                }
                entries.Add(new ScoreEntry(b.Stage, b.Resource, nodeNames[i], score, factors));
            }
        }
        return ValueList<ScoreEntry>.Of(entries);
    }
}

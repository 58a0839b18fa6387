using Cib.Domain.Primitives;

namespace Cib.Projections.Policy;

/// <summary>
/// The allocation scores of one planning run, kept compactly: one block per (stage, resource) with a score per
/// node (in ordinal node order) and the factors of the few pairs that have any. <see cref="ToEntries"/> turns it
/// into the trace's <see cref="ScoreEntry"/> list, in the order the blocks were added, only when someone asks.
/// </summary>
internal sealed class ScoreLog(IReadOnlyList<string> nodeNames)
{
    private readonly record struct Block(string Stage, string Resource, Score[] Scores, List<(int Node, List<string> Factors)>? Factors);

    private readonly List<Block> _blocks = [];

    /// <summary>Adds a block; <paramref name="scores"/> is kept as is (the caller does not change it afterwards).</summary>
    public void Add(string stage, string resource, Score[] scores, List<(int Node, List<string> Factors)>? factors = null) =>
        _blocks.Add(new Block(stage, resource, scores, factors));

    public ValueList<ScoreEntry> ToEntries()
    {
        var entries = new List<ScoreEntry>(_blocks.Count * nodeNames.Count);
        foreach (var b in _blocks)
        {
            var next = 0;
            for (var i = 0; i < nodeNames.Count; i++)
            {
                var factors = ValueList<string>.Empty;
                if (b.Factors is not null && next < b.Factors.Count && b.Factors[next].Node == i)
                    factors = ValueList<string>.Of(b.Factors[next++].Factors);
                entries.Add(new ScoreEntry(b.Stage, b.Resource, nodeNames[i], b.Scores[i], factors));
            }
        }
        return ValueList<ScoreEntry>.Of(entries);
    }
}

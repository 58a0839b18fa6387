namespace Cib.Projections.Policy.Rendering;

/// <summary>Allocation scores in crm_simulate's .scores format, sorted as its files are.</summary>
public static class ScoresRenderer
{
    public static string Render(Transition t)
    {
        // A standalone primitive's own scores ("own") are not printed: crm_simulate shows its final scores only.
        var lines = t.Trace.Scores
            .Where(s => s.Stage is "group" or "primitive")
            .Select(s => $"{(s.Stage == "primitive" ? "pcmk__primitive_assign" : "pcmk__group_assign")}: {s.Resource} allocation score on {s.Node}: {s.Score}")
            .Distinct()
            .Order(StringComparer.Ordinal);
        return string.Concat(lines.Select(l => l + "\n"));
    }
}

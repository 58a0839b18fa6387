using System.Text.RegularExpressions;
using Cib.Interop.CibXml;
using Cib.Projections.Policy;
using Cib.Projections.Policy.Rendering;

namespace Cib.Interop.Conformance;

/// <summary>
/// Runs the policy engine on Pacemaker scheduler cases (DIR/xml/NAME.xml with DIR/summary/NAME.summary) and
/// compares the Transition Summary line sets, white space folded, order ignored.
/// </summary>
public static partial class ConformanceRunner
{
    public sealed record CaseResult(string Name, bool Passed, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, string? Error);

    public sealed record Report(IReadOnlyList<CaseResult> Cases)
    {
        public int Passed => Cases.Count(c => c.Passed);
        public int Failed => Cases.Count - Passed;
    }

    /// <param name="now">Epoch seconds for cases without an execution-date (crm_simulate uses the current time).</param>
    public static Report Run(string dir, long now, Action<CaseResult>? onCase = null)
    {
        var xmlDir = Path.Combine(dir, "xml");
        var summaryDir = Path.Combine(dir, "summary");
        if (!Directory.Exists(xmlDir) || !Directory.Exists(summaryDir))
            throw new DirectoryNotFoundException($"{dir} must hold xml/ and summary/");
        var results = new List<CaseResult>();
        foreach (var xml in Directory.GetFiles(xmlDir, "*.xml").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(xml);
            var summary = Path.Combine(summaryDir, name + ".summary");
            if (!File.Exists(summary)) continue;
            var result = RunCase(name, File.ReadAllText(xml), File.ReadAllText(summary), now);
            results.Add(result);
            onCase?.Invoke(result);
        }
        return new Report(results);
    }

    public static CaseResult RunCase(string name, string xml, string expectedSummary, long now)
    {
        var expected = ExpectedLines(expectedSummary);
        var import = CibXmlImporter.Import(xml, now);
        if (!import.IsOk) return new CaseResult(name, false, expected, [], $"import: {import.Error}");
        Transition plan;
        try
        {
            plan = PolicyEngine.Plan(import.State);
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or ArgumentException or NullReferenceException)
        {
            return new CaseResult(name, false, expected, [], $"plan: {e.GetType().Name}: {e.Message}");
        }
        var actual = TransitionSummary.Lines(plan).Select(Fold).ToList();
        var missing = Diff(expected, actual);
        var unexpected = Diff(actual, expected);
        return new CaseResult(name, missing.Count == 0 && unexpected.Count == 0, missing, unexpected, null);
    }

    /// <summary>The lines of the "Transition Summary:" section, folded.</summary>
    public static List<string> ExpectedLines(string summary)
    {
        var lines = new List<string>();
        var inside = false;
        foreach (var raw in summary.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("Transition Summary:", StringComparison.Ordinal)) { inside = true; continue; }
            if (!inside) continue;
            if (line.Length > 0 && !char.IsWhiteSpace(line[0])) break;
            if (line.Trim().Length > 0) lines.Add(Fold(line));
        }
        return lines;
    }

    public static string Fold(string line) => Spaces().Replace(line.Trim(), " ");

    /// <summary>Multiset difference a − b.</summary>
    private static List<string> Diff(List<string> a, List<string> b)
    {
        var rest = b.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        var result = new List<string>();
        foreach (var x in a)
            if (rest.TryGetValue(x, out var n) && n > 0) rest[x] = n - 1;
            else result.Add(x);
        return result;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}

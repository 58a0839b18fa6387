using System.Collections.Concurrent;
using Cib.Interop.CibXml;
using Cib.Projections.Policy;
using Cib.Projections.Policy.Rendering;

namespace Cib.Interop.Conformance;

/// <summary>
/// Differential testing against Pacemaker: generated clusters (<see cref="FuzzGenerator"/>) are written as CIB
/// XML, planned by our engine and by crm_simulate, and their Transition Summary lines compared (white space
/// folded, order ignored). Disagreements are shrunk (<see cref="FuzzShrinker"/>) and matched against the
/// documented ones (<see cref="FuzzKnownDisagreements"/>).
/// </summary>
public static class FuzzRunner
{
    public sealed record Comparison(IReadOnlyList<string> Theirs, IReadOnlyList<string> Ours, string? Error)
    {
        public bool Agree => Error is null && Theirs.SequenceEqual(Ours);
    }

    /// <param name="Known">The documented disagreement it matches, or null for a new one.</param>
    public sealed record Disagreement(int Index, FuzzCluster Cluster, Comparison Comparison, string? Known);

    public sealed record Report(int Cases, int Agree, IReadOnlyList<Disagreement> Disagreements)
    {
        public int Disagree => Disagreements.Count;
        public int Known => Disagreements.Count(d => d.Known is not null);
    }

    /// <summary>Runs <paramref name="cases"/> cases of <paramref name="seed"/> with the given number of crm_simulate processes at a time.</summary>
    public static Report Run(int cases, ulong seed, int parallelism, Action<int>? progress = null)
    {
        var disagreements = new ConcurrentBag<Disagreement>();
        var agree = 0;
        var done = 0;
        Parallel.For(0, cases, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, i =>
        {
            var cluster = FuzzGenerator.Case(seed, i);
            var comparison = Compare(cluster);
            if (comparison.Agree) Interlocked.Increment(ref agree);
            else disagreements.Add(new Disagreement(i, cluster, comparison, FuzzKnownDisagreements.Match(cluster, comparison)));
            progress?.Invoke(Interlocked.Increment(ref done));
        });
        return new Report(cases, agree, disagreements.OrderBy(d => d.Index).ToList());
    }

    public static Comparison Compare(FuzzCluster cluster)
    {
        var xml = FuzzCibWriter.Write(cluster);
        var theirs = CrmSimulate.Summary(xml);
        if (theirs.Error is not null) return new Comparison([], [], "crm_simulate: " + theirs.Error);
        var (ours, error) = Ours(xml);
        return new Comparison(theirs.Lines.Order(StringComparer.Ordinal).ToList(), ours.Order(StringComparer.Ordinal).ToList(), error);
    }

    /// <summary>Our Transition Summary for a CIB, folded as the conformance runner folds it.</summary>
    public static (List<string> Lines, string? Error) Ours(string xml)
    {
        var import = CibXmlImporter.Import(xml);
        if (!import.IsOk) return ([], $"import: {import.Error}");
        if (import.Unsupported.Count > 0) return ([], "import: " + string.Join("; ", import.Unsupported));
        try
        {
            return (TransitionSummary.Lines(PolicyEngine.Plan(import.State)).Select(ConformanceRunner.Fold).ToList(), null);
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or ArgumentException or NullReferenceException or IndexOutOfRangeException)
        {
            return ([], $"plan: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>The smallest cluster found that still disagrees (any disagreement, not necessarily the same lines).</summary>
    public static FuzzCluster Shrink(FuzzCluster cluster) =>
        FuzzShrinker.Shrink(cluster, c => !Compare(c).Agree);
}

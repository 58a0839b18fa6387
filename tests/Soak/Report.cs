using System.Text;

namespace Soak;

/// <summary>The soak's report: each fault, recovery per kind (median, p95, max), each violation with the seed and the
/// log around it, the ledger, the replay; its last line is <see cref="SoakReport.LastLine"/>'s.</summary>
public static class Report
{
    public static string Write(SoakOptions o, DateTimeOffset started, IReadOnlyList<Injected> faults, IReadOnlyDictionary<int, TimeSpan> recovery,
        IReadOnlyList<Violation> violations, int acknowledged, IReadOnlyList<long> lost, string replay, string machine, string observer,
        IReadOnlyList<string> observerErrors)
    {
        var b = new StringBuilder();
        b.AppendLine($"soak report: seed {o.Seed}, {o.Faults} faults planned, {o.Nodes} nodes, {(o.Replicated ? "replicated" : "single")} store; " +
                     $"{started:yyyy-MM-dd HH:mm:ss} to {DateTimeOffset.UtcNow:HH:mm:ss} UTC");
        b.AppendLine($"reproduce: ./ha soak --faults {o.Faults} --seed {o.Seed} --nodes {o.Nodes} --store {(o.Replicated ? "replicated" : "single")}");
        b.AppendLine(machine);
        b.AppendLine();
        b.AppendLine("faults (time since the observer started; recovery: until every primitive ran once again and the page was served):");
        foreach (var f in faults)
            b.AppendLine($"  {f.Fault.Index,4} {f.At.TotalSeconds,8:F1} s  {Faults.Name(f.Fault.Kind),-18} {(f.Fault.Overlaps ? "overlap " : "        ")}" +
                         $"recovery {(recovery.TryGetValue(f.Fault.Index, out var r) ? $"{r.TotalMilliseconds,6:F0} ms" : "     - ")}  {f.Target}: {f.Detail}");
        b.AppendLine();
        b.AppendLine("recovery per kind (ms; faults whose service never broke count as 0):");
        b.AppendLine($"  {"kind",-18} {"faults",6} {"median",8} {"p95",8} {"max",8}");
        foreach (var group in faults.GroupBy(f => f.Fault.Kind).OrderBy(g => g.Key))
        {
            var ms = group.Select(f => recovery.TryGetValue(f.Fault.Index, out var x) ? x.TotalMilliseconds : double.NaN).Where(x => !double.IsNaN(x)).Order().ToList();
            b.AppendLine($"  {Faults.Name(group.Key),-18} {group.Count(),6} {Percentile(ms, 50),8:F0} {Percentile(ms, 95),8:F0} {(ms.Count > 0 ? ms[^1] : double.NaN),8:F0}");
        }
        b.AppendLine();
        b.AppendLine(observer);
        foreach (var e in observerErrors) b.AppendLine("  " + e);
        b.AppendLine($"ledger: {acknowledged} acknowledged appends, {lost.Count} missing from the log");
        b.AppendLine($"replay: {replay}");
        b.AppendLine();
        b.AppendLine($"violations: {violations.Count}");
        foreach (var v in violations)
        {
            b.AppendLine($"  at {v.At.TotalSeconds:F1} s{(v.AfterFault is { } i ? $", after fault {i}" : "")} (seed {o.Seed}): {v.What}");
            foreach (var line in v.Around) b.AppendLine("      " + line);
        }
        b.AppendLine();
        var max = recovery.Values.DefaultIfEmpty().Max();
        b.AppendLine($"soak: faults={faults.Count} violations={violations.Count} lost_events={lost.Count} max_recovery_ms={(long)max.TotalMilliseconds}");
        return b.ToString();
    }

    /// <summary>Nearest-rank percentile of sorted values (NaN when none).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, int p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

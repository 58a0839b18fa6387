using System.Globalization;
using Cib.Projections.Conformance;

namespace HaCtl;

public static class ConformanceCommand
{
    public static IEnumerable<Cli.Command> All =>
    [
        new("conformance", "DIR | --fuzz N [--seed S]",
            "run the policy engine on Pacemaker scheduler cases (DIR/xml, DIR/summary), or on N generated clusters against crm_simulate",
            args => Task.FromResult(args.Length > 0 && args[0] == "--fuzz" ? Fuzz(args, Console.Out) : Run(args, Console.Out))),
    ];

    public static int Run(string[] args, TextWriter output)
    {
        if (args.Length != 1) throw new UsageException("expected one directory");
        ConformanceRunner.Report report;
        try
        {
            report = ConformanceRunner.Run(args[0], DateTimeOffset.UtcNow.ToUnixTimeSeconds(), result =>
            {
                if (result.Passed)
                {
                    output.WriteLine($"PASS {result.Name}");
                    return;
                }
                output.WriteLine($"FAIL {result.Name}");
                if (result.Error is not null) output.WriteLine($"  error: {result.Error}");
                foreach (var l in result.Missing) output.WriteLine($"  - {l}");
                foreach (var l in result.Unexpected) output.WriteLine($"  + {l}");
            });
        }
        catch (DirectoryNotFoundException e)
        {
            Console.Error.WriteLine($"hactl conformance: {e.Message}");
            return 2;
        }
        output.WriteLine($"conformance: {report.Passed} passed, {report.Failed} failed");
        return 0;
    }

    /// <summary>How many disagreements are printed, and how many of those are shrunk first.</summary>
    private const int Shown = 5, Shrunk = 3;

    /// <summary><c>--fuzz N [--seed S]</c>: differential testing against crm_simulate (docs/policy-engine.md, "Differential testing").</summary>
    public static int Fuzz(string[] args, TextWriter output)
    {
        if (args.Length is not (2 or 4) || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var cases) || cases < 1)
            throw new UsageException("expected --fuzz N [--seed S]");
        ulong seed = 1;
        if (args.Length == 4 && (args[2] != "--seed" || !ulong.TryParse(args[3], NumberStyles.None, CultureInfo.InvariantCulture, out seed)))
            throw new UsageException("expected --fuzz N [--seed S]");
        if (CrmSimulate.Path is null)
        {
            Console.Error.WriteLine("hactl conformance: crm_simulate is not installed (./ha deps installs pacemaker-cli-utils)");
            return 2;
        }
        var report = FuzzRunner.Run(cases, seed, Environment.ProcessorCount);
        var shown = 0;
        foreach (var d in report.Disagreements.Where(d => d.Known is null).Take(Shown))
        {
            var cluster = shown++ < Shrunk ? FuzzRunner.Shrink(d.Cluster) : d.Cluster;
            var c = cluster == d.Cluster ? d.Comparison : FuzzRunner.Compare(cluster);
            output.WriteLine($"DISAGREE case {d.Index} (seed {seed}){(cluster == d.Cluster ? "" : ", shrunk")}:");
            if (c.Error is not null) output.WriteLine($"  error: {c.Error}");
            foreach (var l in c.Theirs.Except(c.Ours)) output.WriteLine($"  crm_simulate only: {l}");
            foreach (var l in c.Ours.Except(c.Theirs)) output.WriteLine($"  ours only:         {l}");
            foreach (var l in FuzzCibWriter.Write(cluster).Split('\n', StringSplitOptions.RemoveEmptyEntries)) output.WriteLine($"    {l}");
        }
        foreach (var k in report.Disagreements.Where(d => d.Known is not null).GroupBy(d => d.Known!).OrderBy(g => g.Key, StringComparer.Ordinal))
            output.WriteLine($"known disagreement '{k.Key}': {k.Count()} (cases {string.Join(", ", k.Take(10).Select(d => d.Index))})");
        output.WriteLine($"fuzz: cases={report.Cases} agree={report.Agree} disagree={report.Disagree}");
        return 0;
    }
}

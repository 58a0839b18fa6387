using System.CommandLine;
using Cib.Interop.Conformance;

namespace HaCtl;

public static class ConformanceCommand
{
    public static Command Create()
    {
        var directory = new Argument<string?>("DIR")
        {
            Description = "a directory of cases: DIR/xml/NAME.xml with DIR/summary/NAME.summary", Arity = ArgumentArity.ZeroOrOne,
        };
        var fuzz = new Option<int?>("--fuzz") { Description = "instead of cases: N generated clusters, each planned here and by crm_simulate", HelpName = "N" };
        fuzz.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--fuzz needs a number of cases of at least 1");
        });
        var seed = new Option<ulong>("--seed") { Description = "the generator's seed (with --fuzz)", HelpName = "S", DefaultValueFactory = _ => 1 };
        var dump = new Option<string?>("--dump") { Description = "with --fuzz: write every disagreement (unshrunk) to DIR/case-I.txt, its lines and its CIB", HelpName = "DIR" };
        var only = new Option<int?>("--case") { Description = "with --fuzz: only case I of the seed, shrunk when it disagrees", HelpName = "I" };
        var command = new Command("conformance",
            "run the policy engine on Pacemaker scheduler cases (DIR/xml, DIR/summary), or on N generated clusters against crm_simulate")
        {
            directory, fuzz, seed, dump, only,
        };
        command.Validators.Add(r =>
        {
            var hasDir = r.GetValue(directory) is not null;
            var hasFuzz = r.GetValue(fuzz) is not null;
            if (hasDir == hasFuzz) r.AddError("give either DIR or --fuzz N [--seed S]");
        });
        command.SetBody((parse, stdout, stderr) => Task.FromResult(parse.GetValue(fuzz) is { } n
            ? parse.GetValue(only) is { } index
                ? FuzzCase(index, parse.GetValue(seed), stdout, stderr)
                : Fuzz(n, parse.GetValue(seed), stdout, stderr, parse.GetValue(dump))
            : Run(parse.GetValue(directory)!, stdout, stderr)));
        return command;
    }

    public static int Run(string directory, TextWriter output, TextWriter errors)
    {
        ConformanceRunner.Report report;
        try
        {
            report = ConformanceRunner.Run(directory, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), result =>
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
            errors.WriteLine($"hactl conformance: {e.Message}");
            return 2;
        }
        output.WriteLine($"conformance: {report.Passed} passed, {report.Failed} failed");
        return 0;
    }

    /// <summary>How many disagreements are printed, and how many of those are shrunk first.</summary>
    private const int Shown = 5, Shrunk = 3;

    /// <summary><c>--fuzz N --case I [--seed S]</c>: one generated case, shrunk to a minimal CIB when it disagrees.</summary>
    public static int FuzzCase(int index, ulong seed, TextWriter output, TextWriter errors)
    {
        if (CrmSimulate.Path is null)
        {
            errors.WriteLine("hactl conformance: crm_simulate is not installed (./ha deps installs pacemaker-cli-utils)");
            return 2;
        }
        var cluster = FuzzGenerator.Case(seed, index);
        if (FuzzRunner.Compare(cluster).Agree)
        {
            output.WriteLine($"AGREE case {index} (seed {seed})");
            return 0;
        }
        var shrunk = FuzzRunner.Shrink(cluster);
        var c = FuzzRunner.Compare(shrunk);
        output.WriteLine($"DISAGREE case {index} (seed {seed}), shrunk:");
        if (c.Error is not null) output.WriteLine($"  error: {c.Error}");
        foreach (var l in c.Theirs.Except(c.Ours)) output.WriteLine($"  crm_simulate only: {l}");
        foreach (var l in c.Ours.Except(c.Theirs)) output.WriteLine($"  ours only:         {l}");
        output.Write(FuzzCibWriter.Write(shrunk));
        return 0;
    }

    /// <summary><c>--fuzz N [--seed S]</c>: differential testing against crm_simulate (docs/policy-engine.md, "Differential testing").</summary>
    public static int Fuzz(int cases, ulong seed, TextWriter output, TextWriter errors, string? dump = null)
    {
        if (CrmSimulate.Path is null)
        {
            errors.WriteLine("hactl conformance: crm_simulate is not installed (./ha deps installs pacemaker-cli-utils)");
            return 2;
        }
        var report = FuzzRunner.Run(cases, seed, Environment.ProcessorCount);
        if (dump is not null)
        {
            Directory.CreateDirectory(dump);
            foreach (var d in report.Disagreements)
            {
                using var file = new StreamWriter(Path.Combine(dump, $"case-{d.Index}.txt"));
                if (d.Known is not null) file.WriteLine($"known: {d.Known}");
                if (d.Comparison.Error is not null) file.WriteLine($"error: {d.Comparison.Error}");
                foreach (var l in d.Comparison.Theirs.Except(d.Comparison.Ours)) file.WriteLine($"crm_simulate only: {l}");
                foreach (var l in d.Comparison.Ours.Except(d.Comparison.Theirs)) file.WriteLine($"ours only:         {l}");
                file.WriteLine("---");
                file.Write(FuzzCibWriter.Write(d.Cluster));
            }
        }
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

using Cib.Projections.Conformance;

namespace HaCtl;

public static class ConformanceCommand
{
    public static IEnumerable<Cli.Command> All =>
    [
        new("conformance", "DIR", "run the policy engine on Pacemaker scheduler cases (DIR/xml, DIR/summary)", args => Task.FromResult(Run(args, Console.Out))),
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
}

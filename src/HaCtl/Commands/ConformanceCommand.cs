using System.CommandLine;
using Cib.Projections.Conformance;

namespace HaCtl;

public static class ConformanceCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("DIR") { Description = "a directory of cases: DIR/xml/NAME.xml with DIR/summary/NAME.summary" };
        var command = new Command("conformance", "run the policy engine on Pacemaker scheduler cases (DIR/xml, DIR/summary)") { directory };
        command.SetBody((parse, stdout, stderr) => Task.FromResult(Run(parse.GetValue(directory)!, stdout, stderr)));
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
}

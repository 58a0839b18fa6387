using Cib.Projections.Import;
using Cib.Projections.Policy;
using Cib.Projections.Policy.Rendering;

namespace HaCtl;

/// <summary>hactl simulate FILE.xml: crm_simulate's -S for our engine: the Transition Summary, scores, trace notes and actions.</summary>
public static class SimulateCommand
{
    public static IEnumerable<Cli.Command> All =>
    [
        new("simulate", "FILE.xml [--scores] [--trace]", "plan a Pacemaker CIB offline and print the Transition Summary", args => Task.FromResult(Run(args, Console.Out))),
    ];

    public static int Run(string[] args, TextWriter output)
    {
        var file = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? throw new UsageException("expected a CIB XML file");
        if (!File.Exists(file))
        {
            Console.Error.WriteLine($"hactl simulate: no such file {file}");
            return 1;
        }
        var import = CibXmlImporter.Import(File.ReadAllText(file), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        if (!import.IsOk)
        {
            Console.Error.WriteLine($"hactl simulate: {file}: {import.Error}");
            return 1;
        }
        foreach (var u in import.Unsupported) output.WriteLine($"# {u}");
        var plan = PolicyEngine.Plan(import.State);
        if (args.Contains("--scores")) output.Write(ScoresRenderer.Render(plan));
        if (args.Contains("--trace"))
        {
            foreach (var n in plan.Trace.Notes) output.WriteLine($"# {n}");
            foreach (var a in plan.Actions) output.WriteLine($"# action {a.Key} {a.Kind} runnable={a.Runnable} ({a.Reason})");
            foreach (var o in plan.Orderings) output.WriteLine($"# order {o.Before} -> {o.After} ({o.Reason})");
        }
        output.Write(TransitionSummary.Render(plan));
        return 0;
    }
}

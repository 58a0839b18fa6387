using System.CommandLine;
using Cib.Interop.CibXml;
using Cib.Projections.Policy;
using Cib.Projections.Policy.Rendering;

namespace HaCtl;

/// <summary>hactl simulate FILE.xml: crm_simulate's -S for our engine: the Transition Summary, scores, trace notes and actions.</summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE.xml") { Description = "a Pacemaker CIB (cibadmin --query, or a scheduler case)" };
        var scores = new Option<bool>("--scores") { Description = "print the allocation scores, as crm_simulate -s does" };
        var trace = new Option<bool>("--trace") { Description = "print the engine's trace notes, actions and orderings" };
        var command = new Command("simulate", "plan a Pacemaker CIB offline and print the Transition Summary") { file, scores, trace };
        command.SetBody((parse, stdout, stderr) =>
            Task.FromResult(Run(parse.GetValue(file)!, parse.GetValue(scores), parse.GetValue(trace), stdout, stderr)));
        return command;
    }

    public static int Run(string file, bool scores, bool trace, TextWriter output, TextWriter errors)
    {
        if (!File.Exists(file))
        {
            errors.WriteLine($"hactl simulate: no such file {file}");
            return 1;
        }
        var import = CibXmlImporter.Import(File.ReadAllText(file), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        if (!import.IsOk)
        {
            errors.WriteLine($"hactl simulate: {file}: {import.Error}");
            return 1;
        }
        foreach (var u in import.Unsupported) output.WriteLine($"# {u}");
        var plan = PolicyEngine.Plan(import.State);
        if (scores) output.Write(ScoresRenderer.Render(plan));
        if (trace)
        {
            foreach (var n in plan.Trace.Notes) output.WriteLine($"# {n}");
            foreach (var a in plan.Actions) output.WriteLine($"# action {a.Key} {a.Kind} runnable={a.Runnable} ({a.Reason})");
            foreach (var o in plan.Orderings) output.WriteLine($"# order {o.Before} -> {o.After} ({o.Reason})");
        }
        output.Write(TransitionSummary.Render(plan));
        return 0;
    }
}

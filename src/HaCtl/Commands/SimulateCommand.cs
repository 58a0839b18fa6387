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
        var file = new Argument<string?>("FILE.xml") { Description = "a Pacemaker CIB (cibadmin --query, or a scheduler case); without it, the cluster through the API", Arity = ArgumentArity.ZeroOrOne };
        var scores = new Option<bool>("--scores") { Description = "print the allocation scores, as crm_simulate -s does" };
        var trace = new Option<bool>("--trace") { Description = "print the engine's trace notes, actions and orderings (FILE only)" };
        var at = new Option<string?>("--at") { Description = "the cluster at this log position or time instead of now", HelpName = "SEQ|TIME" };
        var lost = new Option<string[]>("--node-lost") { Description = "the node is lost (no clean shutdown)", HelpName = "NODE" };
        var back = new Option<string[]>("--node-back") { Description = "the node comes back", HelpName = "NODE" };
        var failed = new Option<string[]>("--resource-failed") { Description = "the operation fails (rc 1), on the node it runs on or the one named", HelpName = "R:OP[:NODE]" };
        var standby = new Option<string[]>("--standby") { Description = "the node is put in standby", HelpName = "NODE" };
        var edit = new Option<string?>("--edit") { Description = "a configuration edit in crm text (update mode)", HelpName = "FILE" };
        var command = new Command("simulate", "what-if: plan a Pacemaker CIB offline (FILE), or the cluster through the API with hypothetical events; nothing is appended")
        {
            file, scores, trace, at, lost, back, failed, standby, edit, Api.ApiCommands.Json,
        };
        command.SetBody((parse, stdout, stderr) => parse.GetValue(file) is { } path
            ? Task.FromResult(Run(path, parse.GetValue(scores), parse.GetValue(trace), stdout, stderr))
            : Api.ReplayCommands.SimulateAsync(parse.GetValue(at), parse.GetValue(lost) ?? [], parse.GetValue(back) ?? [], parse.GetValue(failed) ?? [],
                parse.GetValue(standby) ?? [], parse.GetValue(edit), parse.GetValue(scores), parse.GetValue(Api.ApiCommands.Json), stdout, stderr));
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

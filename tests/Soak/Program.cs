using System.CommandLine;
using Soak;

var faults = new Option<int>("--faults") { Description = "how many faults to inject", DefaultValueFactory = _ => 200 };
var seed = new Option<int>("--seed") { Description = "the random plan's seed (the same seed, the same plan)", DefaultValueFactory = _ => 1 };
var nodes = new Option<int>("--nodes") { Description = "lab nodes", DefaultValueFactory = _ => 3 };
var store = new Option<string>("--store") { Description = "the lab's store", DefaultValueFactory = _ => "replicated" };
store.AcceptOnlyFromAmong("single", "replicated");
var keep = new Option<bool>("--keep-lab") { Description = "leave the lab up at the end (to look at it)" };
var root = new RootCommand("""
    ha-soak (./ha soak): faults injected into the lab at random from a seed, judged by an observer outside the product;
    the report's last line: soak: faults=N violations=V lost_events=L max_recovery_ms=M. Needs root.
    """) { faults, seed, nodes, store, keep };
root.SetAction(async parse =>
{
    var options = new SoakOptions(parse.GetValue(faults), parse.GetValue(seed), parse.GetValue(nodes), parse.GetValue(store) == "replicated",
        KeepLab: parse.GetValue(keep));
    var report = await new SoakRun(options, Console.Error).RunAsync();
    Console.Out.Write(report.Text);
    return report.Violations.Count == 0 ? 0 : 1;
});
var parsed = root.Parse(args);
var errors = parsed.Errors.Select(e => e.Message).ToList();
if (errors.Count == 0 && parsed.GetValue(nodes) is < 3 or > 9) errors.Add("--nodes must be 3..9 (a node fault leaves a majority)");
if (errors.Count == 0 && parsed.GetValue(faults) < 1) errors.Add("--faults must be at least 1");
if (errors.Count > 0)
{
    // Bad usage: what is wrong, then how to ask for help; exit code 2, as hactl's.
    foreach (var error in errors) Console.Error.WriteLine("ha-soak: " + error);
    Console.Error.WriteLine("ha-soak: see ./ha soak --help");
    return 2;
}
return await parsed.InvokeAsync();

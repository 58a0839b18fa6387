using System.Diagnostics;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using NodeRuntime.Agents;
using NodeRuntime.Execution;

namespace NodeRuntime;

/// <summary>The ha-node command line. Bad input is a usage message and exit code 2, never a stack trace.</summary>
public static partial class Cli
{
    public const string Usage = """
        ha-node: the node runtime of Ha.EventSourced

          ha-node serve [--node NAME] [--connection CS] [--for SECONDS]
                    run the resident node runtime (executor, monitors, store sink) until Ctrl-C
          ha-node agent list                       installed OCF agents
          ha-node agent meta-data AGENT            the agent's meta-data XML (e.g. ocf:heartbeat:Dummy)
          ha-node agent validate AGENT [k=v ...]   check instance parameters against the meta-data
          ha-node run AGENT ACTION [k=v ...] [--id ID] [--interval MS] [--timeout 20s] [--netns NS]
                    one action through the executor; prints the outcome, exit 0 when it succeeded
          ha-node fence AGENT TARGET ACTION [k=v ...] [--timeout 60s]
                    run a fence device once (stonith:external/libvirt or stonith:fence_*), like
                    stonith_admin; ACTION is off, on, reboot, status or monitor
          ha-node bench [--runs N]                 Dummy and IPaddr2 start latency, SSH fence with a
                    fresh and a reused connection (needs root for IPaddr2 and sshd)
          ha-node bench loop [--connection CS] [--runs 30]
            commit -> node action latency and controller takeover, in-process nodes on the store
          ha-node bench rss [--connection CS] [--seconds 30]
                    start 'ha-node serve' and print its resident memory once it is idle
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            return args switch
            {
                ["serve", .. var rest] => await Serve.RunAsync(Options.Parse(rest)),
                ["agent", "list"] => ListAgents(),
                ["agent", "meta-data", var agent] => await MetaDataAsync(agent),
                ["agent", "validate", var agent, .. var rest] => await ValidateAsync(agent, Options.Parse(rest)),
                ["run", var agent, var action, .. var rest] => await RunActionAsync(agent, action, Options.Parse(rest)),
                ["bench", "rss", .. var rest] => await Bench.RssAsync(Options.Parse(rest)),
                ["bench", "loop", .. var rest] => await LoopBench.RunAsync(Options.Parse(rest)),
                ["bench", .. var rest] => await Bench.RunAsync(Options.Parse(rest)),
                ["fence", var agent, var target, var action, .. var rest] => await FenceAsync(agent, target, action, Options.Parse(rest)),
                ["help" or "--help" or "-h"] => Help(0),
                _ => Help(2),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"ha-node: {e.Message}");
            return 2;
        }
        catch (AgentMetadataException e)
        {
            Console.Error.WriteLine($"ha-node: {e.Message}");
            return 1;
        }
    }

    private static int Help(int code)
    {
        (code == 0 ? Console.Out : Console.Error).WriteLine(Usage);
        return code;
    }

    private static int ListAgents()
    {
        foreach (var a in new AgentMetadataCatalog().ListOcfAgents()) Console.WriteLine(a);
        return 0;
    }

    private static async Task<int> MetaDataAsync(string agent)
    {
        var metadata = await new AgentMetadataCatalog().GetAsync(ParseAgent(agent));
        Console.WriteLine(metadata.Xml);
        return 0;
    }

    private static async Task<int> ValidateAsync(string agent, Options options)
    {
        var primitive = new Primitive(options.Value("id") ?? "resource", ParseAgent(agent), options.Parameters, ValueMap.Empty, ValueList<OperationDefinition>.Empty);
        var problems = await new AgentMetadataCatalog().ValidateAsync(primitive);
        foreach (var p in problems) Console.WriteLine(p);
        if (problems.Count == 0) Console.WriteLine($"{agent}: parameters are valid");
        return problems.Count == 0 ? 0 : 1;
    }

    private static async Task<int> RunActionAsync(string agent, string action, Options options)
    {
        var primitive = new Primitive(options.Value("id") ?? "ha-node-run", ParseAgent(agent), options.Parameters, ValueMap.Empty, ValueList<OperationDefinition>.Empty);
        var host = AgentHost.Local(options.Value("node") ?? Environment.MachineName);
        if (options.Value("netns") is { } ns) host = host.InNetworkNamespace(ns);
        var interval = options.Value("interval") is { } i ? Duration.TryParse(i, out var d) ? d.Milliseconds : throw new UsageException($"--interval '{i}' is not a duration") : 0;
        var timeout = options.Value("timeout") is { } t ? Duration.TryParse(t, out var td) ? td.ToTimeSpan() : throw new UsageException($"--timeout '{t}' is not a duration") : ActionRequest.DefaultTimeout;
        var outcome = await ResourceExecutor.Create(host).ExecuteAsync(ActionRequest.For(primitive, action, interval, timeout: timeout));
        Console.WriteLine(outcome);
        if (outcome.OutputTail is { } tail) Console.WriteLine(tail);
        return outcome.Succeeded ? 0 : 1;
    }

    private static async Task<int> FenceAsync(string agent, string target, string action, Options options)
    {
        var primitive = new Primitive(options.Value("id") ?? "ha-node-fence", ParseAgent(agent), options.Parameters, ValueMap.Empty, ValueList<OperationDefinition>.Empty);
        var timeout = options.Value("timeout") is { } t ? Duration.TryParse(t, out var td) ? td.ToTimeSpan() : throw new UsageException($"--timeout '{t}' is not a duration") : TimeSpan.FromSeconds(60);
        Fencing.IFenceDevice device;
        try { device = Fencing.FenceDevices.Create(primitive); }
        catch (Fencing.FenceDeviceConfigurationException e) { throw new UsageException(e.Message); }
        await using (device)
        {
            var result = action == Fencing.FenceActions.Monitor
                ? await device.MonitorAsync(timeout)
                : await device.ExecuteAsync(target, FenceActionOrUsage(action), timeout);
            Console.WriteLine(result.Succeeded
                ? $"{device.Id}: {action} {target}: ok{(result.PowerState is { } ps ? $" (power {ps})" : "")} in {result.DurationMs} ms"
                : $"{device.Id}: {action} {target}: FAILED in {result.DurationMs} ms: {result.Reason}");
            return result.Succeeded ? 0 : 1;
        }
    }

    private static string FenceActionOrUsage(string action) =>
        Fencing.FenceActions.IsKnown(action) ? Fencing.FenceActions.Normalize(action) : throw new UsageException($"'{action}' is not a fence action (off, on, reboot, status, monitor)");

    internal static ResourceAgent ParseAgent(string text) =>
        ResourceAgent.TryParse(text, out var a) ? a : throw new UsageException($"'{text}' is not an agent (class:[provider:]type, e.g. ocf:heartbeat:Dummy)");
}

public sealed class UsageException(string message) : Exception(message);

/// <summary>--name value options and name=value instance parameters.</summary>
public sealed record Options(IReadOnlyDictionary<string, string> Named, ValueMap Parameters)
{
    public string? Value(string name) => Named.TryGetValue(name, out var v) ? v : null;

    public int Int(string name, int fallback) =>
        Value(name) is not { } v ? fallback : int.TryParse(v, out var n) && n > 0 ? n : throw new UsageException($"--{name} '{v}' is not a positive number");

    public static Options Parse(IReadOnlyList<string> args)
    {
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        var parameters = new List<(string, string)>();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (i + 1 >= args.Count) throw new UsageException($"{a} needs a value");
                named[a[2..]] = args[++i];
            }
            else if (a.IndexOf('=') is > 0 and var eq) parameters.Add((a[..eq], a[(eq + 1)..]));
            else throw new UsageException($"'{a}' is neither --option VALUE nor name=value");
        }
        return new Options(named, ValueMap.Of([.. parameters]));
    }
}

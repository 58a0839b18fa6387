using System.CommandLine;
using System.CommandLine.Invocation;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using NodeRuntime.Agents;
using NodeRuntime.Execution;

namespace NodeRuntime;

/// <summary>
/// The ha-node command line, on System.CommandLine: parsing, help (<c>--help</c> on every command), errors and
/// completion (the <c>[suggest]</c> directive) come from it. Exit codes: 0 done, 1 the action failed, 2 bad usage
/// (a message, never a stack trace). Bodies read their options through <see cref="Options"/>.
/// </summary>
public static partial class Cli
{
    public const int UsageError = 2;

    /// <summary>The name of the <c>name=value</c> instance parameters argument of agent validate, run and fence.</summary>
    internal const string ParametersName = "name=value";

    public static RootCommand Build()
    {
        var root = new RootCommand("ha-node: the node runtime of Ha.EventSourced")
        {
            ServeCommand(), AgentCommand(), RunCommand(), FenceCommand(), BenchCommand(),
        };
        var help = new Command("help", "this text") { Hidden = true };
        help.SetAction(parse => root.Parse(["--help"]).Invoke(parse.InvocationConfiguration));
        root.Subcommands.Add(help);
        return root;
    }

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var parsed = Build().Parse(args, ParserConfiguration);
        // Signals stay with the program (serve stops cleanly on SIGTERM within the host's own limit), and an
        // unexpected exception stays an exception: System.CommandLine handles neither.
        var io = new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        if (parsed.Action is ParseErrorAction)
        {
            // The parser's messages, typo suggestions and the command's help, all on stderr.
            io.Output = stderr;
            await parsed.InvokeAsync(io);
            return UsageError;
        }
        return await parsed.InvokeAsync(io);
    }

    /// <summary>No response files: an argument starting with '@' is a value, as it always was.</summary>
    private static ParserConfiguration ParserConfiguration => new() { ResponseFileTokenReplacer = null };

    private static Command ServeCommand()
    {
        var command = new Command("serve", "run the resident node runtime (executor, monitors, store sink) until Ctrl-C or SIGTERM")
        {
            Text("--node", "NAME", "this node's name (default: the host name)"),
            Text("--connection", "CS", "the store, a PostgreSQL connection string (default: HA_CONNECTION; none: results are only recorded in memory)"),
            DurationOption("--lease-timeout", "how long the node's lease lasts without renewal (default: 1s)"),
            DurationOption("--store-outage-bound", "how long the node rides out an outage of the store frozen before it applies no-quorum-policy; the same on every node (default: 15s)"),
            Text("--no-quorum-policy", "POLICY", "override the cluster property: stop, freeze or ignore", "stop", "freeze", "ignore"),
            PositiveInt("--for", "SECONDS", "stop after this many seconds", "a number of seconds"),
        };
        command.SetBody(parse => Serve.RunAsync(Options.From(parse)));
        return command;
    }

    private static Command AgentCommand()
    {
        var list = new Command("list", "installed OCF agents");
        list.SetBody(_ => Task.FromResult(ListAgents()));

        var agent = AgentArgument();
        var metaData = new Command("meta-data", "the agent's meta-data XML (e.g. ocf:heartbeat:Dummy)") { agent };
        metaData.SetBody(parse => MetaDataAsync(parse.GetValue(agent)!));

        var validatedAgent = AgentArgument();
        var validate = new Command("validate", "check instance parameters against the meta-data")
        {
            validatedAgent, ParametersArgument(), Text("--id", "ID", "the resource's id (default: resource)"),
        };
        validate.SetBody(parse => ValidateAsync(parse.GetValue(validatedAgent)!, Options.From(parse)));

        return new Command("agent", "resource agents: list, meta-data, validate") { list, metaData, validate };
    }

    private static Command RunCommand()
    {
        var agent = AgentArgument();
        var action = new Argument<string>("ACTION") { Description = "the agent action: start, stop, monitor, ...", HelpName = "ACTION" };
        action.CompletionSources.Add("start", "stop", "monitor", "probe", "meta-data", "validate-all");
        var command = new Command("run", "one action through the executor; prints the outcome, exit 0 when it succeeded")
        {
            agent, action, ParametersArgument(),
            Text("--id", "ID", "the resource's id (default: ha-node-run)"),
            DurationOption("--interval", "the monitor interval the action stands for (default: 0)"),
            DurationOption("--timeout", "the action's time limit (default: 20s)"),
            Text("--netns", "NS", "run the agent in this network namespace"),
            Text("--node", "NAME", "the node the action runs for (default: the host name)"),
        };
        command.SetBody(parse => RunActionAsync(parse.GetValue(agent)!, parse.GetValue(action)!, Options.From(parse)));
        return command;
    }

    private static Command FenceCommand()
    {
        var agent = AgentArgument();
        var target = new Argument<string>("TARGET") { Description = "the node to fence" };
        var action = new Argument<string>("ACTION") { Description = "off, on, reboot, status or monitor", HelpName = "ACTION" };
        action.CompletionSources.Add("off", "on", "reboot", "status", Fencing.FenceActions.Monitor);
        action.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (value != Fencing.FenceActions.Monitor && !Fencing.FenceActions.IsKnown(value))
                r.AddError($"'{value}' is not a fence action (off, on, reboot, status, monitor)");
        });
        var command = new Command("fence", "run a fence device once (stonith:external/libvirt or stonith:fence_*), like stonith_admin")
        {
            agent, target, action, ParametersArgument(),
            DurationOption("--timeout", "the time limit (default: 60s)"),
            Text("--id", "ID", "the device's id (default: ha-node-fence)"),
        };
        command.SetBody(parse => FenceAsync(parse.GetValue(agent)!, parse.GetValue(target)!, parse.GetValue(action)!, Options.From(parse)));
        return command;
    }

    private static Command BenchCommand()
    {
        var loop = new Command("loop", "commit -> node action latency and controller takeover, in-process nodes on the store")
        {
            Text("--connection", "CS", "the store (default: HA_CONNECTION)"),
            PositiveInt("--runs", "N", "runs (default: 30)"),
            PositiveInt("--log-size", "N", "also: how long a controller takes to lead a log of N events it has not read (a takeover by a fresh runtime)"),
        };
        loop.SetBody(parse => LoopBench.RunAsync(Options.From(parse)));

        var rss = new Command("rss", "start 'ha-node serve' and print its resident memory once it is idle")
        {
            Text("--connection", "CS", "the store serve uses (default: none)"),
            PositiveInt("--seconds", "N", "how long serve runs before the figure (default: 30)"),
            Text("--node", "NAME", "serve's node name (default: rss)"),
        };
        rss.SetBody(parse => Bench.RssAsync(Options.From(parse)));

        var bench = new Command("bench", "Dummy and IPaddr2 start latency, SSH fence with a fresh and a reused connection (root for IPaddr2 and sshd)")
        {
            loop, rss,
            PositiveInt("--runs", "N", "runs per figure (default: 10)"),
            Text("--lab", "DIR", "the lab directory with the stand-in hypervisor (default: found from here)"),
        };
        bench.SetBody(parse => Bench.RunAsync(Options.From(parse)));
        return bench;
    }

    private static Argument<string> AgentArgument()
    {
        var agent = new Argument<string>("AGENT") { Description = "class:[provider:]type, e.g. ocf:heartbeat:Dummy or stonith:external/libvirt" };
        agent.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string>();
            if (!ResourceAgent.TryParse(text, out _)) r.AddError($"'{text}' is not an agent (class:[provider:]type, e.g. ocf:heartbeat:Dummy)");
        });
        return agent;
    }

    private static Argument<string[]> ParametersArgument()
    {
        var parameters = new Argument<string[]>(ParametersName) { Description = "instance parameters", Arity = ArgumentArity.ZeroOrMore };
        parameters.Validators.Add(r =>
        {
            foreach (var token in r.Tokens.Where(t => t.Value.IndexOf('=') <= 0))
                r.AddError($"'{token.Value}' is neither --option VALUE nor name=value");
        });
        return parameters;
    }

    private static Option<string> Text(string name, string helpName, string description, params string[] completions)
    {
        var option = new Option<string>(name) { Description = description, HelpName = helpName };
        if (completions.Length > 0) option.CompletionSources.Add(completions);
        return option;
    }

    private static Option<string> DurationOption(string name, string description)
    {
        var option = Text(name, "DURATION", description + "; 500ms, 20s, 2min");
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } text && !Duration.TryParse(text, out _)) r.AddError($"{name} '{text}' is not a duration");
        });
        return option;
    }

    private static Option<string> PositiveInt(string name, string helpName, string description, string what = "a positive number")
    {
        var option = Text(name, helpName, description);
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } text && !(int.TryParse(text, out var n) && n > 0)) r.AddError($"{name} '{text}' is not {what}");
        });
        return option;
    }

    /// <summary>Sets a command's body: a <see cref="UsageException"/> is a message and exit 2, an agent's missing
    /// meta-data a message and exit 1.</summary>
    private static void SetBody(this Command command, Func<ParseResult, Task<int>> body) =>
        command.SetAction(async (parse, _) =>
        {
            try
            {
                return await body(parse);
            }
            catch (UsageException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"ha-node: {e.Message}");
                return UsageError;
            }
            catch (AgentMetadataException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"ha-node: {e.Message}");
                return 1;
            }
        });

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

/// <summary>A command's options (by name, without the dashes) and its name=value instance parameters, from the parse result.</summary>
public sealed record Options(IReadOnlyDictionary<string, string> Named, ValueMap Parameters)
{
    /// <summary>The option's value as given, or null when it was not given.</summary>
    public string? Value(string name) => Named.TryGetValue(name, out var v) ? v : null;

    public int Int(string name, int fallback) =>
        Value(name) is not { } v ? fallback : int.TryParse(v, out var n) && n > 0 ? n : throw new UsageException($"--{name} '{v}' is not a positive number");

    /// <summary>The options of the command the parse selected.</summary>
    public static Options From(ParseResult parse)
    {
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in parse.CommandResult.Command.Options.OfType<Option<string>>())
            if (parse.GetValue(option) is { } value) named[option.Name.TrimStart('-')] = value;
        var parameters = parse.CommandResult.Command.Arguments.OfType<Argument<string[]>>().FirstOrDefault(a => a.Name == Cli.ParametersName) is { } argument
            ? (parse.GetValue(argument) ?? []).Select(p => (p[..p.IndexOf('=')], p[(p.IndexOf('=') + 1)..])).ToArray()
            : [];
        return new Options(named, ValueMap.Of(parameters));
    }

    /// <summary>Options as <c>ha-node serve</c> reads them from its command line (for hosts built in process).</summary>
    public static Options Parse(IReadOnlyList<string> args)
    {
        var parse = Cli.Build().Parse(["serve", .. args]);
        return parse.Errors.Count == 0 ? From(parse) : throw new UsageException(string.Join("; ", parse.Errors.Select(e => e.Message)));
    }
}

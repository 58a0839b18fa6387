using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace HaCtl;

/// <summary>
/// hactl: the command-line client (crm / crm_mon habits), on System.CommandLine: parsing, help (<c>--help</c> on
/// any command), errors and completion (the <c>[suggest]</c> directive, for dotnet-suggest) come from it. Each
/// command is built in Commands/; this class assembles the tree and fixes the exit codes: 0 done, 1 the command
/// failed, 2 bad usage.
/// </summary>
public static class Cli
{
    public const int UsageError = 2;

    /// <summary>The whole command tree; a fresh one per parse, since commands carry their actions.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("""
            hactl: the Ha.EventSourced command-line client.
            The store: HA_CONNECTION (a PostgreSQL connection string); ./ha hactl sets it to the embedded store.
            """);
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ConfigureCommands.Create());
        root.Subcommands.Add(ConformanceCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(LogCommand.Create());
        root.Subcommands.Add(SchemaCommands.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(UserCommands.Create());
        foreach (var command in Api.ApiCommands.Create()) root.Subcommands.Add(command);
        // "hactl" and "hactl help" print the help, as they always have.
        var help = new Command("help", "this text") { Hidden = true };
        help.SetAction(parse => ShowHelp(root, parse.InvocationConfiguration));
        root.Subcommands.Add(help);
        root.SetAction(parse => ShowHelp(root, parse.InvocationConfiguration));
        return root;
    }

    public static int Run(string[] args) => RunAsync(args, Console.Out, Console.Error).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        // No response files: an argument starting with '@' is a value, as it always was.
        var parsed = Build().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        // Ctrl-C and unexpected exceptions behave as in any .NET program: System.CommandLine handles neither.
        var io = new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        if (parsed.Action is ParseErrorAction)
        {
            // The parser's own messages, typo suggestions and the command's help, all on stderr.
            io.Output = stderr;
            await parsed.InvokeAsync(io);
            return UsageError;
        }
        return await parsed.InvokeAsync(io);
    }

    /// <summary>Sets the command's body. A <see cref="UsageException"/> from it (input the parser cannot judge, such as a
    /// missing HA_CONNECTION) is a message on stderr and exit code 2, like a parse error; an API that does not answer, or
    /// a store that does not (Npgsql's failures), a message and exit code 1.</summary>
    public static void SetBody(this Command command, Func<ParseResult, TextWriter, TextWriter, Task<int>> body) =>
        command.SetAction(async (parse, _) =>
        {
            var (stdout, stderr) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            try
            {
                return await body(parse, stdout, stderr);
            }
            catch (Api.ApiProblemException e)
            {
                await stderr.WriteLineAsync($"hactl {Words(parse.CommandResult)}: {e.Message}");
                return 1;
            }
            catch (HttpRequestException e)
            {
                await stderr.WriteLineAsync($"hactl {Words(parse.CommandResult)}: the API did not answer: {e.Message}");
                return 1;
            }
            catch (Exception e) when (StoreFailure(e) is { } store)
            {
                // --store and the store host's commands: an unreachable or failing store is a message, not a crash.
                await stderr.WriteLineAsync($"hactl {Words(parse.CommandResult)}: the store did not answer: {store.Message}");
                return 1;
            }
            catch (UsageException e)
            {
                var words = Words(parse.CommandResult);
                await stderr.WriteLineAsync($"hactl {words}: {e.Message}");
                await stderr.WriteLineAsync($"see: hactl {words} --help");
                return UsageError;
            }
        });

    /// <summary>The store's own failure behind <paramref name="e"/> (Npgsql's, perhaps wrapped by Marten), or null.</summary>
    private static Npgsql.NpgsqlException? StoreFailure(Exception e) =>
        e as Npgsql.NpgsqlException ?? (e.InnerException is { } inner ? StoreFailure(inner) : null);

    /// <summary>The words that selected the command ("configure load").</summary>
    private static string Words(CommandResult command)
    {
        var words = new List<string>();
        for (SymbolResult? r = command; r is CommandResult { Parent: not null } c; r = r.Parent) words.Insert(0, c.Command.Name);
        return string.Join(' ', words);
    }

    /// <summary>Every runnable command as its words ("configure parse"), help excepted.</summary>
    public static IReadOnlyList<string> CommandPaths()
    {
        var root = Build();
        var paths = new List<string>();
        void Walk(Command c, string prefix)
        {
            foreach (var sub in c.Subcommands.Where(s => !s.Hidden))
            {
                var words = prefix.Length == 0 ? sub.Name : $"{prefix} {sub.Name}";
                if (sub.Action is not null) paths.Add(words);
                Walk(sub, words);
            }
        }
        Walk(root, "");
        return paths;
    }

    private static int ShowHelp(RootCommand root, InvocationConfiguration io) => root.Parse(["--help"]).Invoke(io);
}

public sealed class UsageException(string message) : Exception(message);

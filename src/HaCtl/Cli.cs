namespace HaCtl;

/// <summary>
/// hactl: the command-line client (crm / crm_mon habits). Each command lives in Commands/ and
/// registers itself in <see cref="Commands"/> by its words ("configure parse").
/// </summary>
public static class Cli
{
    /// <summary>A command: the words that select it, a one-line help, and its body (remaining args → exit code).</summary>
    public sealed record Command(string Words, string Usage, string Help, Func<string[], Task<int>> Run);

    public static IReadOnlyList<Command> Commands { get; } =
    [
        .. DemoCommand.All,
        .. SchemaCommands.All,
        .. ConformanceCommand.All,
        .. BenchCommand.All,
        .. ConfigureCommands.All,
        .. LogCommand.All,
        .. SimulateCommand.All,
    ];

    public static int Run(string[] args) => RunAsync(args, Console.Out, Console.Error).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "-h" or "--help")
        {
            PrintHelp(stdout);
            return 0;
        }
        // Longest match on words: "configure parse FILE" picks "configure parse".
        var match = Commands
            .Select(c => (Command: c, Words: c.Words.Split(' ')))
            .Where(c => c.Words.Length <= args.Length && c.Words.SequenceEqual(args.Take(c.Words.Length)))
            .OrderByDescending(c => c.Words.Length)
            .FirstOrDefault();
        if (match.Command is null)
        {
            stderr.WriteLine($"hactl: unknown command '{string.Join(' ', args)}'");
            PrintHelp(stderr);
            return 2;
        }
        try
        {
            return await match.Command.Run(args[match.Words.Length..]);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"hactl {match.Command.Words}: {e.Message}");
            stderr.WriteLine($"usage: hactl {match.Command.Words} {match.Command.Usage}");
            return 2;
        }
    }

    private static void PrintHelp(TextWriter w)
    {
        w.WriteLine("hactl: the Ha.EventSourced command-line client");
        w.WriteLine();
        foreach (var c in Commands.OrderBy(c => c.Words, StringComparer.Ordinal))
            w.WriteLine($"  hactl {c.Words} {c.Usage}".PadRight(52) + c.Help);
        w.WriteLine();
        w.WriteLine("The store: HA_CONNECTION (a PostgreSQL connection string); ./ha hactl sets it to the embedded store.");
    }
}

public sealed class UsageException(string message) : Exception(message);

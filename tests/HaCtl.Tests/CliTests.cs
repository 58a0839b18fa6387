using TestSupport;
using Xunit;

namespace HaCtl.Tests;

/// <summary>hactl's command line through System.CommandLine: help, usage errors (exit 2), completion, and the demo end to end.</summary>
[Collection("console")]
public class CliTests
{
    [Fact]
    public async Task Help_lists_every_top_level_command_and_each_command_has_its_own()
    {
        foreach (var noWords in new[] { Array.Empty<string>(), ["help"], ["--help"], ["-h"] })
        {
            var (code, output, _) = await Run(noWords);
            Assert.Equal(0, code);
            Assert.Contains("HA_CONNECTION", output);
            foreach (var top in Cli.CommandPaths().Select(p => p.Split(' ')[0]).Distinct()) Assert.Contains($"  {top}", output);
        }
        Assert.Contains("configure load", Cli.CommandPaths());
        foreach (var path in Cli.CommandPaths())
        {
            var (code, output, _) = await Run([.. path.Split(' '), "--help"]);
            Assert.Equal(0, code);
            // The usage line names the program (hactl; the test host here) and the command's words.
            Assert.Matches($@"Usage:\s+\S+ {path}\b", output);
        }
    }

    [Fact]
    public async Task An_unknown_command_exits_2_and_says_so()
    {
        var (code, output, errors) = await Run("frobnicate", "now");
        Assert.Equal(2, code);
        Assert.Contains("Unrecognized command or argument 'frobnicate'", errors);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task A_bad_value_or_a_missing_argument_exits_2_naming_it()
    {
        var (code, _, errors) = await Run("log", "--since", "yesterday");
        Assert.Equal(2, code);
        Assert.Contains("'yesterday'", errors);
        Assert.Contains("--since", errors);

        (code, _, errors) = await Run("configure", "load", "merge", "x.crm");
        Assert.Equal(2, code);
        Assert.Contains("'merge'", errors);

        (code, _, errors) = await Run("configure", "parse");
        Assert.Equal(2, code);
        Assert.Contains("FILE", errors);
    }

    [Fact]
    public async Task A_command_that_needs_the_store_without_one_exits_2_and_says_how_to_set_it()
    {
        var (code, _, errors) = await Run("configure", "show", "--store");
        Assert.Equal(2, code);
        Assert.Contains("hactl configure show: no store: set HA_CONNECTION", errors);
    }

    [Fact]
    public async Task A_store_that_does_not_answer_is_a_message_and_exit_1_not_a_crash()
    {
        // A port nothing listens on (the listener that had it is gone): the connection is refused at once.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var (code, _, errors) = await RunWith($"Host=127.0.0.1;Port={port};Username=nobody;Database=none;Timeout=2", "configure", "show", "--store");
        Assert.Equal(1, code);
        Assert.StartsWith("hactl configure show: the store did not answer: Failed to connect to 127.0.0.1:", errors);
    }

    [Fact]
    public async Task Completion_comes_from_the_suggest_directive()
    {
        // As dotnet-suggest asks: the command line as one string and the cursor position.
        var (code, output, _) = await Run("[suggest:4]", "conf");
        Assert.Equal(0, code);
        Assert.Equal(["configure", "conformance"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        const string line = "configure load up";
        (code, output, _) = await Run($"[suggest:{line.Length}]", line);
        Assert.Equal(0, code);
        Assert.Equal(["update"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Demo_loads_the_example_into_an_empty_store_and_prints_configuration_and_history()
    {
        await using var db = await TestDatabase.CreateAsync("demo");
        var (code, output, errors) = await RunWith(db.ConnectionString, "demo", "--example", Path.Combine(Repo.Root, "docs", "examples", "apache-cluster.crm"));
        Assert.True(code == 0, errors);
        Assert.Contains("apache-group", output);
        Assert.Contains("# history", output);
        Assert.Contains("by user:admin", output);

        // A second run finds the configuration in place and changes nothing.
        var (again, second, _) = await RunWith(db.ConnectionString, "demo");
        Assert.Equal(0, again);
        Assert.Contains("already in the store", second);
    }

    private static Task<(int Code, string Output, string Errors)> Run(params string[] args) => RunWith(null, args);

    private static async Task<(int Code, string Output, string Errors)> RunWith(string? connection, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var oldConnection = Environment.GetEnvironmentVariable("HA_CONNECTION");
        Environment.SetEnvironmentVariable("HA_CONNECTION", connection);
        try
        {
            var code = await Cli.RunAsync(args, stdout, stderr);
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("HA_CONNECTION", oldConnection);
        }
    }
}

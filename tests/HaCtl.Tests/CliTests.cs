using TestSupport;
using Xunit;

namespace HaCtl.Tests;

[Collection("console")]
public class CliTests
{
    [Fact]
    public async Task Help_lists_every_command()
    {
        var (code, output, _) = await Run("help");
        Assert.Equal(0, code);
        foreach (var command in Cli.Commands) Assert.Contains($"hactl {command.Words}", output);
    }

    [Fact]
    public async Task An_unknown_command_exits_2_and_says_so()
    {
        var (code, _, errors) = await Run("frobnicate", "now");
        Assert.Equal(2, code);
        Assert.Contains("unknown command 'frobnicate now'", errors);
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
        var oldOut = Console.Out;
        var oldErr = Console.Error;
        var oldConnection = Environment.GetEnvironmentVariable("HA_CONNECTION");
        Console.SetOut(stdout);
        Console.SetError(stderr);
        Environment.SetEnvironmentVariable("HA_CONNECTION", connection);
        try
        {
            var code = await Cli.RunAsync(args, stdout, stderr);
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            Environment.SetEnvironmentVariable("HA_CONNECTION", oldConnection);
        }
    }
}

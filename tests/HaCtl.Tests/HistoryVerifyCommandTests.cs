using TestSupport;
using Xunit;

namespace HaCtl.Tests;

/// <summary>
/// <c>hactl history verify</c> on the store (HA_CONNECTION): a line per read model and the summary line; exit code 0
/// when the log replays to the same read models, 1 when one differs, naming what differs.
/// </summary>
[Collection("console")]
public sealed class HistoryVerifyCommandTests
{
    [Fact]
    public async Task Verify_says_same_for_a_store_as_the_product_writes_it_and_names_what_was_changed_by_hand()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("hactlverify");
        var end = await SimulatedStore.WriteAsync(db, incidents: 20, seed: 5);

        var (code, output, errors) = await RunAsync(db.ConnectionString, "history", "verify");
        Assert.True(code == 0, output + errors);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal($"status: the same as the log folded from 0 up to position {end}", lines[0]);
        Assert.StartsWith($"history: the same as the log folded from 0 up to position {end} (6 tables and the state row: ", lines[1]);
        Assert.Equal($"read-models: status=same history=same position={end}", lines[2]);

        await using (var cmd = db.DataSource.CreateCommand(
            "UPDATE cib.ha_read_models SET data = jsonb_set(data, '{status,controller}', '\"nobody\"') WHERE name = 'cluster-status'"))
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        await using (var cmd = db.DataSource.CreateCommand("UPDATE cib.ha_operation_history SET rc_text = 'tampered' WHERE seq = (SELECT max(seq) FROM cib.ha_operation_history)"))
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        (code, output, _) = await RunAsync(db.ConnectionString, "history", "verify");
        Assert.Equal(1, code);
        lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal($"status: differs from the log folded from 0 up to position {end}: status.controller", lines[0]);
        Assert.Matches($@"^history: differs from the log folded from 0 up to position {end}: ha_operation_history 1 of \d+ rows \(seq \d+\)$", lines[1]);
        Assert.Equal($"read-models: status=differs history=differs position={end}", lines[2]);
    }

    [Fact]
    public async Task Verify_of_a_store_without_read_models_checks_nothing_and_succeeds()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("hactlverify");
        var (code, output, _) = await RunAsync(db.ConnectionString, "history", "verify");
        Assert.Equal(0, code);
        Assert.Equal("status: not checked (no stored status)\nhistory: not checked (no stored history)\nread-models: status=none history=none position=0\n", output);
    }

    private static async Task<(int Code, string Output, string Errors)> RunAsync(string connection, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var old = Environment.GetEnvironmentVariable("HA_CONNECTION");
        Environment.SetEnvironmentVariable("HA_CONNECTION", connection);
        try
        {
            return (await Cli.RunAsync(args, stdout, stderr), stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("HA_CONNECTION", old);
        }
    }
}

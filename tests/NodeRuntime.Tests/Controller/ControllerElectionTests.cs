using NodeRuntime.Controller;
using NodeRuntime.Membership;
using Xunit;
using TestSupport;

namespace NodeRuntime.Tests.Controller;

public class ControllerElectionTests
{
    [Fact]
    public async Task Exactly_one_holds_the_role_and_another_takes_over_when_it_goes()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("cluster");
        await using var a = new ControllerElection(db.ConnectionString);
        await using var b = new ControllerElection(db.ConnectionString);

        Assert.True(await a.TryAcquireAsync());
        Assert.False(await b.TryAcquireAsync());
        Assert.True(await a.IsHeldAsync());

        await a.ReleaseAsync();
        Assert.False(a.IsLeader);
        Assert.True(await b.TryAcquireAsync());
        Assert.False(await a.TryAcquireAsync());
    }

    [Fact]
    public async Task A_holder_whose_connection_is_killed_loses_the_role_and_frees_it()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("cluster");
        await using var a = new ControllerElection(db.ConnectionString);
        await using var b = new ControllerElection(db.ConnectionString);
        Assert.True(await a.TryAcquireAsync());

        // What a crash of the holder's process does to the store: its session ends.
        await using (var kill = db.DataSource.CreateCommand("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name LIKE 'ha-controller:%' AND datname = current_database()"))
            await kill.ExecuteNonQueryAsync();

        Assert.True(await b.TryAcquireAsync());
        Assert.False(await a.IsHeldAsync());
    }

    [Fact]
    public async Task A_standby_deposes_a_holder_whose_node_is_lost_and_only_then()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("cluster");
        await using var a = new ControllerElection(db.ConnectionString, "n1");
        await using var b = new ControllerElection(db.ConnectionString, "n2");
        Assert.True(await a.TryAcquireAsync());

        // n1 renews its lease: it is alive, the role stays where it is.
        await SetLeaseAsync(db, "n1", secondsAgo: 0.2);
        Assert.Equal(0, await b.DeposeLostAsync(TimeSpan.FromSeconds(1)));
        Assert.False(await b.TryAcquireAsync());
        Assert.True(await a.IsHeldAsync());

        // n1 is cut off: its lease has not been renewed for 3 s, but the store has not noticed its dead session yet.
        await SetLeaseAsync(db, "n1", secondsAgo: 3);
        Assert.Equal(1, await b.DeposeLostAsync(TimeSpan.FromSeconds(1)));
        Assert.True(await b.TryAcquireAsync());
        Assert.False(await a.IsHeldAsync());
    }

    private static async Task SetLeaseAsync(TestDatabase db, string node, double secondsAgo)
    {
        await using var cmd = db.DataSource.CreateCommand(
            "INSERT INTO cib.ha_leases(node, incarnation, renewed_at) VALUES (@n, 'i', clock_timestamp() - make_interval(secs => @s)) " +
            "ON CONFLICT (node) DO UPDATE SET renewed_at = excluded.renewed_at");
        cmd.Parameters.AddWithValue("n", node);
        cmd.Parameters.AddWithValue("s", secondsAgo);
        await cmd.ExecuteNonQueryAsync();
    }
}

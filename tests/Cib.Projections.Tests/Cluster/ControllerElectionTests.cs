using Cib.Projections.Cluster;
using Xunit;

namespace Cib.Projections.Tests.Cluster;

public class ControllerElectionTests
{
    [Fact]
    public async Task Exactly_one_holds_the_role_and_another_takes_over_when_it_goes()
    {
        await using var db = await ClusterDatabase.CreateAsync();
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
        await using var db = await ClusterDatabase.CreateAsync();
        await using var a = new ControllerElection(db.ConnectionString);
        await using var b = new ControllerElection(db.ConnectionString);
        Assert.True(await a.TryAcquireAsync());

        // What a crash of the holder's process does to the store: its session ends.
        await using (var kill = db.DataSource.CreateCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ha-controller' AND datname = current_database()"))
            await kill.ExecuteNonQueryAsync();

        Assert.True(await b.TryAcquireAsync());
        Assert.False(await a.IsHeldAsync());
    }
}

namespace Lab.Tests;

/// <summary>`./ha lab store status` as LabSupport reads it, on output recorded from the lab (no root needed).</summary>
public sealed class StoreStatusTests
{
    private const string AfterAKill = """
        s1: address=10.77.0.21 member=up-pid-19406 link=up role=leader own_role=primary state=running timeline=2 lag=- etcd=healthy,leader,term=2
        s2: address=10.77.0.22 member=down link=up role=- own_role=- state=unreachable timeline=- lag=- etcd=unhealthy
        s3: address=10.77.0.23 member=up-pid-19451 link=up role=sync-standby own_role=replica state=running timeline=2 lag=0MB etcd=healthy,term=2
        store: leader=s1 sync_standby=s3 primaries_by_own_view=s1
        store url (postgres): Host=10.77.0.21,10.77.0.22,10.77.0.23;Port=5432;Username=postgres;Database=ha;Target Session Attributes=primary
        """;

    [Fact]
    public void Roles_come_from_etcd_and_each_members_own_view()
    {
        var status = StoreStatus.Parse(AfterAKill);
        Assert.Equal(["s1", "s2", "s3"], status.Members.Select(m => m.Name));
        Assert.Equal("s1", status.Leader);
        Assert.Equal("s3", status.SyncStandby);
        Assert.Equal(["s1"], status.PrimariesByOwnView);
        Assert.False(status["s2"].Up);
        Assert.Equal("unreachable", status["s2"].State);
        Assert.True(status["s3"].Up);
        Assert.Equal("2", status["s3"].Timeline);
        Assert.StartsWith("healthy,leader", status["s1"].Etcd, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_members_that_each_say_they_are_primary_show_as_such()
    {
        var status = StoreStatus.Parse(AfterAKill.Replace("member=down link=up role=- own_role=-", "member=up-pid-7 link=up role=- own_role=primary", StringComparison.Ordinal));
        Assert.Equal(["s1", "s2"], status.PrimariesByOwnView);
        Assert.Equal("s1", status.Leader);
    }
}

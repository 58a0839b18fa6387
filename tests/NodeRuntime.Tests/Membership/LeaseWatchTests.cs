using Microsoft.Extensions.Time.Testing;
using NodeRuntime.Membership;

namespace NodeRuntime.Tests.Membership;

/// <summary>The pure decision part: when is the lease lost, what to do, when to recover. Driven by a fake clock.</summary>
public sealed class LeaseWatchTests
{
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(NoQuorumPolicy.Stop)]
    [InlineData(NoQuorumPolicy.Freeze)]
    [InlineData(NoQuorumPolicy.Ignore)]
    public void The_policy_applies_once_after_the_lease_timeout_and_recovery_follows_reconnection(NoQuorumPolicy policy)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var watch = new LeaseWatch(LeaseTimeout, policy, clock.GetUtcNow());

        clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.IsType<LeaseDecision.Carry>(watch.Observe(true, clock.GetUtcNow()));
        var lastContact = clock.GetUtcNow();

        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.IsType<LeaseDecision.Carry>(watch.Observe(false, clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.IsType<LeaseDecision.Carry>(watch.Observe(false, clock.GetUtcNow())); // exactly the timeout: not yet
        clock.Advance(TimeSpan.FromMilliseconds(1));

        var apply = Assert.IsType<LeaseDecision.ApplyPolicy>(watch.Observe(false, clock.GetUtcNow()));
        Assert.Equal((policy, lastContact, TimeSpan.FromMilliseconds(1001)), (apply.Policy, apply.LastContact, apply.Unreachable));
        Assert.True(watch.IsLost);

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.IsType<LeaseDecision.Carry>(watch.Observe(false, clock.GetUtcNow())); // once per outage

        var lostAt = lastContact + TimeSpan.FromMilliseconds(1001);
        var recover = Assert.IsType<LeaseDecision.Recover>(watch.Observe(true, clock.GetUtcNow()));
        Assert.Equal((policy, lostAt, clock.GetUtcNow()), (recover.Policy, recover.LostAt, recover.BackAt));
        Assert.False(watch.IsLost);
        Assert.IsType<LeaseDecision.Carry>(watch.Observe(true, clock.GetUtcNow()));
    }

    [Fact]
    public void Short_blips_never_count_as_a_lost_lease()
    {
        var clock = new FakeTimeProvider();
        var watch = new LeaseWatch(LeaseTimeout, NoQuorumPolicy.Stop, clock.GetUtcNow());
        for (var i = 0; i < 20; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(900));
            Assert.IsType<LeaseDecision.Carry>(watch.Observe(i % 2 == 0, clock.GetUtcNow()));
        }
    }

    [Theory]
    [InlineData("stop", NoQuorumPolicy.Stop)]
    [InlineData("freeze", NoQuorumPolicy.Freeze)]
    [InlineData("ignore", NoQuorumPolicy.Ignore)]
    [InlineData("suicide", NoQuorumPolicy.Stop)]
    [InlineData(null, NoQuorumPolicy.Stop)]
    public void The_cluster_property_reads_as_a_policy(string? value, NoQuorumPolicy policy) =>
        Assert.Equal(policy, NoQuorumPolicies.Parse(value));
}

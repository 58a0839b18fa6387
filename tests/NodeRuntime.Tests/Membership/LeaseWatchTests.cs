using CsCheck;
using Microsoft.Extensions.Time.Testing;
using NodeRuntime.Membership;

namespace NodeRuntime.Tests.Membership;

/// <summary>The pure decision part: when is the lease lost, what to do, when to recover. Every input carries its time.</summary>
public sealed class LeaseWatchTests
{
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(1);
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z");

    [Theory]
    [InlineData(NoQuorumPolicy.Stop)]
    [InlineData(NoQuorumPolicy.Freeze)]
    [InlineData(NoQuorumPolicy.Ignore)]
    public void The_policy_applies_once_a_lease_timeout_after_the_last_answered_send_and_recovery_needs_a_fresh_contact(NoQuorumPolicy policy)
    {
        var clock = new FakeTimeProvider(T0);
        var watch = new LeaseWatch(LeaseTimeout, policy, clock.GetUtcNow());

        clock.Advance(TimeSpan.FromMilliseconds(250));
        var lastSent = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromMilliseconds(40));
        Assert.IsType<LeaseDecision.Carry>(watch.Contact(lastSent, clock.GetUtcNow()));

        clock.Advance(TimeSpan.FromMilliseconds(960));
        Assert.IsType<LeaseDecision.Carry>(watch.Tick(clock.GetUtcNow())); // exactly the timeout after the send: not yet
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var apply = Assert.IsType<LeaseDecision.ApplyPolicy>(watch.Tick(clock.GetUtcNow()));
        Assert.Equal((policy, lastSent, TimeSpan.FromMilliseconds(1001)), (apply.Policy, apply.LastContact, apply.Unreachable));
        Assert.True(watch.IsLost);

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.IsType<LeaseDecision.Carry>(watch.Tick(clock.GetUtcNow())); // once per outage

        // A call sent before the outage and answered only now proves nothing about now.
        Assert.IsType<LeaseDecision.Carry>(watch.Contact(lastSent + TimeSpan.FromSeconds(2), clock.GetUtcNow()));
        Assert.True(watch.IsLost);

        var lostAt = lastSent + TimeSpan.FromMilliseconds(1001);
        var sent = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromMilliseconds(30));
        var recover = Assert.IsType<LeaseDecision.Recover>(watch.Contact(sent, clock.GetUtcNow()));
        Assert.Equal((policy, lostAt, clock.GetUtcNow()), (recover.Policy, recover.LostAt, recover.BackAt));
        Assert.False(watch.IsLost);
        Assert.IsType<LeaseDecision.Carry>(watch.Tick(clock.GetUtcNow()));
    }

    [Fact]
    public void A_call_that_was_answered_late_counts_from_when_it_was_sent()
    {
        var watch = new LeaseWatch(LeaseTimeout, NoQuorumPolicy.Stop, T0);
        // Sent at 0.1 s, answered at 1.05 s: the store stamped it somewhere in between, so the node's lease runs from 0.1 s.
        Assert.IsType<LeaseDecision.Carry>(watch.Contact(T0.AddMilliseconds(100), T0.AddMilliseconds(1050)));
        Assert.IsType<LeaseDecision.Carry>(watch.Tick(T0.AddMilliseconds(1100)));
        Assert.IsType<LeaseDecision.ApplyPolicy>(watch.Tick(T0.AddMilliseconds(1101)));
    }

    [Fact]
    public void Short_gaps_between_answered_calls_never_count_as_a_lost_lease()
    {
        var watch = new LeaseWatch(LeaseTimeout, NoQuorumPolicy.Stop, T0);
        var now = T0;
        for (var i = 0; i < 20; i++)
        {
            now += TimeSpan.FromMilliseconds(900);
            Assert.IsType<LeaseDecision.Carry>(watch.Tick(now));
            if (i % 2 == 0) Assert.IsType<LeaseDecision.Carry>(watch.Contact(now - TimeSpan.FromMilliseconds(50), now));
            else Assert.IsType<LeaseDecision.Carry>(watch.Contact(now, now));
        }
    }

    /// <summary>
    /// The rule, on random histories of answered calls (sent, answered) and ticks: the policy applies at the first tick
    /// that comes more than a lease timeout after the latest send answered before it (or the start), once per outage,
    /// and a recovery follows the first answer whose send is within a lease timeout of its answer.
    /// </summary>
    [Fact]
    public void Decisions_follow_the_rule_on_random_histories()
    {
        var step = Gen.Select(Gen.Bool, Gen.Int[0, 700], Gen.Int[0, 1500]); // (contact or tick, time advance, how long ago the answered call was sent)
        step.Array[1, 60].Sample(steps =>
        {
            var watch = new LeaseWatch(LeaseTimeout, NoQuorumPolicy.Stop, T0);
            var now = T0;
            var last = T0;
            var lost = false;
            foreach (var (contact, advance, age) in steps)
            {
                now += TimeSpan.FromMilliseconds(advance);
                if (contact)
                {
                    var sent = now - TimeSpan.FromMilliseconds(age);
                    if (sent > last) last = sent;
                    var expectRecover = lost && now - last <= LeaseTimeout;
                    var d = watch.Contact(sent, now);
                    if (expectRecover != d is LeaseDecision.Recover) return false;
                    if (expectRecover) lost = false;
                }
                else
                {
                    var expectApply = !lost && now - last > LeaseTimeout;
                    var d = watch.Tick(now);
                    if (expectApply != d is LeaseDecision.ApplyPolicy) return false;
                    if (expectApply) lost = true;
                }
                if (watch.IsLost != lost || watch.LastContact != last) return false;
            }
            return true;
        });
    }

    [Fact]
    public void With_a_store_outage_bound_policy_stop_rides_the_outage_out_frozen_and_stops_only_past_it()
    {
        var bound = TimeSpan.FromSeconds(5);
        var watch = new LeaseWatch(LeaseTimeout, NoQuorumPolicy.Stop, T0, bound);
        Assert.IsType<LeaseDecision.Carry>(watch.Tick(T0.AddMilliseconds(1000)));
        var ride = Assert.IsType<LeaseDecision.RideOut>(watch.Tick(T0.AddMilliseconds(1001)));
        Assert.Equal(T0 + LeaseTimeout + bound, ride.Until);
        Assert.True(watch.IsLost);
        Assert.IsType<LeaseDecision.Carry>(watch.Tick(T0.AddMilliseconds(6000))); // the lease and the bound: not yet
        var stop = Assert.IsType<LeaseDecision.ApplyPolicy>(watch.Tick(T0.AddMilliseconds(6001)));
        Assert.Equal((NoQuorumPolicy.Stop, T0), (stop.Policy, stop.LastContact));
        Assert.IsType<LeaseDecision.Carry>(watch.Tick(T0.AddSeconds(60))); // once per outage
        Assert.IsType<LeaseDecision.Recover>(watch.Contact(T0.AddSeconds(61), T0.AddSeconds(61.1)));
    }

    [Fact]
    public void A_store_back_within_the_bound_ends_the_ride_out_without_a_stop()
    {
        var watch = new LeaseWatch(LeaseTimeout, NoQuorumPolicy.Stop, T0, TimeSpan.FromSeconds(5));
        Assert.IsType<LeaseDecision.RideOut>(watch.Tick(T0.AddMilliseconds(1100)));
        var back = Assert.IsType<LeaseDecision.Recover>(watch.Contact(T0.AddMilliseconds(4000), T0.AddMilliseconds(4200)));
        Assert.Equal(T0.AddMilliseconds(1100), back.LostAt);
        Assert.False(watch.IsLost);
        Assert.IsType<LeaseDecision.Carry>(watch.Tick(T0.AddMilliseconds(5000))); // contact sent at 4 s: the lease holds to 5 s
        Assert.IsType<LeaseDecision.RideOut>(watch.Tick(T0.AddMilliseconds(5001))); // a new outage rides out again
    }

    [Fact]
    public void A_first_check_past_the_lease_and_the_bound_applies_the_policy_at_once()
    {
        // A bound shorter than the check interval (found by StoreOutageRuleTests): no ride-out that would put the stop a
        // check later than the controller counts.
        var watch = new LeaseWatch(LeaseTimeout, NoQuorumPolicy.Stop, T0, TimeSpan.FromMilliseconds(36));
        Assert.IsType<LeaseDecision.Carry>(watch.Tick(T0.AddMilliseconds(992)));
        Assert.IsType<LeaseDecision.ApplyPolicy>(watch.Tick(T0.AddMilliseconds(1092)));
    }

    [Theory]
    [InlineData(NoQuorumPolicy.Freeze)]
    [InlineData(NoQuorumPolicy.Ignore)]
    public void Policies_other_than_stop_apply_when_the_lease_runs_out_whatever_the_bound(NoQuorumPolicy policy)
    {
        var watch = new LeaseWatch(LeaseTimeout, policy, T0, TimeSpan.FromSeconds(5));
        Assert.Equal(policy, Assert.IsType<LeaseDecision.ApplyPolicy>(watch.Tick(T0.AddMilliseconds(1001))).Policy);
        Assert.IsType<LeaseDecision.Carry>(watch.Tick(T0.AddSeconds(10)));
    }

    [Fact]
    public void The_check_interval_is_a_tenth_of_the_lease_timeout() =>
        Assert.Equal(TimeSpan.FromMilliseconds(100), LeaseWatch.CheckInterval(TimeSpan.FromSeconds(1)));

    [Theory]
    [InlineData("stop", NoQuorumPolicy.Stop)]
    [InlineData("freeze", NoQuorumPolicy.Freeze)]
    [InlineData("ignore", NoQuorumPolicy.Ignore)]
    [InlineData("suicide", NoQuorumPolicy.Stop)]
    [InlineData(null, NoQuorumPolicy.Stop)]
    public void The_cluster_property_reads_as_a_policy(string? value, NoQuorumPolicy policy) =>
        Assert.Equal(policy, NoQuorumPolicies.Parse(value));
}

using NodeRuntime.Controller;

namespace NodeRuntime.Tests.Controller;

/// <summary>The controller loop waits the lease check interval, or less when the decider asked to be woken sooner.</summary>
public sealed class TickWaitTests
{
    private static readonly TimeSpan Check = TimeSpan.FromMilliseconds(100);
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Without_a_wake_up_it_is_the_lease_check() => Assert.Equal(Check, ClusterController.TickWait(Check, null, Now));

    [Fact]
    public void A_wake_up_later_than_the_next_check_changes_nothing() =>
        Assert.Equal(Check, ClusterController.TickWait(Check, Now.AddHours(1), Now));

    [Fact]
    public void A_wake_up_before_the_next_check_shortens_the_wait_to_it() =>
        Assert.Equal(TimeSpan.FromMilliseconds(30), ClusterController.TickWait(Check, Now.AddMilliseconds(30), Now));

    [Fact]
    public void A_wake_up_already_due_does_not_wait() =>
        Assert.Equal(TimeSpan.Zero, ClusterController.TickWait(Check, Now.AddSeconds(-1), Now));
}

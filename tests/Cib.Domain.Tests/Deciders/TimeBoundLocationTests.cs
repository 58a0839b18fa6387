using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Xunit;

namespace Cib.Domain.Tests.Deciders;

/// <summary>
/// A location constraint with an end (<see cref="LocationConstraint.Until"/>, crm resource move/ban with a lifetime): it
/// applies before its end and not from it on; the end is a whole second; it is defined, updated and diffed as a field of
/// the constraint.
/// </summary>
public class TimeBoundLocationTests : DeciderSpec
{
    private static readonly ClusterConfiguration TwoResources = new ClusterConfigurationBuilder(Dummy("a"), Dummy("b")).With(Node("node1"));

    private static readonly DateTimeOffset End = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly LocationConstraint Prefer = new LocationConstraint("cli-prefer-a", "a", "node1", Score.Infinity) { Until = End };

    [Fact]
    public void Defines_a_location_with_its_end() =>
        Then(When(TwoResources, new DefineConstraint(Prefer)), new ConstraintDefined(ConstraintData.From(Prefer), Now));

    [Fact]
    public void The_end_folds_back_into_the_configuration()
    {
        var decision = When(TwoResources, new DefineConstraint(Prefer));
        var folded = ConfigurationDecider.Fold(decision.Events, TwoResources);
        Assert.Equal(End, Assert.IsType<LocationConstraint>(folded.Constraints["cli-prefer-a"]).Until);
    }

    [Fact]
    public void A_new_end_is_an_update_and_the_same_end_nothing()
    {
        var given = ConfigurationDecider.Evolve(TwoResources, new ConstraintDefined(ConstraintData.From(Prefer), Earlier));
        var later = Prefer with { Until = End.AddHours(1) };
        Then(When(given, new UpdateConstraint(later)), new ConstraintUpdated(ConstraintData.From(later), Now));
        ThenNothing(When(given, new DefineConstraint(Prefer with { Until = End.ToOffset(TimeSpan.FromHours(2)) })));
        var diff = ConfigurationDiff.Between(given, ConfigurationDecider.Evolve(given, new ConstraintUpdated(ConstraintData.From(later), Now)));
        Assert.Equal([new UpdateConstraint(later)], diff);
        Assert.Equal([new UpdateConstraint(Prefer with { Until = null })],
            ConfigurationDiff.Between(given, ConfigurationDecider.Evolve(given, new ConstraintUpdated(ConstraintData.From(Prefer with { Until = null }), Now))));
    }

    [Fact]
    public void Refuses_an_end_that_is_not_a_whole_second()
    {
        var error = ThenRefused(When(TwoResources, new DefineConstraint(Prefer with { Until = End.AddMilliseconds(250) })), "invalid-until");
        Assert.Equal("cli-prefer-a", error.Subject);
        Assert.Contains("2026-12-01T12:00:00.25Z", error.Message);
    }

    [Theory]
    [InlineData(-3600, true)]
    [InlineData(-1, true)]
    [InlineData(0, false)]
    [InlineData(1, false)]
    public void Applies_before_its_end_only(int secondsFromEnd, bool applies)
    {
        var now = End.AddSeconds(secondsFromEnd);
        Assert.Equal(applies, Prefer.AppliesAt(now));
        Assert.Equal(applies, Prefer.AppliesAt(now.ToUnixTimeSeconds()));
        Assert.True((Prefer with { Until = null }).AppliesAt(now));
    }

    [Fact]
    public void Applies_within_the_last_second_before_its_end() =>
        Assert.True(Prefer.AppliesAt(End.AddMilliseconds(-1)));

    [Fact]
    public void The_next_change_is_the_earliest_end_still_to_come()
    {
        Constraint[] constraints =
        [
            Prefer,
            new LocationConstraint("cli-ban-a-on-node1", "a", "node1", Score.MinusInfinity) { Until = End.AddMinutes(30) },
            new LocationConstraint("old", "b", "node1", Score.Of(5)) { Until = End.AddDays(-1) },
            new LocationConstraint("forever", "b", "node1", Score.Of(5)),
            new ColocationConstraint("col", "a", "b", Score.Infinity),
        ];
        Assert.Equal(End, LocationConstraint.NextChange(constraints, End.AddHours(-2)));
        Assert.Equal(End, LocationConstraint.NextChange(constraints, End.AddMilliseconds(-1)));
        Assert.Equal(End.AddMinutes(30), LocationConstraint.NextChange(constraints, End));
        Assert.Null(LocationConstraint.NextChange(constraints, End.AddMinutes(30)));
        Assert.Null(LocationConstraint.NextChange([], End));
    }

    [Fact]
    public void A_lifetime_ends_on_the_whole_second_below_now_plus_the_lifetime_in_utc()
    {
        var now = new DateTimeOffset(2026, 11, 30, 11, 59, 59, 750, TimeSpan.FromHours(1));
        Assert.True(Duration.TryParse("PT1H", out var hour));
        var end = LocationConstraint.EndOfLifetime(now, hour);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 11, 59, 59, TimeSpan.Zero), end);
        Assert.Equal(TimeSpan.Zero, end.Offset);
        Assert.Empty(ConfigurationValidator.ValidateConstraint(Prefer with { Until = end }));
    }

    [Theory]
    [InlineData("PT1H", 3600)]
    [InlineData("PT90M", 5400)]
    [InlineData("P1D", 86_400)]
    [InlineData("P1DT12H", 129_600)]
    public void A_lifetime_is_an_iso_8601_duration(string lifetime, int seconds)
    {
        var now = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        Assert.True(Duration.TryParse(lifetime, out var d));
        Assert.Equal(now.AddSeconds(seconds), LocationConstraint.EndOfLifetime(now, d));
    }
}

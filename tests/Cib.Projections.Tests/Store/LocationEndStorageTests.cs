using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Cib.Projections.Store;
using Xunit;

namespace Cib.Projections.Tests.Store;

/// <summary>
/// The end of a time-bound location is a field added to <c>cib.constraint_defined.v1</c> / <c>_updated.v1</c> without a
/// new version: stored only when set (in UTC), so what a constraint without an end stores is what v1 stored, and a v1
/// event (no field) reads as a constraint without an end.
/// </summary>
public class LocationEndStorageTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_v1_location_reads_as_one_without_an_end()
    {
        const string v1 = """{"constraint":{"$kind":"location","resource":"ip","node":"node1","score":"-INFINITY","resources":["ip"],"id":"loc"},"at":"2026-11-25T12:00:00+00:00"}""";
        var read = Assert.IsType<ConstraintDefined>(EventUpcasts.Read("cib.constraint_defined.v1", v1, CibEventLog.Json));
        Assert.Equal(new LocationConstraint("loc", "ip", "node1", Score.MinusInfinity), read.Constraint.ToConstraint());
        Assert.Null(((LocationConstraint)read.Constraint.ToConstraint()).Until);
    }

    [Fact]
    public void The_end_is_written_in_utc_only_when_set()
    {
        var without = new LocationConstraint("loc", "ip", "node1", Score.Infinity);
        Assert.DoesNotContain("until", System.Text.Json.JsonSerializer.Serialize(new ConstraintDefined(ConstraintData.From(without), At), CibEventLog.Json));

        var with = without with { Until = new DateTimeOffset(2026, 12, 1, 13, 0, 0, TimeSpan.FromHours(1)) };
        var json = System.Text.Json.JsonSerializer.Serialize(new ConstraintUpdated(ConstraintData.From(with), At), CibEventLog.Json);
        Assert.Contains("\"until\":\"2026-12-01T12:00:00+00:00\"", json);
        var read = Assert.IsType<ConstraintUpdated>(EventUpcasts.Read("cib.constraint_updated.v1", json, CibEventLog.Json));
        Assert.Equal(with, read.Constraint.ToConstraint());
    }
}

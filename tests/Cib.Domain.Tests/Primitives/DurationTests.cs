using Xunit;
using Cib.Domain.Primitives;

namespace Cib.Domain.Tests.PrimitiveTypes;

public class DurationTests
{
    [Theory]
    [InlineData("20", 20_000)]
    [InlineData("20s", 20_000)]
    [InlineData("500ms", 500)]
    [InlineData("2min", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("PT10S", 10_000)]
    [InlineData("0", 0)]
    public void Parses_pacemaker_durations(string text, long ms) => Assert.Equal(ms, Duration.Parse(text).Milliseconds);

    [Theory]
    [InlineData("")]
    [InlineData("ten")]
    [InlineData("10 parsecs")]
    [InlineData("-5s")]
    public void Refuses_what_is_not_a_duration(string text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData(20_000, "20s")]
    [InlineData(1_500, "1500ms")]
    [InlineData(0, "0s")]
    public void Renders_canonically(long ms, string text) => Assert.Equal(text, new Duration(ms).ToString());
}

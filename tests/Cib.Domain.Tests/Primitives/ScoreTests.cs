using Xunit;
using CsCheck;
using Cib.Domain.Primitives;

namespace Cib.Domain.Tests.PrimitiveTypes;

public class ScoreTests
{
    [Theory]
    [InlineData("INFINITY", 1_000_000)]
    [InlineData("+INFINITY", 1_000_000)]
    [InlineData("inf", 1_000_000)]
    [InlineData("-INFINITY", -1_000_000)]
    [InlineData("-inf", -1_000_000)]
    [InlineData("50", 50)]
    [InlineData("-7", -7)]
    [InlineData("2000000", 1_000_000)]
    [InlineData("-99999999999999999999", -1_000_000)]
    public void Parses_pacemaker_scores(string text, int expected) => Assert.Equal(expected, Score.Parse(text).Value);

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("INFINITE")]
    public void Refuses_what_is_not_a_score(string text) => Assert.False(Score.TryParse(text, out _));

    [Fact]
    public void Minus_infinity_wins_over_plus_infinity() =>
        Assert.Equal(Score.MinusInfinity, Score.Infinity + Score.MinusInfinity);

    [Fact]
    public void Renders_as_pacemaker_does()
    {
        Assert.Equal("INFINITY", Score.Infinity.ToString());
        Assert.Equal("-INFINITY", Score.MinusInfinity.ToString());
        Assert.Equal("-20", Score.Of(-20).ToString());
    }

    [Fact]
    public void Addition_saturates_and_minus_infinity_is_absorbing() =>
        Gen.Int[-2_000_000, 2_000_000].Select(Gen.Int[-2_000_000, 2_000_000]).Sample((a, b) =>
        {
            var sum = Score.Of(a) + Score.Of(b);
            if (Score.Of(a).IsMinusInfinite || Score.Of(b).IsMinusInfinite) return sum.IsMinusInfinite;
            if (Score.Of(a).IsInfinite || Score.Of(b).IsInfinite) return sum.IsInfinite;
            return sum.Value == Math.Clamp((long)Score.Of(a).Value + Score.Of(b).Value, -1_000_000, 1_000_000)
                   && (Score.Of(a) + Score.MinusInfinity).IsMinusInfinite;
        });

    [Fact]
    public void Addition_is_commutative() =>
        Gen.Int[-2_000_000, 2_000_000].Select(Gen.Int[-2_000_000, 2_000_000]).Sample((a, b) => Score.Of(a) + Score.Of(b) == Score.Of(b) + Score.Of(a));

    [Fact]
    public void Text_round_trips() =>
        Gen.Int[-1_000_000, 1_000_000].Sample(v => Score.Parse(Score.Of(v).ToString()) == Score.Of(v));
}

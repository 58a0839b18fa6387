using Cib.Domain.Configuration;
using Cib.Interop.Crm;
using CsCheck;
using Xunit;

namespace Cib.Interop.Tests.Crm;

/// <summary>Properties of the text form: parse(render(c)) == c, rendering is stable, bad text only ever gives errors.</summary>
public sealed class CrmRoundTripProperties
{
    [Fact]
    public void Parse_of_render_is_the_same_configuration()
    {
        ConfigurationGen.Any.Sample(c =>
        {
            var text = CrmRenderer.Render(c);
            var parsed = CrmParser.Parse(text);
            Assert.True(parsed.IsSuccess, text + "\n" + string.Join("\n", parsed.Errors));
            Assert.Equal(c, parsed.Parsed!.Configuration);
            Assert.Equal(text, CrmRenderer.Render(parsed.Parsed.Configuration));
        }, iter: 1500);
    }

    [Fact]
    public void Random_text_gives_a_result_never_an_exception()
    {
        var alphabet = Gen.Char["abcdefgimnoprstuvl:=#\"'\\ \t\n-_.0123456789{}()"];
        var words = Gen.OneOf<string>("node", "primitive", "group", "location", "colocation", "order", "property", "rsc_defaults",
            "op_defaults", "params", "meta", "op", "attributes", "rule", "inf:", "-inf:", "Mandatory:", "symmetrical=false", "\\\n", "\"", "#");
        var text = Gen.OneOf(alphabet.Array[0, 200].Select(cs => new string(cs)),
            Gen.OneOf(words, alphabet.Array[1, 8].Select(cs => new string(cs))).Array[0, 40].Select(ws => string.Join(' ', ws)));
        text.Sample(t =>
        {
            var result = CrmParser.Parse(t);
            Assert.True(result.IsSuccess ^ result.Errors.Count > 0);
            Assert.All(result.Errors, e => Assert.True(e.Line >= 0 && e.Column >= 0));
        }, iter: 3000);
    }

    [Fact]
    public void Mutated_valid_text_gives_a_result_never_an_exception()
    {
        var mutation = Gen.Select(ConfigurationGen.Any, Gen.Int[0, 10_000].Array[1, 6], Gen.Char["x:=#\"'\\ \n-9{"].Array[6, 6]);
        mutation.Sample((c, positions, chars) =>
        {
            var text = CrmRenderer.Render(c).ToCharArray().ToList();
            for (var i = 0; i < positions.Length && text.Count > 0; i++)
            {
                var at = positions[i] % text.Count;
                switch (positions[i] % 3)
                {
                    case 0: text.RemoveAt(at); break;
                    case 1: text.Insert(at, chars[i]); break;
                    default: text[at] = chars[i]; break;
                }
            }
            var result = CrmParser.Parse(new string([.. text]));
            Assert.True(result.IsSuccess ^ result.Errors.Count > 0);
            if (!result.IsSuccess) Assert.All(result.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
        }, iter: 1500);
    }

    [Fact]
    public void Diff_takes_any_configuration_to_any_other()
    {
        Gen.Select(ConfigurationGen.Any, ConfigurationGen.Any).Sample((a, b) =>
        {
            var commands = ConfigurationDiff.Between(a, b);
            var decision = ConfigurationDecider.Decide(new ChangeConfiguration(1, commands, DateTimeOffset.UnixEpoch, CrmParser.Parser), a);
            Assert.True(decision.IsAccepted, string.Join("\n", decision.Errors));
            Assert.Equal(b, ConfigurationDecider.Fold(decision.Events, a));
            Assert.Empty(ConfigurationDiff.Between(b, b));
        }, iter: 1500);
    }
}

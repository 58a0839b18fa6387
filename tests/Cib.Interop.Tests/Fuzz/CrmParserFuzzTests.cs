using System.Text;
using Cib.Interop.Crm;
using TestSupport;
using Xunit;

namespace Cib.Interop.Tests.Fuzz;

/// <summary>
/// Bad crm text never throws: the parser answers a configuration or errors, each at a line and column of the text
/// (1-based, inside it) with a message. Mutations of valid configurations and random text, seeded (a failure names its
/// seed and case, and runs again the same).
/// </summary>
public sealed class CrmParserFuzzTests
{
    private const int Cases = 2000;

    private static readonly string Rich = """
        node node1 attributes rack=a
        node node2 \
            utilization cpu=2
        primitive ip ocf:heartbeat:IPaddr2 params ip="192.0.2.10" cidr_netmask=24 meta target-role=Started \
            op monitor interval=10s timeout=20s on-fail=restart op start timeout=40s
        primitive fence stonith:fence_virsh params ip=192.0.2.1 pcmk_host_map="node1:vm1;node2:vm2" 'login'=root
        primitive web systemd:apache2 op monitor interval=30s
        group g ip web meta resource-stickiness=100
        location loc-1 g 50: node1
        location cli-ban-g-on-node2 g rule -inf: #uname eq node2 and date lt "2030-01-01T00:00:00Z"
        colocation col inf: web ip
        order ord Mandatory: ip web symmetrical=false
        property cib-bootstrap-options: stonith-enabled=true no-quorum-policy=stop # a comment
        rsc_defaults migration-threshold=3
        op_defaults timeout=20s
        """;

    private static IEnumerable<string> Seeds() => [File.ReadAllText(Path.Combine(Repo.Root, "docs", "examples", "apache-cluster.crm")), Rich];

    private static List<string> Tokens(string text) => Mutator.Split(text, "\"'\\=:#\n");

    /// <summary>The rule: no exception; a failure has errors, each located inside the text with a message.</summary>
    private static string? Violation(string text)
    {
        CrmParseResult result;
        try
        {
            result = CrmParser.Parse(text);
        }
        catch (Exception e)
        {
            return $"threw {e.GetType().Name}: {e.Message}";
        }
        if (result.IsSuccess) return result.Errors.Count == 0 ? null : "a success with errors";
        if (result.Errors.Count == 0) return "a failure without errors";
        var lines = text.Count(c => c == '\n') + 1;
        var bad = result.Errors.FirstOrDefault(e => e.Line < 1 || e.Line > lines || e.Column < 1 || string.IsNullOrWhiteSpace(e.Message));
        return bad is null ? null : $"an error without a place in the text ({lines} lines): {bad.Line}:{bad.Column} '{bad.Message}' [{bad.Code}]";
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Mutated_configurations_parse_or_fail_with_located_errors(int seed)
    {
        var mutator = new Mutator(seed);
        var seeds = Seeds().ToList();
        mutator.AssertNoViolation(Cases, i => mutator.Mutate(seeds[i % seeds.Count], Tokens), Violation);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Random_text_fails_with_located_errors(int seed)
    {
        var mutator = new Mutator(seed);
        string[] words = ["node", "primitive", "group", "location", "colocation", "order", "property", "params", "meta", "op",
            "rule", "and", "or", "not", "date", "lt", "inf:", "-inf:", "#uname", "eq", "x", "ocf:heartbeat:Dummy", "a=b", "\n", "\\\n"];
        mutator.AssertNoViolation(Cases, _ =>
        {
            var text = new StringBuilder();
            var n = mutator.Random.Next(1, 40);
            for (var k = 0; k < n; k++)
                text.Append(mutator.Random.Next(3) == 0 ? mutator.RandomText(mutator.Random.Next(1, 8)) : words[mutator.Random.Next(words.Length)]).Append(' ');
            return text.ToString();
        }, Violation);
    }

    [Fact]
    public void A_huge_configuration_parses()
    {
        var text = new StringBuilder("node node1\nnode node2\n");
        for (var i = 0; i < 3000; i++) text.Append($"primitive p{i} ocf:heartbeat:Dummy params state=/run/p{i} op monitor interval=10s\n");
        text.Append("group big ").AppendJoin(' ', Enumerable.Range(0, 3000).Select(i => $"p{i}")).Append('\n');

        var result = CrmParser.Parse(text.ToString());

        Assert.True(result.IsSuccess, string.Join("; ", result.Errors.Take(3)));
        Assert.Equal(3001, result.Parsed!.Configuration.Resources.Count);
    }

    [Fact]
    public void Ten_thousand_continued_lines_are_one_statement_and_its_error_is_on_its_last_line()
    {
        var text = "primitive p ocf:heartbeat:Dummy params" + string.Concat(Enumerable.Range(0, 10_000).Select(i => $" \\\n k{i}=v")) + " \\\n oops";

        var error = Assert.Single(CrmParser.Parse(text).Errors);

        Assert.Equal(10_002, error.Line);
        Assert.Equal((2, "oops"), (error.Column, error.Token));
    }

    [Fact]
    public void A_huge_identifier_and_a_huge_value_are_refused_or_kept_whole()
    {
        var id = new string('a', 200_000);
        var value = new string('v', 200_000);
        Assert.Null(Violation($"node {id}"));
        var result = CrmParser.Parse($"node n1\nprimitive p ocf:heartbeat:Dummy params state={value}");
        Assert.True(result.IsSuccess, string.Join("; ", result.Errors));
        Assert.Equal(value, Assert.IsType<Domain.Resources.Primitive>(result.Parsed!.Configuration.Resources["p"]).Params["state"]);
    }
}

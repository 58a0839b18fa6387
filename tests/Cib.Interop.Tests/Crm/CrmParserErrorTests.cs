using Xunit;
using static Cib.Interop.Tests.Crm.CrmText;

namespace Cib.Interop.Tests.Crm;

/// <summary>One test per error kind: the line, the column, the offending token and what was expected.</summary>
public sealed class CrmParserErrorTests
{
    [Fact]
    public void Unknown_statement()
    {
        var e = Error("node node1", "  primitve ip IPaddr2");
        Assert.Equal((2, 3), (e.Line, e.Column));
        Assert.Equal("primitve", e.Token);
        Assert.Contains("unknown statement 'primitve': expected one of node, primitive, group", e.Message);
    }

    [Fact]
    public void Known_but_unsupported_statement_is_named()
    {
        var e = Error("clone c ip");
        Assert.Equal((1, 1), (e.Line, e.Column));
        Assert.Contains("'clone' is not supported yet", e.Message);
    }

    [Theory]
    [InlineData("location l1 ip rule 100: pingd gt 0", 26, "pingd", "only rules on #uname are supported")]
    [InlineData("location l1 ip rule 100: #id eq 1", 26, "#id", "only rules on #uname are supported")]
    [InlineData("location l1 ip rule 100: #uname ne node1", 33, "ne", "only 'eq' is supported")]
    [InlineData("location l1 ip rule $id=r1 100: #uname eq node1", 21, "$id=r1", "rule option '$id=' is not supported yet")]
    [InlineData("location l1 ip rule 100: #uname eq node1 or #uname eq node2", 42, "or", "'or' is not supported")]
    [InlineData("location l1 ip rule 100: #uname eq node1 and pingd gt 0", 46, "pingd", "only a date expression may follow 'and'")]
    [InlineData("location l1 ip rule 100: #uname eq node1 and date gt \"2026-12-01T12:00:00Z\"", 51, "gt", "only 'date lt' (until an end) is supported")]
    [InlineData("location l1 ip rule 100: #uname eq node1 and date lt tomorrow", 54, "tomorrow", "is not a date")]
    [InlineData("location l1 ip rule 100: #uname eq node1 and date lt \"2026-12-01T12:00:00.5Z\"", 54, "2026-12-01T12:00:00.5Z", "is not a date")]
    [InlineData("location l1 ip rule 100: #uname eq node1 and date lt \"2026-12-01T12:00:00Z\" and x", 77, "and", "expected the end of the location statement")]
    public void Location_rules_other_than_crm_resources_are_refused_at_their_word(string line, int column, string token, string message)
    {
        var e = Error("node node1", Ip, line);
        Assert.Equal((3, column), (e.Line, e.Column));
        Assert.Equal(token, e.Token);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Location_rule_that_ends_early_names_what_is_missing()
    {
        var e = Error("node node1", Ip, "location l1 ip rule 100: #uname eq");
        Assert.Equal(3, e.Line);
        Assert.Contains("the node name after eq", e.Message);
    }

    [Fact]
    public void Location_without_a_colon_after_the_score()
    {
        var e = Error("location l1 ip 100 node1");
        Assert.Equal((1, 16), (e.Line, e.Column));
        Assert.Equal("100", e.Token);
        Assert.Contains("expected SCORE: NODE", e.Message);
    }

    [Fact]
    public void Score_that_is_not_a_score()
    {
        var e = Error("colocation c lots: a b");
        Assert.Equal((1, 14), (e.Line, e.Column));
        Assert.Contains("'lots' is not a score", e.Message);
    }

    [Fact]
    public void Statement_that_ends_early_points_past_its_last_word()
    {
        var e = Error("location l1 ip 100:");
        Assert.Equal((1, 20), (e.Line, e.Column));
        Assert.Equal("", e.Token);
        Assert.Contains("ends early: expected the node name", e.Message);
    }

    [Fact]
    public void Extra_words_after_a_complete_statement()
    {
        var e = Error("location l1 ip 100: node1 node2");
        Assert.Equal((1, 27), (e.Line, e.Column));
        Assert.Equal("node2", e.Token);
        Assert.Contains("expected the end of the location statement", e.Message);
    }

    [Fact]
    public void Colocation_roles_and_sets_are_named()
    {
        Assert.Contains("roles in colocations", Error("colocation c inf: a:Master b").Message);
        var set = Error("colocation c inf: a b c");
        Assert.Equal((1, 23), (set.Line, set.Column));
        Assert.Contains("resource sets are not supported yet", set.Message);
    }

    [Fact]
    public void Order_with_an_unknown_kind_or_option()
    {
        var kind = Error("order o Sometimes: a b");
        Assert.Equal((1, 9), (kind.Line, kind.Column));
        Assert.Contains("unknown order kind 'Sometimes'", kind.Message);
        var option = Error("order o Mandatory: a b require-all=false");
        Assert.Equal((1, 24), (option.Line, option.Column));
        Assert.Contains("expected symmetrical=true|false", option.Message);
        Assert.Contains("expected true or false", Error("order o Mandatory: a b symmetrical=maybe").Message);
    }

    [Fact]
    public void Primitive_with_a_malformed_agent()
    {
        var e = Error("primitive ip ocf::IPaddr2");
        Assert.Equal((1, 14), (e.Line, e.Column));
        Assert.Contains("expected class:[provider:]type", e.Message);
    }

    [Fact]
    public void Primitive_with_a_word_that_is_no_clause()
    {
        var e = Error("primitive ip IPaddr2 \\", "  params ip=1.2.3.4 \\", "  nic eth0");
        Assert.Equal((3, 3), (e.Line, e.Column));
        Assert.Equal("nic", e.Token);
        Assert.Contains("expected name=value, 'meta' or 'op'", e.Message);
    }

    [Fact]
    public void Operation_with_a_bad_duration()
    {
        var e = Error("primitive ip IPaddr2 op monitor interval=often");
        Assert.Equal((1, 25), (e.Line, e.Column));
        Assert.Contains("interval=often is not a duration", e.Message);
    }

    [Fact]
    public void A_name_given_twice_in_a_clause()
    {
        var e = Error("primitive ip IPaddr2 params ip=1.2.3.4 ip=1.2.3.5");
        Assert.Equal((1, 40), (e.Line, e.Column));
        Assert.Contains("'ip' is given twice", e.Message);
    }

    [Fact]
    public void Empty_clause_and_group_without_members()
    {
        var p = Error("primitive ip IPaddr2 params meta a=b");
        Assert.Equal((1, 29), (p.Line, p.Column));
        Assert.Contains("expected name=value after 'params'", p.Message);
        Assert.Contains("has no members", Error("group g").Message);
        Assert.Contains("a group takes no params", Error("group g a params x=y").Message);
    }

    [Fact]
    public void Property_set_other_than_the_bootstrap_options()
    {
        var e = Error("property my-options: a=b");
        Assert.Equal((1, 10), (e.Line, e.Column));
        Assert.Contains("only 'cib-bootstrap-options:' is supported", e.Message);
        Assert.Contains("expected name=value in property", Error("property stonith-enabled").Message);
    }

    [Fact]
    public void Unterminated_quote()
    {
        var e = Error("node node1", "primitive ip IPaddr2 params ip=\"1.2.3.4");
        Assert.Equal((2, 32), (e.Line, e.Column));
        Assert.Contains("unterminated quoted value", e.Message);
    }

    [Fact]
    public void Every_bad_line_is_reported_not_only_the_first()
    {
        var errors = Errors("nod node1", "node node2", "primitive", "location l1 ip rule x");
        Assert.Equal([1, 3, 4], errors.Select(e => e.Line));
    }

    // Semantic errors come from the domain's own validators, reported at the object's line.

    [Fact]
    public void Unknown_reference_names_the_line_of_the_constraint()
    {
        var e = Error(TwoNodes, Ip, "", "location l1 web 100: node1");
        Assert.Equal((5, 10), (e.Line, e.Column));
        Assert.Equal("l1", e.Token);
        Assert.Equal("unknown-reference", e.Code);
        Assert.Contains("names 'web', which is not a defined resource", e.Message);
    }

    [Fact]
    public void Unknown_node_in_a_location()
    {
        var e = Error(Ip, "location l1 ip 100: node9");
        Assert.Equal(2, e.Line);
        Assert.Contains("node 'node9', which is not a defined node", e.Message);
    }

    [Fact]
    public void Duplicate_id_is_reported_where_it_is_defined_again()
    {
        var e = Error(Ip, Fs, "group ip fs");
        Assert.Equal((3, 7), (e.Line, e.Column));
        Assert.Equal("duplicate-id", e.Code);
    }

    [Fact]
    public void Primitive_in_two_groups()
    {
        var e = Error(Ip, Fs, "group g1 ip fs", "group g2 fs");
        Assert.Equal(4, e.Line);
        Assert.Equal("member-of-two-groups", e.Code);
    }

    [Fact]
    public void Invalid_values_are_the_domain_validators_errors()
    {
        var meta = Error("node node1", "primitive ip IPaddr2 meta target-role=Sleeping");
        Assert.Equal((2, 11), (meta.Line, meta.Column));
        Assert.Contains("target-role=Sleeping", meta.Message);

        var property = Error("property no-quorum-policy=panic");
        Assert.Equal((1, 10), (property.Line, property.Column));
        Assert.Equal("invalid-value", property.Code);

        var defaults = Error("rsc_defaults resource-stickiness=1", "rsc_defaults migration-threshold=often");
        Assert.Equal((2, 14), (defaults.Line, defaults.Column));

        var fence = Error("primitive f stonith:fence_virsh params ip=hv");
        Assert.Equal("fence-device-without-hosts", fence.Code);

        // The then action defaults to the first one, so both are reported.
        var action = Errors(Ip, Fs, "order o Mandatory: ip:begin fs")[0];
        Assert.Equal(3, action.Line);
        Assert.Equal("invalid-action", action.Code);
    }

    [Fact]
    public void A_node_and_a_resource_with_the_same_name_are_told_apart()
    {
        var e = Error("node web", "node web attributes standby=on", "primitive web IPaddr2");
        Assert.Equal(2, e.Line);
        Assert.Equal("duplicate-id", e.Code);
    }

    [Fact]
    public void Format_is_file_line_column_message()
    {
        var e = Error("location l1 ip 100 node1");
        Assert.StartsWith("cluster.crm:1:16: unexpected '100'", e.Format("cluster.crm"));
    }
}

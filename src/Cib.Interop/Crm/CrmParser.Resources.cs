using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Interop.Crm;

public static partial class CrmParser
{
    private static readonly string[] PrimitiveClauses = ["params", "meta", "op", "utilization", "op_params", "op_meta"];
    private static readonly string[] GroupClauses = ["meta", "params"];

    /// <summary><c>primitive ID class:[provider:]type [params ...] [meta ...] [op NAME name=value ...]...</c>; a bare type means ocf:heartbeat:type, as in crm.</summary>
    private static SourceItem ParsePrimitive(Cursor c)
    {
        var id = ReadId(c, "a primitive id");
        var agentToken = ReadId(c, "a resource agent (class:[provider:]type, e.g. ocf:heartbeat:IPaddr2)");
        if (agentToken.Text.StartsWith('@'))
            throw c.Fail(agentToken, $"resource templates ('{agentToken.Text}') are not supported yet: expected class:[provider:]type");
        ResourceAgent agent;
        if (!agentToken.Text.Contains(':'))
            agent = new ResourceAgent(ResourceAgent.Ocf, "heartbeat", agentToken.Text);
        else if (!ResourceAgent.TryParse(agentToken.Text, out agent))
            throw c.Fail(agentToken, $"'{agentToken.Text}' is not a resource agent: expected class:[provider:]type, e.g. ocf:heartbeat:IPaddr2 or stonith:external/libvirt");

        var parameters = ValueMap.Empty;
        var meta = ValueMap.Empty;
        var operations = new List<OperationDefinition>();
        while (c.Peek is { } clause)
        {
            c.Next("");
            if (clause.Is("params"))
                parameters = Merge(c, clause, parameters, ReadPairs(c, clause, PrimitiveClauses, "name=value, 'meta' or 'op'"));
            else if (clause.Is("meta"))
                meta = Merge(c, clause, meta, ReadPairs(c, clause, PrimitiveClauses, "name=value, 'params' or 'op'"));
            else if (clause.Is("op"))
                operations.Add(ParseOperation(c, clause));
            else if (clause.Is("utilization") || clause.Is("op_params") || clause.Is("op_meta"))
                throw c.Fail(clause, $"'{clause.Text}' is not supported yet: expected params, meta or op");
            else
                throw c.Fail(clause, $"unexpected '{clause.Text}': expected params, meta, op or the end of the primitive statement");
        }
        var primitive = new Primitive(id.Text, agent, parameters, meta, operations.ToValueList());
        return new SourceItem(SourceKind.Resource, id.Text, id.Position, new DefinePrimitive(primitive));
    }

    /// <summary><c>op NAME [interval=D] [timeout=D] [on-fail=X] [name=value ...]</c>; interval defaults to 0.</summary>
    private static OperationDefinition ParseOperation(Cursor c, CrmToken clause)
    {
        var name = ReadId(c, "an operation name (monitor, start, stop, ...)");
        if (PrimitiveClauses.Any(name.Is))
            throw c.Fail(name, $"unexpected '{name.Text}': expected an operation name (monitor, start, stop, ...) after 'op'");
        var pairs = ReadPairs(c, clause, PrimitiveClauses, "name=value, 'op', 'params' or 'meta'", atLeastOne: false);
        var interval = Duration.Zero;
        Duration? timeout = null;
        string? onFail = null;
        var rest = ValueMap.Empty;
        foreach (var (k, v) in pairs)
        {
            switch (k)
            {
                case "interval":
                    interval = ReadDuration(c, name, k, v);
                    break;
                case "timeout":
                    timeout = ReadDuration(c, name, k, v);
                    break;
                case "on-fail":
                    onFail = v;
                    break;
                default:
                    rest = rest.Set(k, v);
                    break;
            }
        }
        return new OperationDefinition(name.Text, interval, timeout, onFail, rest);
    }

    private static Duration ReadDuration(Cursor c, CrmToken operation, string key, string value) =>
        Duration.TryParse(value, out var d)
            ? d
            : throw c.Fail(operation, $"op {operation.Text}: {key}={value} is not a duration: expected e.g. 10s, 500ms, 2min");

    /// <summary><c>group ID MEMBER... [meta name=value ...]</c>.</summary>
    private static SourceItem ParseGroup(Cursor c)
    {
        var id = ReadId(c, "a group id");
        var members = new List<string>();
        while (c.Peek is { } t && !GroupClauses.Any(t.Is))
        {
            c.Next("");
            if (t.IsPair) throw c.Fail(t, $"unexpected '{t.Text}': expected a member id or 'meta'");
            members.Add(t.Text);
        }
        if (members.Count == 0)
            throw c.Peek is { } next
                ? c.Fail(next, $"unexpected '{next.Text}': expected at least one member of group '{id.Text}'")
                : c.FailAtEnd($"group '{id.Text}' has no members: expected at least one member id");
        var meta = ValueMap.Empty;
        while (c.Peek is { } clause)
        {
            c.Next("");
            if (clause.Is("meta"))
                meta = Merge(c, clause, meta, ReadPairs(c, clause, GroupClauses, "name=value"));
            else if (clause.Is("params"))
                throw c.Fail(clause, "a group takes no params: expected 'meta' or the end of the group statement");
            else
                throw c.Fail(clause, $"unexpected '{clause.Text}': expected 'meta' or the end of the group statement");
        }
        var group = new Group(id.Text, members.ToValueList(), meta);
        return new SourceItem(SourceKind.Resource, id.Text, id.Position, new DefineGroup(group));
    }
}

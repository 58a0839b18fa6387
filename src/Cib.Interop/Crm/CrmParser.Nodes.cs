using Cib.Domain.Nodes;
using Cib.Domain.Primitives;

namespace Cib.Interop.Crm;

public static partial class CrmParser
{
    private static readonly string[] NodeClauses = ["attributes", "utilization"];

    /// <summary><c>node [ID:] NAME[:normal] [attributes name=value ...]</c>; the numeric id crm shows is the membership layer's and is not kept.</summary>
    private static SourceItem ParseNode(Cursor c)
    {
        var name = ReadId(c, "a node name");
        if (!name.Quoted && name.Text.EndsWith(':'))
            name = ReadId(c, $"a node name after the node id '{name.Text}'");
        var nodeName = name.Text;
        if (name.LastColonAt > 0)
        {
            var type = nodeName[(name.LastColonAt + 1)..];
            if (type is not ("normal" or "member"))
                throw c.Fail(name, $"node type '{type}' is not supported: expected a cluster node (NAME or NAME:normal)");
            nodeName = nodeName[..name.LastColonAt];
        }
        var attributes = ValueMap.Empty;
        while (c.Peek is { } clause)
        {
            c.Next("");
            if (clause.Is("attributes"))
                attributes = Merge(c, clause, attributes, ReadPairs(c, clause, NodeClauses, "name=value or 'utilization'"));
            else if (clause.Is("utilization"))
                throw c.Fail(clause, "node utilization is not supported yet: expected 'attributes name=value ...'");
            else
                throw c.Fail(clause, $"unexpected '{clause.Text}': expected 'attributes name=value ...' or the end of the node statement");
        }
        return new SourceItem(SourceKind.Node, nodeName, name.Position, new DefineNode(nodeName, attributes));
    }

    /// <summary>A clause given twice (params ... params ...) adds up; a name given in both is an error.</summary>
    private static ValueMap Merge(Cursor c, CrmToken clause, ValueMap earlier, ValueMap more)
    {
        foreach (var (k, v) in more)
        {
            if (earlier.ContainsKey(k)) throw c.Fail(clause, $"'{k}' is given twice in {clause.Text}: expected each name once");
            earlier = earlier.Set(k, v);
        }
        return earlier;
    }
}

using System.Security.Cryptography;
using System.Text;
using Cib.Domain.Primitives;

namespace Cib.Projections.Policy.Reconcile;

/// <summary>
/// Pacemaker's op-digest: MD5 of the parameters written as <c> &lt;parameters k="v" .../&gt;</c> (with the leading space) plus a newline,
/// keys sorted. A recorded digest that differs means the definition changed and the resource must restart.
/// </summary>
public static class ParameterDigest
{
    public static string Of(ValueMap parameters)
    {
        var sb = new StringBuilder(" <parameters");
        foreach (var (k, v) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            sb.Append(' ').Append(k).Append("=\"").Append(Escape(v)).Append('"');
        sb.Append("/>\n");
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    private static string Escape(string v) => v.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}

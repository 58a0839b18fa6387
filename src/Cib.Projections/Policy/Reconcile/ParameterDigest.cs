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
        return Convert.ToHexStringLower(Md5.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>
    /// The digest a sanitized CIB keeps (op-secure-digest): without secrets (passwords) and, for fence devices,
    /// without the pcmk_* options, so that a CIB with masked passwords does not look changed.
    /// </summary>
    public static string Secure(ValueMap parameters) =>
        Of(ValueMap.Of(parameters.Where(p => !IsSecret(p.Key) && !p.Key.StartsWith("pcmk_", StringComparison.Ordinal))));

    private static bool IsSecret(string key) => key is "passwd" or "password" or "secret" || key.EndsWith("_password", StringComparison.Ordinal);

    private static string Escape(string v) => v.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}

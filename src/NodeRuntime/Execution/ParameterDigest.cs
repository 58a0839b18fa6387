using System.Security.Cryptography;
using System.Text;
using Cib.Domain.Primitives;

namespace NodeRuntime.Execution;

/// <summary>
/// A digest of the instance parameters an action ran with (Pacemaker's op digest): the planner compares
/// it with the configured parameters to see that a running resource needs a restart after an edit.
/// SHA-256 over "name=value\n" in ordinal name order, first 16 bytes in hex.
/// </summary>
public static class ParameterDigest
{
    public static string Of(ValueMap parameters)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            text.Append(name).Append('=').Append(value).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))[..16]);
    }
}

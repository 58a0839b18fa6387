using Cib.Domain.Configuration;
using Cib.Interop.Crm;
using Xunit;

namespace Cib.Interop.Tests.Crm;

/// <summary>Helpers: parse text that must parse, or must fail with one error.</summary>
internal static class CrmText
{
    public static ClusterConfiguration Parse(params string[] lines)
    {
        var result = CrmParser.Parse(string.Join("\n", lines));
        Assert.True(result.IsSuccess, "expected the text to parse, got: " + string.Join("; ", result.Errors));
        return result.Parsed!.Configuration;
    }

    public static ConfigurationError Error(params string[] lines)
    {
        var result = CrmParser.Parse(string.Join("\n", lines));
        Assert.False(result.IsSuccess, "expected an error");
        Assert.Null(result.Parsed);
        return Assert.Single(result.Errors);
    }

    public static IReadOnlyList<ConfigurationError> Errors(params string[] lines)
    {
        var result = CrmParser.Parse(string.Join("\n", lines));
        Assert.False(result.IsSuccess, "expected errors");
        return result.Errors;
    }

    public const string TwoNodes = "node node1\nnode node2";
    public const string Ip = "primitive ip ocf:heartbeat:IPaddr2 params ip=192.0.2.10";
    public const string Fs = "primitive fs ocf:heartbeat:Filesystem params device=/dev/sdb1 directory=/srv fstype=xfs";
}

using System.Globalization;
using Cib.Domain.Resources;
using NodeRuntime.Execution;

namespace NodeRuntime.Agents;

/// <summary>
/// The environment Pacemaker's executor gives an OCF agent: OCF_ROOT, the OCF version, the resource
/// instance, type and provider, every instance parameter as <c>OCF_RESKEY_name</c>, and the
/// <c>OCF_RESKEY_CRM_meta_*</c> variables (timeout and interval in ms, operation name, node name,
/// the resource's meta attributes with '-' written as '_', and the operation's own attributes).
/// </summary>
public static class OcfEnvironment
{
    public const string DefaultRoot = "/usr/lib/ocf";
    public const string ExitReasonPrefix = "ocf-exit-reason:";
    public const string FeatureSet = "3.17.4";

    public static Dictionary<string, string> For(ActionRequest request, string nodeName, string ocfRoot)
    {
        var p = request.Resource;
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OCF_ROOT"] = ocfRoot,
            ["OCF_RA_VERSION_MAJOR"] = "1",
            ["OCF_RA_VERSION_MINOR"] = "1",
            ["OCF_RESOURCE_INSTANCE"] = p.Id,
            ["OCF_RESOURCE_TYPE"] = p.Agent.Type,
            ["OCF_EXIT_REASON_PREFIX"] = ExitReasonPrefix,
            ["OCF_RESKEY_crm_feature_set"] = FeatureSet,
            ["HA_LOGFACILITY"] = "none",
            ["HA_LOGFILE"] = "/dev/null",
            ["HA_DEBUG"] = "0",
        };
        if (p.Agent.Provider is { } provider) env["OCF_RESOURCE_PROVIDER"] = provider;
        foreach (var (name, value) in p.Params) env["OCF_RESKEY_" + name] = value;
        foreach (var (name, value) in p.Meta) env["OCF_RESKEY_CRM_meta_" + MetaName(name)] = value;

        var op = p.Operations.FirstOrDefault(o => o.Name == request.Operation && o.Interval.Milliseconds == request.IntervalMs);
        if (op is not null)
        {
            foreach (var (name, value) in op.Attributes)
            {
                env["OCF_RESKEY_CRM_meta_" + MetaName(name)] = value;
                // Pacemaker passes the check depth both ways; ocf-shellfuncs reads OCF_CHECK_LEVEL.
                if (name.Equals("OCF_CHECK_LEVEL", StringComparison.OrdinalIgnoreCase)) env["OCF_CHECK_LEVEL"] = value;
            }
            if (op.OnFail is { } onFail) env["OCF_RESKEY_CRM_meta_on_fail"] = onFail;
        }
        env["OCF_RESKEY_CRM_meta_name"] = request.Operation;
        env["OCF_RESKEY_CRM_meta_interval"] = request.IntervalMs.ToString(CultureInfo.InvariantCulture);
        env["OCF_RESKEY_CRM_meta_timeout"] = ((long)request.Timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        env["OCF_RESKEY_CRM_meta_on_node"] = nodeName;
        env["OCF_RESKEY_CRM_meta_on_node_uuid"] = nodeName;
        return env;
    }

    private static string MetaName(string name) => name.Replace('-', '_');

    /// <summary>Path of an OCF agent, or null when the provider or type could escape the agent directory.</summary>
    public static string? AgentPath(ResourceAgent agent, string ocfRoot)
    {
        if (agent.Provider is not { } provider || !SafeName(provider) || !SafeName(agent.Type)) return null;
        return Path.Combine(ocfRoot, "resource.d", provider, agent.Type);
    }

    internal static bool SafeName(string name) =>
        name.Length > 0 && name != "." && name != ".." && !name.Contains('/') && !name.Contains('\0');
}

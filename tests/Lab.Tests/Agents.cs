namespace Lab.Tests;

/// <summary>Runs Debian's OCF agents by hand on a lab node, as the node runtime would.</summary>
internal static class Agents
{
    public static Task<CommandResult> RunAsync(LabSupport.Lab lab, string node, string agent, string action, params (string Key, string Value)[] parameters) =>
        lab.ExecAsync(node,
        [
            "env", "OCF_ROOT=/usr/lib/ocf", $"OCF_RESOURCE_INSTANCE=lab-{agent}", "OCF_RESKEY_CRM_meta_timeout=20000",
            .. parameters.Select(p => $"OCF_RESKEY_{p.Key}={p.Value}"),
            $"/usr/lib/ocf/resource.d/heartbeat/{agent}", action,
        ]);

    public static Task<CommandResult> Vip(LabSupport.Lab lab, string node, string action) =>
        RunAsync(lab, node, "IPaddr2", action, ("ip", LabSupport.Lab.Vip), ("cidr_netmask", "24"), ("nic", "eth0"));

    public static Task<CommandResult> SharedFs(LabSupport.Lab lab, string node, string action) =>
        RunAsync(lab, node, "Filesystem", action, ("device", lab.DiskDevice), ("directory", LabSupport.Lab.SharedMount), ("fstype", "ext4"));

    public static Task<CommandResult> Apache(LabSupport.Lab lab, string node, string action) =>
        RunAsync(lab, node, "apache", action, ("configfile", LabSupport.Lab.ApacheConfig), ("statusurl", $"http://{LabSupport.Lab.Vip}/server-status"));
}

namespace Soak;

/// <summary>The soak's cluster: the lab's Apache cluster (its group, fencing on) with more VIPs and Dummy resources.</summary>
public static class SoakCluster
{
    public static string Configuration(string labApacheCluster, int vips, int dummies)
    {
        var extra = new System.Text.StringBuilder();
        for (var i = 1; i <= vips; i++)
            extra.Append($"primitive {Judge.IpPrefix}{i} ocf:heartbeat:IPaddr2 \\\n\tparams cidr_netmask=24 ip={Judge.VipAddress(i)} nic=eth0 \\\n\top monitor interval=10s timeout=20s\n");
        for (var i = 1; i <= dummies; i++)
            extra.Append($"primitive {Judge.DummyPrefix}{i} ocf:heartbeat:Dummy \\\n\tparams fake=0 \\\n\top monitor interval=10s timeout=20s\n");
        return labApacheCluster.TrimEnd() + "\n" + extra;
    }
}

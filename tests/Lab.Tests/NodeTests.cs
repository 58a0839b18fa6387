using System.Text.RegularExpressions;

namespace Lab.Tests;

[Collection(LabCollection.Name)]
public sealed class NodeTests(LabFixture fixture)
{
    private readonly LabSupport.Lab _lab = fixture.Lab;

    [LabFact]
    public async Task Every_node_is_its_own_host_with_a_private_run_and_only_the_lab_subnet()
    {
        Assert.Equal(["node1", "node2"], _lab.Nodes);
        foreach (var node in _lab.Nodes)
        {
            var r = await _lab.ShellAsync(node, "hostname; ip -4 -o addr show dev eth0 | awk '{print $4}'; ip route; echo pid1=$(cat /proc/1/comm)");
            Assert.True(r.Succeeded, r.ToString());
            var lines = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(node, lines[0]);
            Assert.Equal(LabSupport.Lab.Address(node) + "/24", lines[1]);
            Assert.DoesNotContain(lines, l => l.StartsWith("default", StringComparison.Ordinal));
            Assert.Contains("pid1=tini", lines);
        }
        var write = await _lab.ShellAsync("node1", "echo mine > /run/resource-agents/lab-probe");
        Assert.True(write.Succeeded, write.ToString());
        Assert.True((await _lab.ShellAsync("node1", "test -f /run/resource-agents/lab-probe")).Succeeded);
        Assert.False((await _lab.ShellAsync("node2", "test -f /run/resource-agents/lab-probe")).Succeeded);
        Assert.False(File.Exists("/run/resource-agents/lab-probe"));
    }

    [LabFact]
    public async Task Every_node_reaches_the_store_on_the_bridge_and_the_hypervisor_over_ssh()
    {
        var port = Regex.Match(_lab.StoreUrlForNodes, @"Port=(\d+)").Groups[1].Value;
        var database = Regex.Match(_lab.StoreUrlForNodes, @"Database=([^;]+)").Groups[1].Value;
        var passfile = Regex.Match(_lab.StoreUrlForNodes, @"Passfile=([^;]+)").Groups[1].Value;
        Assert.Contains($"Host={LabSupport.Lab.HostAddress}", _lab.StoreUrlForNodes);
        // The node runtimes' own role, with its password (scram); the superuser is not let in from the subnet (decision 0010).
        Assert.Contains("Username=ha_node", _lab.StoreUrlForNodes);
        Assert.DoesNotContain("Password", _lab.StoreUrlForNodes, StringComparison.OrdinalIgnoreCase);
        foreach (var node in _lab.Nodes)
        {
            var sql = await _lab.ExecAsync(node, "env", $"PGPASSFILE={passfile}", "psql", "-w", "-h", LabSupport.Lab.HostAddress, "-p", port,
                "-U", "ha_node", "-d", database, "-tAc", "SELECT inet_client_addr()");
            Assert.True(sql.Succeeded, sql.ToString());
            Assert.Equal(LabSupport.Lab.Address(node), sql.Output.Trim());
            var superuser = await _lab.ExecAsync(node, "psql", "-w", "-h", LabSupport.Lab.HostAddress, "-p", port, "-U", "postgres", "-d", database, "-tAc", "SELECT 1");
            Assert.False(superuser.Succeeded, superuser.ToString());
            var passwordless = await _lab.ExecAsync(node, "env", "PGPASSFILE=/dev/null", "psql", "-w", "-h", LabSupport.Lab.HostAddress, "-p", port,
                "-U", "ha_node", "-d", database, "-tAc", "SELECT 1");
            Assert.False(passwordless.Succeeded, passwordless.ToString());

            var virsh = await _lab.ExecAsync(node, _lab.Ssh(LabSupport.Lab.HostAddress, "virsh", "domstate", node));
            Assert.True(virsh.Succeeded, virsh.ToString());
            Assert.Equal("running", virsh.Output.Trim());
        }
    }
}

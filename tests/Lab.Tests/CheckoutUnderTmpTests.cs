using TestSupport;

namespace Lab.Tests;

/// <summary>
/// Issue 14 item 5: a lab machine (node or store member) mounts its own tmpfs on /tmp, which hid a checkout under /tmp
/// (a new user's clone there failed every lab test: "node1 did not start"). The lab keeps the checkout visible at its
/// own path inside (lab/private-mounts.sh). The checkout is bind-mounted under /tmp here and the lab run from there,
/// with the replicated store so that the store members' data directories live under /tmp too.
/// </summary>
public sealed class CheckoutUnderTmpTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _checkout = Path.Combine("/tmp", $"ha-checkout-{Guid.NewGuid():N}"[..24]);
    private LabSupport.Lab? _lab;

    public async Task InitializeAsync()
    {
        if (!LabSupport.Lab.IsRoot) return;
        Directory.CreateDirectory(_checkout);
        await Command.RunAsync("mount", ["--bind", Repo.Root, _checkout]).Checked();
        _lab = new LabSupport.Lab(_checkout);
    }

    public async Task DisposeAsync()
    {
        if (_lab is null) return;
        await _lab.DownAsync();
        await Command.RunAsync("umount", [_checkout]).Checked();
        Directory.Delete(_checkout);
    }

    [LabFact]
    public async Task The_lab_runs_from_a_checkout_under_tmp()
    {
        var lab = _lab!;
        var haNode = Path.Combine(_checkout, "src", "NodeRuntime", "bin", "Release", "net10.0", "ha-node");
        // The node's boot command reads the checkout: it is the node's proof that it sees it.
        await lab.UpAsync(1, boot: $"test -x '{haNode}' && echo \"checkout visible: $(cat /run/ha-lab/store-url | cut -d';' -f1)\"; exec sleep infinity",
            replicatedStore: true);
        Assert.StartsWith(_checkout, lab.StateDirectory, StringComparison.Ordinal);

        var inNode = await lab.ExecAsync("node1", "/bin/bash", "-c", $"findmnt -n -o FSTYPE /tmp; test -x '{haNode}' && echo ha-node-visible");
        output.WriteLine(inNode.Output);
        Assert.Contains("tmpfs", inNode.Output);
        Assert.Contains("ha-node-visible", inNode.Output);
        var console = await File.ReadAllTextAsync(Path.Combine(lab.StateDirectory, "nodes", "node1", "console.log"));
        // On the replicated store a node connects through its own route to the primary (decision 0014).
        Assert.Contains("checkout visible: Host=127.0.0.1", console);

        // The store members keep their data under the checkout's .ha/lab/store/, under /tmp here, and run.
        var status = await lab.StoreStatusAsync();
        output.WriteLine(status.Text);
        Assert.NotNull(status.Leader);
        Assert.All(status.Members, m => Assert.Equal("running", m.State));
        Assert.True(File.Exists(Path.Combine(lab.StateDirectory, "store", "s1", "pgdata", "PG_VERSION")));
    }
}

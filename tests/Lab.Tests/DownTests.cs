namespace Lab.Tests;

/// <summary>Its own lab, not the shared one: `down` must remove everything, also what a crashed `up` left.</summary>
public sealed class DownTests
{
    private readonly LabSupport.Lab _lab = new();

    [LabFact]
    public async Task Down_leaves_nothing_behind_even_after_a_half_finished_up()
    {
        await _lab.UpAsync(1);
        var tini = _lab.TiniPid("node1");
        Assert.NotNull(tini);
        var sshd = int.Parse(File.ReadAllText(Path.Combine(_lab.HypervisorDirectory, "sshd.pid")).Trim());
        var image = _lab.DiskImage;
        // What a crash in the middle of a bigger `up` would leave: a namespace and a link with no node.
        await Command.RunAsync("ip", ["netns", "add", "ha-n7"]).Checked();
        await Command.RunAsync("ip", ["link", "add", "ha-n7-h", "type", "veth", "peer", "name", "ha-n7-c"]).Checked();
        await Command.RunAsync("mount", [_lab.DiskDevice, LabSupport.Lab.SharedMount]).Checked();

        await _lab.DownAsync();

        Assert.DoesNotContain((await Command.RunAsync("ip", ["netns", "list"])).Output.Split('\n'), l => l.StartsWith("ha-", StringComparison.Ordinal));
        var links = (await Command.RunAsync("ip", ["-o", "link", "show"])).Output.Split('\n')
            .Select(l => l.Split(": ")).Where(f => f.Length > 1).Select(f => f[1].Split('@')[0]).ToList();
        Assert.DoesNotContain(links, l => l.StartsWith("ha-", StringComparison.Ordinal));
        var loops = (await Command.RunAsync("losetup", ["-l", "-n", "-O", "NAME,BACK-FILE"])).Output;
        Assert.DoesNotContain(image, loops);
        Assert.DoesNotContain(".ha/lab/disk", loops);
        Assert.False(LabSupport.ProcFs.IsLiveProcess(tini.Value, "tini"));
        Assert.False(LabSupport.ProcFs.IsLiveProcess(sshd, "sshd"));
        Assert.DoesNotContain(LabSupport.Lab.SharedMount, File.ReadAllText("/proc/self/mounts"));
        Assert.Equal(3, (await _lab.StatusAsync()).ExitCode);

        await _lab.DownAsync(); // idempotent
    }
}

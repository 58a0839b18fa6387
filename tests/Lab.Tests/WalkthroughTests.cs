using TestSupport;

namespace Lab.Tests;

/// <summary>
/// The how-to an admin follows, through hactl and each node's API on a real 2-node lab (its own lab, not the shared
/// one): the store host loads the nodes, properties and the stopped fence device; as an admin through the API, start
/// the fence device, load the Apache primitives and their group, start the group, clean it up. It ends with the group
/// running on one node and a clean status (no failed operation, no fail count, no transition in progress).
/// </summary>
public sealed class WalkthroughTests(ITestOutputHelper output)
{
    [LabFact]
    public async Task The_how_to_through_hactl_ends_with_the_group_on_one_node_and_a_clean_status()
    {
        var script = Path.Combine(Repo.Root, "lab", "failover.sh");
        var result = await Command.RunAsync(script, ["walkthrough"], new Dictionary<string, string> { ["HA_LAB_SKIP_BUILD"] = "1" }, TimeSpan.FromMinutes(6));
        output.WriteLine(result.ToString());
        Assert.True(result.Succeeded, result.ToString());
        // Each step went through the API and appended what it says; the group runs, once, on a node.
        Assert.Contains("$ hactl resource start fence-virt", result.Error);
        Assert.Contains("$ hactl resource cleanup apache-group", result.Error);
        Assert.Matches(@"load update \S+seed-apache\.crm: version \d+ -> \d+", result.Error);
        Assert.Matches(@"walkthrough: ok, apache-group on node[12]", result.Output);
    }
}

using Cib.Projections.Store;
using NodeRuntime.Agents;
using NodeRuntime.Tests.Support;
using TestSupport;

namespace NodeRuntime.Tests.Agents;

/// <summary>
/// A node's report of its agents (decision 0017) on a real store, with agents of the test's own in a private OCF root
/// and fence directory: each meta-data run counts itself in a file, so the test sees which agents were really run.
/// </summary>
public sealed class AgentReportTests : IAsyncLifetime, IDisposable
{
    private TestDatabase _db = null!;
    private readonly Scratch _scratch = new();
    private string OcfRoot => _scratch.File("ocf");
    private string FenceDirectory => _scratch.File("sbin");
    private string Runs => _scratch.File("runs");

    public async Task InitializeAsync() => _db = await TestDatabase.CreateWithSchemaAsync("noderuntime_agents");

    public async Task DisposeAsync() => await _db.DisposeAsync();

    public void Dispose() => _scratch.Dispose();

    private string Agent(string path, string name, string metadataArguments, string? metadata) =>
        TestExecutors.Script(path, $$"""
            #!/bin/sh
            if [ "$*" = "{{metadataArguments}}" ]; then
              echo "{{name}}" >> "{{Runs}}"
              {{(metadata is null ? "echo 'no meta-data here' >&2; exit 1" : $"cat <<'XML'\n{metadata}\nXML")}}
              exit 0
            fi
            exit 3
            """);

    private static string Metadata(string name, string version) => $"""
        <?xml version="1.0"?>
        <resource-agent name="{name}" version="{version}">
          <version>1.0</version>
          <shortdesc lang="en">{name} of the test</shortdesc>
          <parameters><parameter name="size" required="1"><content type="integer"/><shortdesc lang="en">how big</shortdesc></parameter></parameters>
          <actions><action name="start" timeout="20s"/><action name="monitor" timeout="20s" interval="10s"/></actions>
        </resource-agent>
        """;

    private string[] RunsSoFar() => File.Exists(Runs) ? File.ReadAllLines(Runs) : [];

    private AgentMetadataCatalog Catalog() => new(OcfRoot, FenceDirectory);

    [Fact]
    public async Task A_node_reports_its_agents_with_their_meta_data_reads_each_once_and_keeps_up_with_changes()
    {
        Agent(Path.Combine(OcfRoot, "resource.d", "test", "Good"), "Good", "meta-data", Metadata("Good", "1"));
        Agent(Path.Combine(OcfRoot, "resource.d", "test", "Broken"), "Broken", "meta-data", null);
        Agent(Path.Combine(FenceDirectory, "fence_test"), "fence_test", "-o metadata", Metadata("fence_test", "1"));
        var store = new NodeAgents(_db.DataSource);

        // node a reads every agent of its own; the built-in external/libvirt describes itself without a run.
        var first = await AgentReport.RunAsync(store, "a", Catalog());
        Assert.Equal(new AgentReport.Result(4, 4, 1), first);
        Assert.Equal(["Broken", "Good", "fence_test"], RunsSoFar().Order(StringComparer.Ordinal));
        var listed = (await store.ListAsync()).ToDictionary(a => a.Agent);
        Assert.Equal(["ocf:test:Broken", "ocf:test:Good", "stonith:external/libvirt", "stonith:fence_test"], listed.Keys);
        Assert.True(listed["ocf:test:Good"].Described && listed["stonith:fence_test"].Described && listed["stonith:external/libvirt"].Described);
        Assert.False(listed["ocf:test:Broken"].Described);
        Assert.Contains("meta-data exited 1", listed["ocf:test:Broken"].Error);
        Assert.Contains("name=\"Good\"", await store.MetadataAsync("ocf:test:Good"));
        var libvirt = await store.MetadataAsync("stonith:external/libvirt");
        Assert.Contains("name=\"hostlist\" required=\"1\"", libvirt);
        Assert.Contains("name=\"hypervisor_uri\" required=\"1\"", libvirt);

        // node b has the same files (same stamps): it takes a's meta-data and runs nothing.
        Assert.Equal(new AgentReport.Result(4, 1, 1), await AgentReport.RunAsync(store, "b", Catalog()));
        Assert.Equal(["Broken", "Good", "fence_test", "Broken"], RunsSoFar());
        Assert.Equal(["a", "b"], (await store.ListAsync()).Single(a => a.Agent == "ocf:test:Good").Nodes);

        // a starts again unchanged: nothing is run. Then Good is upgraded and Broken removed: a reads Good again, b keeps
        // what it reported (its files are its own), and Broken is no longer a's.
        Assert.Equal(new AgentReport.Result(4, 0, 0), await AgentReport.RunAsync(store, "a", Catalog()));
        Agent(Path.Combine(OcfRoot, "resource.d", "test", "Good"), "Good", "meta-data", Metadata("Good", "2 (upgraded)"));
        File.Delete(Path.Combine(OcfRoot, "resource.d", "test", "Broken"));
        Assert.Equal(new AgentReport.Result(3, 1, 0), await AgentReport.RunAsync(store, "a", Catalog()));
        Assert.Equal("Good", RunsSoFar()[^1]);
        Assert.Contains("2 (upgraded)", await store.MetadataAsync("ocf:test:Good"));
        Assert.Equal(["b"], (await store.ListAsync()).Single(a => a.Agent == "ocf:test:Broken").Nodes);
    }
}

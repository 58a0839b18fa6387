using Cib.Domain.Configuration;
using Cib.Interop.Crm;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.ReadModels.ConfigurationHistory;
using Cib.Projections.Store;
using Marten;
using TestSupport;
using Xunit;

namespace Cib.Interop.Tests.Crm;

/// <summary>load replace / load update on a real PostgreSQL: one atomic change, all or nothing, stale versions refused.</summary>
public sealed class ConfigurationLoaderTests : IAsyncLifetime
{
    private static readonly CommandMetadata Admin = CommandMetadata.For(Actor.User("admin"));
    private static readonly string Example = File.ReadAllText(Path.Combine(Repo.Root, "docs", "examples", "apache-cluster.crm"));

    private TestDatabase _db = null!;
    private DocumentStore _store = null!;
    private ConfigurationLoader _loader = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateWithSchemaAsync("loader");
        _store = _db.Store;
        _loader = new ConfigurationLoader(_store);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private Task<(ClusterConfiguration State, long Version)> Stored() => ConfigurationReader.LoadAsync(_store);

    private static ClusterConfiguration Parse(string text) => CrmParser.Parse(text).Parsed!.Configuration;

    [Fact]
    public async Task Example_loads_into_an_empty_store_in_one_change()
    {
        var result = await _loader.LoadAsync(Example, LoadMode.Replace, Admin, expectedVersion: 0);

        Assert.True(result.IsApplied, string.Join("\n", result.Errors));
        var (state, version) = await Stored();
        Assert.Equal(Parse(Example), state);
        Assert.Equal(result.Applied!.Version, version);
        Assert.True(version > 1);
        await using var session = _store.QuerySession();
        var history = await ConfigurationHistory.LoadAsync(session);
        var entry = Assert.Single(history);
        Assert.Equal((0, version), (entry.FromVersion, entry.ToVersion));
        Assert.Equal("user:admin", entry.Actor);
        Assert.Equal(Example, CrmRenderer.Render(state));
    }

    [Fact]
    public async Task Replace_makes_the_store_hold_exactly_the_new_text()
    {
        await _loader.LoadAsync(Example, LoadMode.Replace, Admin);
        var smaller = """
            node node1
            node node2 attributes standby=on
            primitive apache-ip ocf:heartbeat:IPaddr2 params ip=192.0.2.20 cidr_netmask=24 op monitor interval=10s timeout=20s
            primitive fence-virt stonith:external/libvirt params hostlist="node1 node2" op monitor interval=60s
            group web apache-ip
            colocation ip-with-fence -inf: apache-ip fence-virt
            property stonith-enabled=true
            """;
        var (_, before) = await Stored();

        var result = await _loader.LoadAsync(smaller, LoadMode.Replace, Admin);

        Assert.True(result.IsApplied, string.Join("\n", result.Errors));
        var (state, version) = await Stored();
        Assert.Equal(Parse(smaller), state);
        Assert.False(state.Resources.ContainsKey("apache-group"));
        Assert.Equal(before + result.Applied!.Events.Count, version);
        await using var session = _store.QuerySession();
        Assert.Equal(2, (await ConfigurationHistory.LoadAsync(session)).Count);
    }

    [Fact]
    public async Task Update_defines_or_replaces_what_the_text_names_and_keeps_the_rest()
    {
        await _loader.LoadAsync(Example, LoadMode.Replace, Admin);
        var update = """
            primitive apache-ip ocf:heartbeat:IPaddr2 params ip=192.0.2.30 cidr_netmask=24 op monitor interval=10s timeout=20s
            node node3
            location avoid-node3 apache-group -inf: node3
            property maintenance-mode=true
            """;

        var result = await _loader.LoadAsync(update, LoadMode.Update, Admin);

        Assert.True(result.IsApplied, string.Join("\n", result.Errors));
        var (state, _) = await Stored();
        var example = Parse(Example);
        Assert.Equal("192.0.2.30", ((Primitive)state.Resources["apache-ip"]).Params["ip"]);
        Assert.Equal(example.Resources["apache-group"], state.Resources["apache-group"]);
        Assert.Equal(example.Resources["fence-virt"], state.Resources["fence-virt"]);
        Assert.Equal(["node1", "node2", "node3"], state.Nodes.Keys);
        Assert.Equal(2, state.Constraints.Count);
        Assert.Equal("true", state.Properties["maintenance-mode"]);
        Assert.Equal("true", state.Properties["stonith-enabled"]);
    }

    [Fact]
    public async Task A_bad_line_applies_nothing()
    {
        await _loader.LoadAsync(Example, LoadMode.Replace, Admin);
        var (before, version) = await Stored();
        var broken = Example.Replace("group apache-group", "grup apache-group");

        var result = await _loader.LoadAsync(broken, LoadMode.Replace, Admin);

        Assert.False(result.IsApplied);
        var error = Assert.Single(result.Errors);
        Assert.Equal((16, 1), (error.Line, error.Column));
        Assert.Equal((before, version), await Stored());
    }

    [Fact]
    public async Task A_refused_update_names_the_line_and_applies_nothing()
    {
        await _loader.LoadAsync(Example, LoadMode.Replace, Admin);
        var (before, version) = await Stored();
        // apache-fs is already in apache-group in the store: a second group may not take it.
        var update = "property maintenance-mode=true\n\ngroup other apache-fs\n";

        var result = await _loader.LoadAsync(update, LoadMode.Update, Admin);

        Assert.False(result.IsApplied);
        var error = Assert.Single(result.Errors);
        Assert.Equal("member-of-two-groups", error.Code);
        Assert.Equal(3, error.Line);
        Assert.Equal((before, version), await Stored());
    }

    [Fact]
    public async Task A_stale_version_is_refused()
    {
        await _loader.LoadAsync(Example, LoadMode.Replace, Admin);
        var (before, version) = await Stored();

        var stale = await Assert.ThrowsAsync<StaleConfigurationException>(() =>
            _loader.LoadAsync("property maintenance-mode=true", LoadMode.Update, Admin, expectedVersion: 0));

        Assert.Equal((0, version), (stale.ExpectedVersion, stale.ActualVersion));
        Assert.Equal((before, version), await Stored());
    }

    [Fact]
    public async Task Loading_the_same_text_again_changes_nothing()
    {
        await _loader.LoadAsync(Example, LoadMode.Replace, Admin);
        var (_, version) = await Stored();

        var again = await _loader.LoadAsync(Example, LoadMode.Replace, Admin);

        Assert.True(again.IsApplied);
        Assert.Empty(again.Commands);
        Assert.Equal(version, (await Stored()).Version);
    }
}

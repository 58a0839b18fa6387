using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Store;
using Xunit;
using TestSupport;

namespace Cib.Projections.Tests.Store;

/// <summary>The one write path on a real PostgreSQL: append and read back, stale edits refused, refusals append nothing.</summary>
public class ConfigurationWriterTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly Actor Alice = Actor.User("alice");

    // Each test works on a configuration stream of its own by resetting the stream in a fresh schema would be heavy;
    // instead tests start from whatever version the shared stream has and only assert on what they add.
    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => Task.CompletedTask;

    private ConfigurationWriter Writer => new(fixture.Store);

    private async Task<long> VersionAsync() => (await ConfigurationReader.LoadAsync(fixture.Store)).Version;

    private static ChangeConfiguration Change(long expected, params IConfigurationCommand[] commands) =>
        new(expected, commands, Now, Alice, "test");

    [Fact]
    public async Task Appends_a_change_and_reads_it_back()
    {
        var v = await VersionAsync();
        var node = $"n{Guid.NewGuid():N}"[..12];
        var result = await Writer.ChangeAsync(Change(v, new DefineNode(node), new SetNodeStandby(node, true)), CommandMetadata.For(Alice));

        Assert.Equal(v, result.PreviousVersion);
        Assert.Equal(v + 2, result.Version);
        var (state, version) = await ConfigurationReader.LoadAsync(fixture.Store);
        Assert.Equal(v + 2, version);
        Assert.True(state.Nodes[node].IsStandby);
        Assert.Equal(result.Configuration, state);
    }

    [Fact]
    public async Task A_stale_expected_version_is_refused_and_nothing_is_appended()
    {
        var v = await VersionAsync();
        await Writer.ChangeAsync(Change(v, new SetClusterProperty("cluster-name", $"c{v}")), CommandMetadata.For(Alice));

        var stale = await Assert.ThrowsAsync<StaleConfigurationException>(() =>
            Writer.ChangeAsync(Change(v, new SetClusterProperty("stonith-timeout", "90s")), CommandMetadata.For(Alice)));
        Assert.Equal(v, stale.ExpectedVersion);
        Assert.Equal(v + 1, stale.ActualVersion);
        Assert.Equal(v + 1, await VersionAsync());
    }

    [Fact]
    public async Task Of_concurrent_edits_on_the_same_version_exactly_one_wins()
    {
        var v = await VersionAsync();
        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await Writer.ChangeAsync(Change(v, new SetClusterProperty("race", $"writer{i}")), CommandMetadata.For(Actor.User($"u{i}")));
                return true;
            }
            catch (StaleConfigurationException)
            {
                return false;
            }
        })).ToList();
        var outcomes = await Task.WhenAll(attempts);

        Assert.Single(outcomes, won => won);
        Assert.Equal(v + 1, await VersionAsync());
    }

    [Fact]
    public async Task A_refused_change_throws_the_domain_errors_and_appends_nothing()
    {
        var v = await VersionAsync();
        var refused = await Assert.ThrowsAsync<DomainException>(() => Writer.ChangeAsync(
            Change(v, new DefineNode("fine"), new DefineConstraint(new LocationConstraint("loc", "missing", "fine", Score.Of(5)))),
            CommandMetadata.For(Alice)));
        Assert.Contains(refused.Errors, e => e.Code == "unknown-reference" && e.Subject == "loc");
        Assert.Equal(v, await VersionAsync());
    }

    [Fact]
    public async Task A_repeated_request_gets_the_first_answer_and_appends_nothing_even_when_its_version_is_stale()
    {
        var v = await VersionAsync();
        var request = CommandMetadata.For(Alice) with { RequestId = $"req-{Guid.NewGuid():N}" };
        var change = Change(v, new DefinePrimitive(Primitive.Create($"r{v}", "ocf:heartbeat:Dummy")), new SetResourceMeta($"r{v}", "target-role", "Stopped"));
        var first = await Writer.ChangeAsync(change, request);
        Assert.False(first.Repeated);

        // The client did not hear the answer and sends the same request again (a fresh correlation: a new HTTP call).
        var again = await Writer.ChangeAsync(change, CommandMetadata.For(Alice) with { RequestId = request.RequestId });
        Assert.True(again.Repeated);
        Assert.Equal((first.PreviousVersion, first.Version), (again.PreviousVersion, again.Version));
        Assert.Equal(first.Events, again.Events);
        Assert.Equal(first.Version, await VersionAsync());

        // Another request on that stale version is refused as stale, as ever.
        await Assert.ThrowsAsync<StaleConfigurationException>(() =>
            Writer.ChangeAsync(change, CommandMetadata.For(Alice) with { RequestId = $"req-{Guid.NewGuid():N}" }));
    }

    [Fact]
    public async Task The_same_request_sent_twice_at_once_is_carried_out_once()
    {
        var v = await VersionAsync();
        var id = $"req-{Guid.NewGuid():N}";
        var change = Change(v, new DefinePrimitive(Primitive.Create($"c{v}", "ocf:heartbeat:Dummy")));
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Writer.ChangeAsync(change, CommandMetadata.For(Alice) with { RequestId = id }))));
        Assert.Single(results, r => !r.Repeated);
        Assert.All(results, r => Assert.Equal(v + 1, r.Version));
        Assert.Equal(v + 1, await VersionAsync());
    }

    [Fact]
    public async Task An_idempotent_repeat_appends_nothing()
    {
        var v = await VersionAsync();
        var p = Primitive.Create($"d{v}", "ocf:heartbeat:Dummy");
        var first = await Writer.ChangeAsync(Change(v, new DefinePrimitive(p)), CommandMetadata.For(Alice));
        var again = await Writer.ChangeAsync(Change(first.Version, new DefinePrimitive(p)), CommandMetadata.For(Alice));
        Assert.Empty(again.Events);
        Assert.Equal(first.Version, again.Version);
        Assert.Equal(first.Version, await VersionAsync());
    }

    [Fact]
    public async Task Reads_the_configuration_as_it_was_at_an_earlier_version()
    {
        var v = await VersionAsync();
        await Writer.ChangeAsync(Change(v, new SetClusterProperty("epoch-probe", "one")), CommandMetadata.For(Alice));
        await Writer.ChangeAsync(Change(v + 1, new SetClusterProperty("epoch-probe", "two")), CommandMetadata.For(Alice));

        await using var session = fixture.Store.QuerySession();
        var (then, thenVersion) = await ConfigurationReader.LoadAsync(session, atVersion: v + 1);
        var (now, _) = await ConfigurationReader.LoadAsync(session);
        Assert.Equal(v + 1, thenVersion);
        Assert.Equal("one", then.Properties.Get("epoch-probe"));
        Assert.Equal("two", now.Properties.Get("epoch-probe"));
    }
}

using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Store;
using NodeRuntime.Execution;
using NodeRuntime.Tests.Support;
using TestSupport;

namespace NodeRuntime.Tests.Execution;

/// <summary>
/// The ha-node host against a real store: it joins, becomes the controller of its one-node cluster, and the
/// controller's first transition probes every configured resource on it; the results are appended.
/// </summary>
public sealed class ServeHostTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateWithSchemaAsync("noderuntime_serve");

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task The_host_probes_every_configured_resource_at_start_and_appends_the_results()
    {
        using var scratch = new Scratch();
        var store = _db.Store;
        var running = scratch.Dummy("srv-running");
        var stopped = scratch.Dummy("srv-stopped");
        await new ConfigurationWriter(store).ChangeAsync(
            new ChangeConfiguration(0, [new DefineNode("srv-node"), new SetClusterProperty("stonith-enabled", "false"),
                new DefinePrimitive(running), new DefinePrimitive(stopped)], DateTimeOffset.UnixEpoch, Actor.User("test")),
            CommandMetadata.For(Actor.User("test")));
        var executor = TestExecutors.Local();
        await executor.ExecuteAsync(ActionRequest.For(running, Operations.Start));

        using var host = Serve.Build(Options.Parse(["--node", "srv-node", "--connection", _db.ConnectionString]));
        await host.StartAsync();
        try
        {
            var probes = await WaitForAsync(store, running.Id, stopped.Id);
            Assert.Equal(OcfRc.Success, probes[running.Id].Rc);
            Assert.Equal(OcfRc.NotRunning, probes[stopped.Id].Rc);
            Assert.All(probes.Values, p => Assert.Equal(("monitor", 0L, "srv-node"), (p.Operation, p.IntervalMs, p.Node)));
            Assert.All(probes.Values, p => Assert.StartsWith("t", p.Origin.TransitionId));
        }
        finally
        {
            await host.StopAsync();
            await executor.ExecuteAsync(ActionRequest.For(running, Operations.Stop));
        }
    }

    [Fact]
    public async Task A_node_that_boots_while_its_store_is_away_waits_for_it_and_joins_once_it_answers()
    {
        await using var server = await PrivateServer.StartAsync();
        var cs = server.ConnectionString();
        await SchemaMigrations.ApplyAsync(cs);
        using var scratch = new Scratch();
        var dummy = scratch.Dummy("boot-wait");
        using (var store = CibStore.Create(cs))
            await new ConfigurationWriter(store).ChangeAsync(
                new ChangeConfiguration(0, [new DefineNode("srv-node"), new SetClusterProperty("stonith-enabled", "false"), new DefinePrimitive(dummy)],
                    DateTimeOffset.UnixEpoch, Actor.User("test")), CommandMetadata.For(Actor.User("test")));
        await server.StopAsync();

        using var host = Serve.Build(Options.Parse(["--node", "srv-node", "--connection", cs]));
        await host.StartAsync();
        try
        {
            // Long enough for several of its attempts (a refused connection each): it must still be waiting, not gone.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.False(host.Ended, "the runtime ended while its store was away");

            await server.StartAgainAsync();
            using var back = CibStore.Create(cs);
            var probes = await WaitForAsync(back, dummy.Id);
            Assert.Equal(OcfRc.NotRunning, probes[dummy.Id].Rc);
            Assert.False(host.Ended);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<Dictionary<string, ResourceOperationSucceeded>> WaitForAsync(Marten.IDocumentStore store, params string[] ids)
    {
        var found = new Dictionary<string, ResourceOperationSucceeded>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (found.Count < ids.Length)
        {
            await Task.Delay(100, cts.Token);
            await using var session = store.QuerySession();
            foreach (var id in ids.Where(i => !found.ContainsKey(i)))
            {
                var events = await session.Events.FetchStreamAsync(StreamIds.ResourceOn(id, "srv-node"), token: cts.Token);
                if (events.FirstOrDefault(e => e.Data is ResourceOperationSucceeded { Operation: "monitor", IntervalMs: 0 }) is { } probe)
                    found[id] = (ResourceOperationSucceeded)probe.Data;
            }
        }
        return found;
    }
}

using Cib.Domain.Fencing;
using Cib.Domain.Operations;
using Cib.Projections.Store;
using NodeRuntime.Execution;
using NodeRuntime.Tests.Support;
using TestSupport;

namespace NodeRuntime.Tests.Execution;

/// <summary>
/// Results land in the CIB log on a real PostgreSQL: operation results in the resource's stream, fencing in the target's;
/// appended without Marten, read back with Marten.
/// </summary>
public sealed class EventLogSinkTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateWithSchemaAsync("noderuntime");

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task A_real_Dummy_start_and_a_fence_result_are_appended_to_their_streams()
    {
        using var scratch = new Scratch();
        var store = _db.Store;
        var sink = new EventLogSink(new CibEventLog(_db.DataSource), TestExecutors.Node);
        var dummy = scratch.Dummy("stored");
        var executor = TestExecutors.Local();

        var start = await executor.ExecuteAsync(ActionRequest.For(dummy, Operations.Start, origin: new OperationOrigin("tr-7", 3)));
        await sink.AppendAsync(start.ToEvent());
        await sink.AppendAsync(new NodeFenced("req", "node9", "fence1", "off", TestExecutors.Node, 120, DateTimeOffset.UnixEpoch));
        await executor.ExecuteAsync(ActionRequest.For(dummy, Operations.Stop));

        await using var session = store.QuerySession();
        var resourceStream = await session.Events.FetchStreamAsync(StreamIds.ResourceOn(dummy.Id, TestExecutors.Node));
        var stored = Assert.IsType<ResourceOperationSucceeded>(Assert.Single(resourceStream).Data);
        Assert.Equal((dummy.Id, "start", 0, new OperationOrigin("tr-7", 3)), (stored.Resource, stored.Operation, stored.Rc, stored.Origin));
        Assert.Equal("tr-7", resourceStream[0].CorrelationId);
        Assert.Equal("node:" + TestExecutors.Node, resourceStream[0].Headers?[CommandMetadata.ActorHeader]?.ToString());
        Assert.Equal("node:" + TestExecutors.Node, resourceStream[0].UserName);

        var fencing = await session.Events.FetchStreamAsync(StreamIds.Fencing("node9"));
        Assert.Equal("fence1", Assert.IsType<NodeFenced>(Assert.Single(fencing).Data).Device);
    }
}

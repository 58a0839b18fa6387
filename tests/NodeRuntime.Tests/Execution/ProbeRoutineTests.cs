using System.Collections.Immutable;
using Cib.Domain.Configuration;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using NodeRuntime.Execution;
using NodeRuntime.Tests.Support;

namespace NodeRuntime.Tests.Execution;

public sealed class ProbeRoutineTests : IDisposable
{
    private readonly Scratch _scratch = new();

    [Fact]
    public async Task Probing_at_join_reports_what_runs_here_what_does_not_and_what_is_missing_and_skips_fence_devices()
    {
        var running = _scratch.Dummy("running");
        var stopped = _scratch.Dummy("stopped", "ocf:pacemaker:Dummy");
        var missing = Primitive.Create(_scratch.Id("missing"), "ocf:heartbeat:NotThere");
        var fence = Primitive.Create(_scratch.Id("fence"), "stonith:fence_virsh", ValueMap.Of(("ip", "127.0.0.1")));
        var config = ClusterConfiguration.Empty with
        {
            Resources = ImmutableSortedDictionary.CreateRange<string, Resource>(StringComparer.Ordinal,
                [new(running.Id, running), new(stopped.Id, stopped), new(missing.Id, missing), new(fence.Id, fence)]),
        };
        var executor = TestExecutors.Local();
        await executor.ExecuteAsync(ActionRequest.For(running, Operations.Start));
        var sink = new RecordingEventSink();

        var outcomes = await new ProbeRoutine(executor, sink).ProbeAllAsync(config, new OperationOrigin("join", null));

        Assert.Equal(3, outcomes.Count);
        var byId = outcomes.ToDictionary(o => o.Resource);
        Assert.Equal((OcfRc.Success, true), (byId[running.Id].Rc, byId[running.Id].Succeeded));
        Assert.Equal((OcfRc.NotRunning, true), (byId[stopped.Id].Rc, byId[stopped.Id].Succeeded));
        Assert.Equal((OcfRc.NotInstalled, false), (byId[missing.Id].Rc, byId[missing.Id].Succeeded));
        Assert.All(outcomes, o => Assert.Equal((0L, "monitor"), (o.IntervalMs, o.Operation)));
        Assert.Equal(3, sink.Events.Count);
        Assert.Single(sink.Events.OfType<ResourceOperationFailed>());

        await executor.ExecuteAsync(ActionRequest.For(running, Operations.Stop));
    }

    public void Dispose() => _scratch.Dispose();
}

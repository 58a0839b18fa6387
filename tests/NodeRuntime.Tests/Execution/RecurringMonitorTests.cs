using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using NodeRuntime.Execution;
using NodeRuntime.Tests.Support;

namespace NodeRuntime.Tests.Execution;

public sealed class RecurringMonitorTests : IDisposable
{
    private readonly Scratch _scratch = new();
    private readonly ResourceExecutor _executor = TestExecutors.Local();

    [Fact]
    public async Task Deleting_the_state_file_behind_a_running_monitor_reports_exactly_one_failure_and_later_one_recovery()
    {
        var dummy = _scratch.Dummy("mon") with
        {
            Operations = ValueList<OperationDefinition>.Of([OperationDefinition.Create("monitor", "150ms", "5s")]),
        };
        var sink = new RecordingEventSink();
        await using var monitors = new RecurringMonitors(_executor, sink, TimeProvider.System);

        Assert.True((await _executor.ExecuteAsync(ActionRequest.For(dummy, Operations.Start))).Succeeded);
        Assert.Equal(1, monitors.StartAll(dummy));
        await CountMonitorRunsAsync(dummy, 4);
        Assert.Empty(sink.Events);

        File.Delete(dummy.Params["state"]);
        Assert.True(await sink.WaitForAsync(e => e is ResourceOperationFailed, TimeSpan.FromSeconds(10)), "the monitor reported the failure");
        await CountMonitorRunsAsync(dummy, 4);
        var failure = Assert.IsType<ResourceOperationFailed>(Assert.Single(sink.Events));
        Assert.Equal((dummy.Id, "monitor", 150L, OcfRc.NotRunning), (failure.Resource, failure.Operation, failure.IntervalMs, failure.Rc));

        File.WriteAllText(dummy.Params["state"], "");
        Assert.True(await sink.WaitForAsync(e => e is ResourceOperationSucceeded, TimeSpan.FromSeconds(10)), "the monitor reported the recovery");
        await CountMonitorRunsAsync(dummy, 3);
        Assert.Equal(2, sink.Events.Count);
        Assert.IsType<ResourceOperationSucceeded>(sink.Events[1]);

        await monitors.StopAsync(dummy.Id);
        Assert.Empty(monitors.Active);
        await _executor.ExecuteAsync(ActionRequest.For(dummy, Operations.Stop));
    }

    [Fact]
    public async Task A_failure_the_store_did_not_take_is_reported_again_on_the_next_run_and_then_only_once()
    {
        var dummy = _scratch.Dummy("flaky");
        var sink = new FlakySink(failuresFirst: 1);
        await using var monitors = new RecurringMonitors(_executor, sink, TimeProvider.System);
        await _executor.ExecuteAsync(ActionRequest.For(dummy, Operations.Start));
        monitors.Start(dummy, 150);

        File.Delete(dummy.Params["state"]);
        Assert.True(await sink.Recorded.WaitForAsync(e => e is ResourceOperationFailed, TimeSpan.FromSeconds(10)));
        await CountMonitorRunsAsync(dummy, 4);

        Assert.Equal(1, sink.Refused);
        Assert.IsType<ResourceOperationFailed>(Assert.Single(sink.Recorded.Events));
    }

    private sealed class FlakySink(int failuresFirst) : IEventSink
    {
        public RecordingEventSink Recorded { get; } = new();
        public int Refused { get; private set; }

        public Task AppendAsync(Cib.Domain.ICibEvent @event, CancellationToken ct = default)
        {
            if (Refused < failuresFirst) { Refused++; throw new IOException("store unreachable"); }
            return Recorded.AppendAsync(@event, ct);
        }
    }

    /// <summary>
    /// Lets about n monitor periods pass, each ended by an action of our own on the same resource: it queues on
    /// the per-resource lock behind a running monitor, so the monitor really ran in between (what it reported is
    /// what the test checks; how long this took is not).
    /// </summary>
    private async Task CountMonitorRunsAsync(Primitive dummy, int runs)
    {
        for (var i = 0; i < runs; i++)
        {
            await Task.Delay(150);
            await _executor.ExecuteAsync(ActionRequest.For(dummy, Operations.MetaData));
        }
    }

    public void Dispose() => _scratch.Dispose();
}

using Cib.Domain.Operations;
using NodeRuntime.Execution;
using NodeRuntime.Tests.Support;

namespace NodeRuntime.Tests.Agents;

public sealed class OcfLifecycleTests : IDisposable
{
    private readonly Scratch _scratch = new();
    private readonly ResourceExecutor _executor = TestExecutors.Local();

    [Theory]
    [InlineData("ocf:heartbeat:Dummy")]
    [InlineData("ocf:pacemaker:Dummy")]
    public async Task Dummy_goes_through_probe_start_monitor_stop_and_probe_again(string agent)
    {
        var dummy = _scratch.Dummy("life", agent);

        var probe = await _executor.ExecuteAsync(ActionRequest.Probe(dummy));
        Assert.Equal((OcfRc.NotRunning, OperationStatus.Done, true), (probe.Rc, probe.Status, probe.Succeeded));

        var start = await _executor.ExecuteAsync(ActionRequest.For(dummy, Operations.Start));
        Assert.Equal((OcfRc.Success, true), (start.Rc, start.Succeeded));
        Assert.True(File.Exists(dummy.Params["state"]), "start created the agent's state file");

        var monitor = await _executor.ExecuteAsync(ActionRequest.Probe(dummy));
        Assert.Equal((OcfRc.Success, true), (monitor.Rc, monitor.Succeeded));

        var stop = await _executor.ExecuteAsync(ActionRequest.For(dummy, Operations.Stop));
        Assert.Equal((OcfRc.Success, true), (stop.Rc, stop.Succeeded));

        var after = await _executor.ExecuteAsync(ActionRequest.Probe(dummy));
        Assert.Equal(OcfRc.NotRunning, after.Rc);

        var stoppedAgain = await _executor.ExecuteAsync(ActionRequest.For(dummy, Operations.Stop));
        Assert.True(stoppedAgain.Succeeded, "stopping a stopped resource succeeds");
        Assert.IsType<ResourceOperationSucceeded>(start.ToEvent());
        Assert.Equal(TestExecutors.Node, start.Node);
    }

    [Fact]
    public async Task Results_carry_a_digest_of_the_parameters_they_ran_with()
    {
        var dummy = _scratch.Dummy("digest");
        var first = await _executor.ExecuteAsync(ActionRequest.Probe(dummy));
        var again = await _executor.ExecuteAsync(ActionRequest.Probe(dummy));
        var edited = await _executor.ExecuteAsync(ActionRequest.Probe(dummy with { Params = dummy.Params.Set("fake", "changed") }));

        Assert.Equal(Cib.Projections.Policy.Reconcile.ParameterDigest.Of(dummy.Params), first.ParameterDigest);
        Assert.Equal(first.ParameterDigest, again.ParameterDigest);
        Assert.NotEqual(first.ParameterDigest, edited.ParameterDigest);
        Assert.Equal(first.ParameterDigest, Assert.IsType<ResourceOperationSucceeded>(first.ToEvent()).ParameterDigest);
    }

    [Fact]
    public async Task A_recurring_monitor_of_a_stopped_resource_fails_with_rc_7()
    {
        var dummy = _scratch.Dummy("rec");
        var monitor = await _executor.ExecuteAsync(ActionRequest.For(dummy, Operations.Monitor, intervalMs: 10_000));
        Assert.Equal((OcfRc.NotRunning, OperationStatus.Done, false), (monitor.Rc, monitor.Status, monitor.Succeeded));
        var failed = Assert.IsType<ResourceOperationFailed>(monitor.ToEvent());
        Assert.Equal(10_000, failed.IntervalMs);
    }

    [Fact]
    public async Task A_missing_agent_is_rc_5_not_installed()
    {
        var missing = Cib.Domain.Resources.Primitive.Create(_scratch.Id("ghost"), "ocf:heartbeat:NoSuchAgent");
        var outcome = await _executor.ExecuteAsync(ActionRequest.For(missing, Operations.Start));
        Assert.Equal((OcfRc.NotInstalled, OperationStatus.NotInstalled, false), (outcome.Rc, outcome.Status, outcome.Succeeded));
        Assert.Contains("not installed", outcome.ExitReason);
    }

    [Fact]
    public async Task An_agent_name_that_escapes_the_agent_directory_is_refused()
    {
        var sneaky = Cib.Domain.Resources.Primitive.Create(_scratch.Id("x"), "ocf:..:sbin");
        var outcome = await _executor.ExecuteAsync(ActionRequest.For(sneaky, Operations.Start));
        Assert.False(outcome.Succeeded);
        Assert.Equal(OperationStatus.Invalid, outcome.Status);
    }

    [Fact]
    public async Task A_start_that_outlives_its_timeout_is_killed_with_its_process_group_and_reported_as_timeout()
    {
        var slow = _scratch.Dummy("slow", "ocf:pacemaker:Dummy", ("op_sleep", "30"));
        var outcome = await _executor.ExecuteAsync(ActionRequest.For(slow, Operations.Start, timeout: TimeSpan.FromMilliseconds(700)));

        Assert.Equal((OperationStatus.Timeout, false), (outcome.Status, outcome.Succeeded));
        Assert.Contains("timed out", outcome.ExitReason);
        Assert.IsType<ResourceOperationFailed>(outcome.ToEvent());
        // Nothing of the agent survives: no process carries the resource's instance name any more.
        Assert.Empty(ProcessesWithEnvironment($"OCF_RESOURCE_INSTANCE={slow.Id}"));
    }

    [Fact]
    public async Task Validate_all_and_meta_data_run_as_actions()
    {
        var dummy = _scratch.Dummy("val", "ocf:pacemaker:Dummy");
        var validate = await _executor.ExecuteAsync(ActionRequest.For(dummy, Operations.ValidateAll));
        Assert.True(validate.Succeeded, validate.ToString());

        var bad = _scratch.Dummy("bad", "ocf:pacemaker:Dummy", ("op_sleep", "soon"));
        var invalid = await _executor.ExecuteAsync(ActionRequest.For(bad, Operations.ValidateAll));
        Assert.Equal((OcfRc.NotConfigured, false), (invalid.Rc, invalid.Succeeded));

        var metadata = await _executor.ExecuteAsync(ActionRequest.For(dummy, Operations.MetaData));
        Assert.True(metadata.Succeeded);
        Assert.Contains("</resource-agent>", metadata.OutputTail);
    }

    internal static List<int> ProcessesWithEnvironment(string entry)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var env = File.ReadAllText(Path.Combine(dir, "environ"));
                if (env.Split('\0').Contains(entry)) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return found;
    }

    public void Dispose() => _scratch.Dispose();
}

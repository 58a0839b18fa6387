using Cib.Domain.Operations;
using Cib.Domain.Resources;
using NodeRuntime.Agents;
using NodeRuntime.Execution;
using NodeRuntime.Tests.Support;

namespace NodeRuntime.Tests.Agents;

/// <summary>A real init script of our own in a private init directory (the system's scripts are not ours to start).</summary>
public sealed class LsbExecutorTests : IDisposable
{
    private readonly Scratch _scratch = new();
    private readonly ResourceExecutor _executor;
    private readonly string _status;

    public LsbExecutorTests()
    {
        var initDir = _scratch.File("init.d");
        _status = _scratch.File("status-code");
        var running = _scratch.File("running");
        TestExecutors.Script(Path.Combine(initDir, "hatd"), $$"""
            #!/bin/sh
            case "$1" in
              start) touch {{running}}; exit 0 ;;
              stop) rm -f {{running}}; exit 0 ;;
              status)
                if [ -f {{_status}} ]; then exit $(cat {{_status}}); fi
                if [ -f {{running}} ]; then echo running; exit 0; fi
                echo stopped; exit 3 ;;
              *) exit 3 ;;
            esac
            """);
        var host = AgentHost.Local(TestExecutors.Node);
        _executor = new ResourceExecutor(host, [new LsbAgentRunner(host, initDir)]);
    }

    [Fact]
    public async Task An_init_script_starts_reports_running_and_stops()
    {
        var p = Primitive.Create(_scratch.Id("svc"), "lsb:hatd");
        Assert.Equal(OcfRc.NotRunning, (await _executor.ExecuteAsync(ActionRequest.Probe(p))).Rc);
        Assert.True((await _executor.ExecuteAsync(ActionRequest.For(p, Operations.Start))).Succeeded);
        var status = await _executor.ExecuteAsync(ActionRequest.Probe(p));
        Assert.Equal((OcfRc.Success, "running"), (status.Rc, status.OutputTail));
        Assert.True((await _executor.ExecuteAsync(ActionRequest.For(p, Operations.Stop))).Succeeded);
        Assert.Equal(OcfRc.NotRunning, (await _executor.ExecuteAsync(ActionRequest.Probe(p))).Rc);
    }

    [Theory]
    [InlineData(1, OcfRc.NotRunning)]
    [InlineData(2, OcfRc.NotRunning)]
    [InlineData(4, OcfRc.GenericError)]
    public async Task Status_codes_of_a_real_script_map_as_Pacemaker_maps_them(int lsb, int ocf)
    {
        File.WriteAllText(_status, lsb.ToString());
        var p = Primitive.Create(_scratch.Id("st"), "lsb:hatd");
        Assert.Equal(ocf, (await _executor.ExecuteAsync(ActionRequest.Probe(p))).Rc);
    }

    [Fact]
    public async Task A_missing_script_is_not_installed()
    {
        var p = Primitive.Create(_scratch.Id("none"), "lsb:no-such-service");
        var outcome = await _executor.ExecuteAsync(ActionRequest.For(p, Operations.Start));
        Assert.Equal((OcfRc.NotInstalled, OperationStatus.NotInstalled), (outcome.Rc, outcome.Status));
    }

    public void Dispose() => _scratch.Dispose();
}

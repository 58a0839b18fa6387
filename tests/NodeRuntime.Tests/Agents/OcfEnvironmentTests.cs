using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using NodeRuntime.Agents;
using NodeRuntime.Execution;
using NodeRuntime.Tests.Support;

namespace NodeRuntime.Tests.Agents;

/// <summary>Runs agents of our own (in a private OCF_ROOT) that report what they were given and how they exit.</summary>
public sealed class OcfEnvironmentTests : IDisposable
{
    private readonly Scratch _scratch = new();
    private readonly string _root;
    private readonly ResourceExecutor _executor;

    public OcfEnvironmentTests()
    {
        _root = _scratch.File("ocf");
        TestExecutors.Script(Path.Combine(_root, "resource.d", "test", "envdump"), """
            #!/bin/sh
            env | sort > "$OCF_RESKEY_dump.$1"
            exit 0
            """);
        TestExecutors.Script(Path.Combine(_root, "resource.d", "test", "exits"), """
            #!/bin/sh
            i=0; while [ $i -lt 300 ]; do echo "noise line $i"; i=$((i+1)); done
            echo "ocf-exit-reason:the disk is on fire" >&2
            exit $OCF_RESKEY_rc
            """);
        TestExecutors.Script(Path.Combine(_root, "resource.d", "test", "slowlog"), """
            #!/bin/sh
            echo "begin $OCF_RESOURCE_INSTANCE $1" >> "$OCF_RESKEY_log"
            sleep 0.4
            echo "end $OCF_RESOURCE_INSTANCE $1" >> "$OCF_RESKEY_log"
            exit 0
            """);
        TestExecutors.Script(Path.Combine(_root, "resource.d", "test", "daemon"), """
            #!/bin/sh
            # A careless agent: its "daemon" keeps the agent's stdout and stderr open.
            sleep 60 &
            echo $! > "$OCF_RESKEY_pidfile"
            echo "started"
            exit 0
            """);
        var host = AgentHost.Local(TestExecutors.Node);
        _executor = new ResourceExecutor(host, [new OcfAgentRunner(host, _root)]);
    }

    [Fact]
    public async Task The_agent_gets_OCF_variables_parameters_and_CRM_meta_values()
    {
        var dump = _scratch.File("env");
        var p = new Primitive(_scratch.Id("env"), ResourceAgent.Parse("ocf:test:envdump"),
            ValueMap.Of(("dump", dump), ("ip", "10.77.0.10")), ValueMap.Of(("target-role", "Started")),
            ValueList<OperationDefinition>.Of([new OperationDefinition("monitor", Duration.Parse("10s"), Duration.Parse("25s"), "restart",
                ValueMap.Of(("OCF_CHECK_LEVEL", "10")))]));

        await _executor.ExecuteAsync(ActionRequest.For(p, Operations.Monitor, 10_000));
        var env = File.ReadAllLines(dump + ".monitor").Select(l => l.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);

        Assert.Equal(_root, env["OCF_ROOT"]);
        Assert.Equal(p.Id, env["OCF_RESOURCE_INSTANCE"]);
        Assert.Equal("envdump", env["OCF_RESOURCE_TYPE"]);
        Assert.Equal("test", env["OCF_RESOURCE_PROVIDER"]);
        Assert.Equal("1", env["OCF_RA_VERSION_MAJOR"]);
        Assert.Equal("10.77.0.10", env["OCF_RESKEY_ip"]);
        Assert.Equal("25000", env["OCF_RESKEY_CRM_meta_timeout"]);
        Assert.Equal("10000", env["OCF_RESKEY_CRM_meta_interval"]);
        Assert.Equal("monitor", env["OCF_RESKEY_CRM_meta_name"]);
        Assert.Equal(TestExecutors.Node, env["OCF_RESKEY_CRM_meta_on_node"]);
        Assert.Equal("Started", env["OCF_RESKEY_CRM_meta_target_role"]);
        Assert.Equal("10", env["OCF_CHECK_LEVEL"]);
        Assert.Equal("restart", env["OCF_RESKEY_CRM_meta_on_fail"]);
        Assert.DoesNotContain("HA_TEST_CONNECTION", env.Keys);
    }

    [Theory]
    [InlineData(0, 0, true)]
    [InlineData(1, 1, false)]
    [InlineData(2, 2, false)]
    [InlineData(5, 5, false)]
    [InlineData(6, 6, false)]
    [InlineData(7, 7, false)]
    [InlineData(42, 1, false)]
    public async Task Start_exit_codes_map_per_the_OCF_standard_and_keep_the_output_tail_and_exit_reason(int exit, int rc, bool ok)
    {
        var p = Primitive.Create(_scratch.Id("rc"), "ocf:test:exits", ValueMap.Of(("rc", exit.ToString())));
        var outcome = await _executor.ExecuteAsync(ActionRequest.For(p, Operations.Start));

        Assert.Equal((rc, ok, OperationStatus.Done), (outcome.Rc, outcome.Succeeded, outcome.Status));
        Assert.Contains("noise line 299", outcome.OutputTail);
        Assert.DoesNotContain("noise line 0\n", outcome.OutputTail);
        Assert.True(outcome.OutputTail!.Length < 4200, "only the tail is kept");
        if (!ok) Assert.Equal("the disk is on fire", outcome.ExitReason);
    }

    [Fact]
    public async Task Actions_on_one_resource_are_serialised_and_on_different_resources_run_in_parallel()
    {
        var log = _scratch.File("order.log");
        var a = Primitive.Create("a-" + _scratch.Tag, "ocf:test:slowlog", ValueMap.Of(("log", log)));
        var b = Primitive.Create("b-" + _scratch.Tag, "ocf:test:slowlog", ValueMap.Of(("log", log)));

        await Task.WhenAll(
            _executor.ExecuteAsync(ActionRequest.For(a, Operations.Start)),
            _executor.ExecuteAsync(ActionRequest.For(a, Operations.Monitor, 5000)));
        var same = File.ReadAllLines(log);
        Assert.Equal(["begin", "end", "begin", "end"], same.Select(l => l.Split(' ')[0]));

        File.Delete(log);
        await Task.WhenAll(
            _executor.ExecuteAsync(ActionRequest.For(a, Operations.Stop)),
            _executor.ExecuteAsync(ActionRequest.For(b, Operations.Stop)));
        var parallel = File.ReadAllLines(log);
        Assert.Equal(["begin", "begin", "end", "end"], parallel.Select(l => l.Split(' ')[0]));
    }

    [Fact]
    public async Task A_daemon_that_keeps_the_agents_output_open_does_not_hang_the_action()
    {
        var pidFile = _scratch.File("daemon.pid");
        var p = Primitive.Create(_scratch.Id("daemon"), "ocf:test:daemon", ValueMap.Of(("pidfile", pidFile)));
        try
        {
            var outcome = await _executor.ExecuteAsync(ActionRequest.For(p, Operations.Start));
            Assert.True(outcome.Succeeded);
            Assert.Equal("started", outcome.OutputTail);
        }
        finally
        {
            if (File.Exists(pidFile)) System.Diagnostics.Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim())).Kill();
        }
    }

    public void Dispose() => _scratch.Dispose();
}

using Cib.Domain.Fencing;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Interop.Crm;
using NodeRuntime.Agents;
using NodeRuntime.Execution;
using NodeRuntime.Fencing;
using NodeRuntime.Tests.Support;

namespace NodeRuntime.Tests.Agents;

/// <summary>
/// Parameters that would inject commands if a shell read them reach the agents verbatim and run nothing: an OCF agent's
/// as environment variables, a fence agent's as name=value lines on stdin. A line break in a fence device's parameter
/// would add a stdin line of its own: the configuration refuses it, and so does the runtime for one stored before.
/// Real agents of our own (shell scripts in a temporary directory) record what they got.
/// </summary>
public sealed class AgentInjectionTests : IDisposable
{
    private readonly Scratch _scratch = new();

    private string Marker => _scratch.File("injected");

    private string[] Hostile => [
        $"$(touch {Marker})", $"`touch {Marker}`", $"; touch {Marker}", $"x && touch {Marker} #", $"| touch {Marker}",
        $"' ; touch {Marker} ; '", $"\" ; touch {Marker} ; \"", "$HOME * ? [a] ~ \\ %s %n", "é 日本 \u202e \ud83d\ude00", "",
    ];

    [Fact]
    public async Task Ocf_parameters_reach_the_agent_verbatim_and_run_nothing()
    {
        var root = _scratch.File("ocf");
        TestExecutors.Script(Path.Combine(root, "resource.d", "test", "record"), """
            #!/bin/sh
            printf '%s' "$OCF_RESKEY_value" > "$OCF_RESKEY_out"
            exit 0
            """);
        var executor = ResourceExecutor.Create(AgentHost.Local(TestExecutors.Node), root);
        foreach (var value in Hostile.Append($"first line\ntouch {Marker}\n"))
        {
            var output = _scratch.File("recorded");
            var primitive = Primitive.Create(_scratch.Id("rec"), "ocf:test:record", ValueMap.Of([("value", value), ("out", output)]));

            var outcome = await executor.ExecuteAsync(ActionRequest.For(primitive, Operations.Start));

            Assert.True(outcome.Succeeded, outcome.ExitReason);
            Assert.Equal(value, await File.ReadAllTextAsync(output));
            Assert.False(File.Exists(Marker), $"'{value}' ran a command");
        }
    }

    [Fact]
    public async Task Fence_parameters_are_stdin_lines_verbatim_and_run_nothing()
    {
        var directory = _scratch.File("sbin");
        var stdin = _scratch.File("stdin");
        TestExecutors.Script(Path.Combine(directory, "fence_record"), $"""
            #!/bin/sh
            cat > '{stdin}'
            exit 0
            """);
        var hostile = Hostile;
        var parameters = hostile.Select((v, i) => ($"p{i}", v)).Append(("pcmk_host_list", "node1")).ToArray();
        await using var device = FenceAgentDevice.Create(Primitive.Create("fr", "stonith:fence_record", ValueMap.Of(parameters)), directory);

        var result = await device.ExecuteAsync("node1", FenceActions.Status, TimeSpan.FromSeconds(30));

        Assert.True(result.Succeeded, result.Reason);
        var lines = (await File.ReadAllTextAsync(stdin)).Split('\n');
        Assert.Equal([.. hostile.Select((v, i) => $"p{i}={v}"), "action=status", "plug=node1", "nodename=node1", ""], lines);
        Assert.False(File.Exists(Marker), "a parameter ran a command");
    }

    [Theory]
    [InlineData("secret\naction=off")]
    [InlineData("secret\raction=off")]
    [InlineData("secret\r\naction=off")]
    [InlineData("secret\0")]
    public void A_fence_parameter_with_a_line_break_is_refused_not_passed(string value)
    {
        var directory = _scratch.File("sbin");
        TestExecutors.Script(Path.Combine(directory, "fence_record"), "#!/bin/sh\nexit 0\n");
        var primitive = Primitive.Create("fr", "stonith:fence_record", ValueMap.Of([("passwd", value), ("pcmk_host_list", "node1")]));

        var refused = Assert.Throws<FenceDeviceConfigurationException>(() => FenceAgentDevice.Create(primitive, directory));
        Assert.Contains("passwd", refused.Message);

        // The configuration refuses it first, at the line of the device.
        var crm = $"node node1\nprimitive fr stonith:fence_record \\\n params pcmk_host_list=node1 passwd=\"{value.Replace("\"", "\\\"")}\"";
        var error = Assert.Single(CrmParser.Parse(crm).Errors);
        Assert.Equal((2, "invalid-value"), (error.Line, error.Code));
    }

    [Fact]
    public void An_ocf_parameter_with_a_nul_is_refused_by_the_configuration()
    {
        var error = Assert.Single(CrmParser.Parse("primitive d ocf:heartbeat:Dummy \\\n params state=\"a\0b\"").Errors);
        Assert.Equal((1, "invalid-value"), (error.Line, error.Code));
        // A line break is a value like any other for an OCF agent (an environment variable holds it whole).
        Assert.True(CrmParser.Parse("primitive d ocf:heartbeat:Dummy params state=\"a\nb\"").IsSuccess);
    }

    public void Dispose() => _scratch.Dispose();
}

using NodeRuntime.Tests.Support;

namespace NodeRuntime.Tests;

/// <summary>ha-node's command line: exit codes for good and bad input (bad input is exit 2 with a message, never an exception).</summary>
public sealed class CliTests : IDisposable
{
    private readonly Scratch _scratch = new();

    [Fact]
    public async Task Usage_errors_exit_2()
    {
        Assert.Equal(2, await Cli.RunAsync([]));
        Assert.Equal(2, await Cli.RunAsync(["run", "not-an-agent", "start"]));
        Assert.Equal(2, await Cli.RunAsync(["run", "ocf:heartbeat:Dummy", "start", "--timeout", "soon"]));
        Assert.Equal(2, await Cli.RunAsync(["run", "ocf:heartbeat:Dummy", "start", "stray"]));
        Assert.Equal(2, await Cli.RunAsync(["fence", "stonith:external/libvirt", "n1", "explode",
            "hostlist=n1", "hypervisor_uri=qemu+ssh://h/system", "identity_file=k", "known_hosts_file=kh"]));
        Assert.Equal(2, await Cli.RunAsync(["fence", "stonith:external/libvirt", "n1", "off", "hostlist=n1"]));
    }

    [Fact]
    public async Task Agent_commands_report_problems_with_exit_1_and_success_with_0()
    {
        Assert.Equal(0, await Cli.RunAsync(["agent", "meta-data", "ocf:heartbeat:Dummy"]));
        Assert.Equal(1, await Cli.RunAsync(["agent", "meta-data", "ocf:heartbeat:NoSuchAgent"]));
        Assert.Equal(0, await Cli.RunAsync(["agent", "validate", "ocf:heartbeat:IPaddr2", "ip=10.77.0.10"]));
        Assert.Equal(1, await Cli.RunAsync(["agent", "validate", "ocf:heartbeat:IPaddr2", "nci=eth0"]));
    }

    [Fact]
    public async Task Run_executes_one_action_through_the_executor()
    {
        var id = _scratch.Id("cli");
        var state = "state=" + _scratch.File("cli.state");
        Assert.Equal(0, await Cli.RunAsync(["run", "ocf:heartbeat:Dummy", "start", "--id", id, state]));
        Assert.True(File.Exists(_scratch.File("cli.state")));
        Assert.Equal(0, await Cli.RunAsync(["run", "ocf:heartbeat:Dummy", "monitor", "--id", id, state]));
        Assert.Equal(0, await Cli.RunAsync(["run", "ocf:heartbeat:Dummy", "stop", "--id", id, state]));
        Assert.Equal(1, await Cli.RunAsync(["run", "ocf:heartbeat:Dummy", "monitor", "--interval", "10s", "--id", id, state]));
    }

    [Fact]
    public async Task Help_names_every_command_on_stdout_and_a_usage_error_prints_it_on_stderr()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await Cli.RunAsync(["help"], stdout, stderr));
        foreach (var command in new[] { "serve", "agent", "run", "fence", "bench" }) Assert.Contains($"  {command} ", stdout.ToString());
        Assert.Equal("", stderr.ToString());

        (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(2, await Cli.RunAsync(["run", "ocf:heartbeat:Dummy", "start", "--interval", "often"], stdout, stderr));
        Assert.Equal("", stdout.ToString());
        Assert.Contains("--interval 'often' is not a duration", stderr.ToString());
        Assert.Contains("Usage:", stderr.ToString());
    }

    [Fact]
    public async Task Completion_comes_from_the_suggest_directive()
    {
        // As dotnet-suggest asks: the command line as one string and the cursor position.
        const string line = "fence stonith:external/libvirt n1 re";
        var stdout = new StringWriter();
        Assert.Equal(0, await Cli.RunAsync([$"[suggest:{line.Length}]", line], stdout, TextWriter.Null));
        Assert.Equal(["reboot"], stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public void Options_carry_what_was_given_by_name_and_the_instance_parameters()
    {
        var parse = Cli.Build().Parse(["run", "ocf:heartbeat:Dummy", "start", "state=/tmp/x", "--id", "d1", "fake=a=b"]);
        Assert.Empty(parse.Errors);

        var options = Options.From(parse);

        Assert.Equal("d1", options.Value("id"));
        Assert.Null(options.Value("timeout"));
        Assert.Equal("/tmp/x", options.Parameters["state"]);
        Assert.Equal("a=b", options.Parameters["fake"]);
        Assert.Equal("n1", Options.Parse(["--node", "n1", "--lease-timeout", "500ms"]).Value("node"));
        Assert.Equal("500ms", Options.Parse(["--node", "n1", "--lease-timeout", "500ms"]).Value("lease-timeout"));
        Assert.Throws<UsageException>(() => Options.Parse(["--lease-timeout", "long"]));
    }

    public void Dispose() => _scratch.Dispose();
}

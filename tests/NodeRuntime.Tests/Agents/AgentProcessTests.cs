using NodeRuntime.Agents;

namespace NodeRuntime.Tests.Agents;

/// <summary>How an agent's run ends when something it started outlives it.</summary>
public sealed class AgentProcessTests
{
    [Fact]
    public async Task The_result_comes_with_the_agents_exit_not_when_a_child_holding_its_pipes_ends()
    {
        // Like IPaddr2 sending its ARPs in the background: the child keeps the agent's stdout and stderr open.
        var dir = Directory.CreateTempSubdirectory("hat-agent-").FullName;
        try
        {
            var marker = Path.Combine(dir, "child-done");
            var agent = Path.Combine(dir, "agent");
            await File.WriteAllTextAsync(agent, $"""
                #!/bin/sh
                echo "starting"
                (sleep 5; touch {marker}) &
                echo "started" >&2
                exit 0
                """);
            File.SetUnixFileMode(agent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            var result = await AgentProcess.RunAsync(agent, [], new Dictionary<string, string>(), TimeSpan.FromSeconds(20), CancellationToken.None);

            Assert.False(File.Exists(marker), "the result waited for the background child");
            Assert.Equal(0, result.ExitCode);
            Assert.False(result.TimedOut);
            Assert.Equal("starting", result.StdoutTail);
            Assert.Equal("started", result.StderrTail);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

using Cib.Domain.Resources;
using NodeRuntime.Execution;

namespace NodeRuntime.Agents;

/// <summary>Runs one action of one agent class (ocf, lsb, ...). The executor picks the runner by class.</summary>
public interface IAgentRunner
{
    bool Handles(ResourceAgent agent);

    Task<OperationOutcome> RunAsync(ActionRequest request, CancellationToken ct);
}

/// <summary>Where and as whom the runners act: this node's name, the clock that stamps results, and an
/// optional command prefix (e.g. <c>ip netns exec NS</c>) placed before every agent program.</summary>
public sealed record AgentHost(string NodeName, TimeProvider Time, IReadOnlyList<string> CommandPrefix)
{
    public static AgentHost Local(string nodeName, TimeProvider? time = null) => new(nodeName, time ?? TimeProvider.System, []);

    public AgentHost InNetworkNamespace(string ns) => this with { CommandPrefix = ["/usr/sbin/ip", "netns", "exec", ns] };

    /// <summary>Program and arguments to start, with the prefix applied.</summary>
    internal (string Program, List<string> Arguments) Command(string program, params string[] arguments) =>
        CommandPrefix.Count == 0
            ? (program, [.. arguments])
            : (CommandPrefix[0], [.. CommandPrefix.Skip(1), program, .. arguments]);
}

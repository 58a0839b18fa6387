namespace NodeRuntime.Execution;

/// <summary>Executes one action on this node and says how it ended. Never throws for an agent failure:
/// every failure (timeout, missing agent, bad rc) is an <see cref="OperationOutcome"/>.</summary>
public interface IResourceExecutor
{
    string NodeName { get; }

    Task<OperationOutcome> ExecuteAsync(ActionRequest request, CancellationToken ct = default);
}

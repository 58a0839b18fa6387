namespace NodeRuntime.Membership;

/// <summary>Can this node reach the event store right now? (The lease renewal's answer, in the control loop.)</summary>
public interface IStoreReachability
{
    Task<bool> IsReachableAsync(CancellationToken ct = default);
}

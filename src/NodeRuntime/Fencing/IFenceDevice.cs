namespace NodeRuntime.Fencing;

/// <summary>A fence device this node can drive: power a target off, on, reboot it, ask its state, check the device.</summary>
public interface IFenceDevice : IAsyncDisposable
{
    string Id { get; }

    /// <summary>The agent, e.g. stonith:external/libvirt or stonith:fence_virsh.</summary>
    string Agent { get; }

    bool CanFence(string node);

    Task<FenceResult> ExecuteAsync(string target, string action, TimeSpan timeout, CancellationToken ct = default);

    /// <summary>Is the device reachable and working? (Pacemaker's stonith monitor.)</summary>
    Task<FenceResult> MonitorAsync(TimeSpan timeout, CancellationToken ct = default);

    /// <summary>
    /// Gets ready to fence without delay (a device that holds a connection opens it now, so that a fence does not
    /// pay for the handshake). Nothing is run on the target. Devices without anything to prepare do nothing.
    /// </summary>
    Task WarmUpAsync(CancellationToken ct = default) => Task.CompletedTask;
}

/// <summary>How a fence action ended; <see cref="PowerState"/> is "on"/"off" when the device said so.</summary>
public sealed record FenceResult(bool Succeeded, string? PowerState, string? Reason, long DurationMs, string? OutputTail = null)
{
    public static FenceResult Ok(long ms, string? powerState = null, string? output = null) => new(true, powerState, null, ms, output);
    public static FenceResult Failed(long ms, string reason, string? output = null) => new(false, null, reason, ms, output);
}

/// <summary>Fence actions (Pacemaker's stonith-action and the agents' own).</summary>
public static class FenceActions
{
    public const string Off = "off";
    public const string On = "on";
    public const string Reboot = "reboot";
    public const string Status = "status";
    public const string Monitor = "monitor";

    /// <summary>Pacemaker accepts "poweroff" for off.</summary>
    public static string Normalize(string action) => action.ToLowerInvariant() switch
    {
        "poweroff" => Off,
        "poweron" => On,
        "reset" => Reboot,
        var a => a,
    };

    public static bool IsKnown(string action) => Normalize(action) is Off or On or Reboot or Status;
}

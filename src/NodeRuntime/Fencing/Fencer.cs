using Cib.Domain;
using Cib.Domain.Fencing;
using NodeRuntime.Execution;

namespace NodeRuntime.Fencing;

/// <summary>
/// Carries out a fencing request on this node (Pacemaker's fencer): runs the chosen device (or the
/// first that can fence the target) and reports <see cref="NodeFenced"/> or <see cref="FencingFailed"/>
/// to the sink. Only off and reboot fence a node; a failure never counts as success.
/// A reboot is carried out as off, then on (Pacemaker's remapped reboot): the node is fenced, and
/// reported so, as soon as the device confirms it is off, so recovery elsewhere does not wait for the
/// node to boot; the power-on follows (<see cref="PowerOn"/>) and only its failure is reported
/// (<see cref="FencedNodePowerOnFailed"/>): it never undoes the fence.
/// </summary>
public sealed class Fencer(string nodeName, IReadOnlyList<IFenceDevice> devices, IEventSink sink, TimeProvider time)
{
    /// <summary>The power-on that follows a reboot's confirmed off (completed when there is none).</summary>
    public Task PowerOn { get; private set; } = Task.CompletedTask;

    public async Task<ICibEvent> FenceAsync(FencingRequested request, TimeSpan timeout, CancellationToken ct = default)
    {
        var (result, device) = await RunAsync(request, timeout, ct);
        await sink.AppendAsync(result, ct);
        if (result is NodeFenced { Action: FenceActions.Reboot } && device is not null)
            PowerOn = PowerOnAsync(device, request, timeout, ct);
        return result;
    }

    private async Task<(ICibEvent, IFenceDevice?)> RunAsync(FencingRequested request, TimeSpan timeout, CancellationToken ct)
    {
        var action = FenceActions.Normalize(request.Action);
        if (action is not (FenceActions.Off or FenceActions.Reboot))
            return (Failed(request, request.Device, $"'{request.Action}' does not fence a node (use off or reboot)"), null);

        var device = request.Device is { } id
            ? devices.FirstOrDefault(d => d.Id == id)
            : devices.FirstOrDefault(d => d.CanFence(request.Target));
        if (device is null)
            return (Failed(request, request.Device, request.Device is null
                ? $"no fence device on {nodeName} can fence {request.Target}"
                : $"fence device {request.Device} is not available on {nodeName}"), null);
        if (!device.CanFence(request.Target))
            return (Failed(request, device.Id, $"fence device {device.Id} cannot fence {request.Target}"), null);

        FenceResult result;
        try
        {
            result = await device.ExecuteAsync(request.Target, FenceActions.Off, timeout, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            result = FenceResult.Failed(0, $"fence device {device.Id} failed: {e.Message}");
        }
        return result.Succeeded
            ? (new NodeFenced(request.RequestId, request.Target, device.Id, action, nodeName, result.DurationMs, time.GetUtcNow()), device)
            : (Failed(request, device.Id, result.Reason ?? "the device reported failure"), device);
    }

    private async Task PowerOnAsync(IFenceDevice device, FencingRequested request, TimeSpan timeout, CancellationToken ct)
    {
        FenceResult on;
        try
        {
            on = await device.ExecuteAsync(request.Target, FenceActions.On, timeout, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            on = FenceResult.Failed(0, e.Message);
        }
        if (on.Succeeded) return;
        await sink.AppendAsync(new FencedNodePowerOnFailed(request.RequestId, request.Target, device.Id,
            on.Reason ?? "the device reported failure", nodeName, time.GetUtcNow()), ct);
    }

    private FencingFailed Failed(FencingRequested request, string? device, string reason) =>
        new(request.RequestId, request.Target, device, reason, request.Attempt, GaveUp: false, time.GetUtcNow());
}

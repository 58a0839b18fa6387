using Cib.Domain;
using Cib.Domain.Fencing;
using NodeRuntime.Execution;

namespace NodeRuntime.Fencing;

/// <summary>
/// Carries out a fencing request on this node (Pacemaker's fencer): runs the chosen device (or the
/// first that can fence the target) and reports <see cref="NodeFenced"/> or <see cref="FencingFailed"/>
/// to the sink. Only off and reboot fence a node; a failure never counts as success.
/// </summary>
public sealed class Fencer(string nodeName, IReadOnlyList<IFenceDevice> devices, IEventSink sink, TimeProvider time)
{
    public async Task<ICibEvent> FenceAsync(FencingRequested request, TimeSpan timeout, CancellationToken ct = default)
    {
        var result = await RunAsync(request, timeout, ct);
        await sink.AppendAsync(result, ct);
        return result;
    }

    private async Task<ICibEvent> RunAsync(FencingRequested request, TimeSpan timeout, CancellationToken ct)
    {
        var action = FenceActions.Normalize(request.Action);
        if (action is not (FenceActions.Off or FenceActions.Reboot))
            return Failed(request, request.Device, $"'{request.Action}' does not fence a node (use off or reboot)");

        var device = request.Device is { } id
            ? devices.FirstOrDefault(d => d.Id == id)
            : devices.FirstOrDefault(d => d.CanFence(request.Target));
        if (device is null)
            return Failed(request, request.Device, request.Device is null
                ? $"no fence device on {nodeName} can fence {request.Target}"
                : $"fence device {request.Device} is not available on {nodeName}");
        if (!device.CanFence(request.Target))
            return Failed(request, device.Id, $"fence device {device.Id} cannot fence {request.Target}");

        FenceResult result;
        try
        {
            result = await device.ExecuteAsync(request.Target, action, timeout, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            result = FenceResult.Failed(0, $"fence device {device.Id} failed: {e.Message}");
        }
        return result.Succeeded
            ? new NodeFenced(request.RequestId, request.Target, device.Id, action, nodeName, result.DurationMs, time.GetUtcNow())
            : Failed(request, device.Id, result.Reason ?? "the device reported failure");
    }

    private FencingFailed Failed(FencingRequested request, string? device, string reason) =>
        new(request.RequestId, request.Target, device, reason, request.Attempt, GaveUp: false, time.GetUtcNow());
}

using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Projections.Store;
using Npgsql;

namespace NodeRuntime.Membership;

/// <summary>
/// A node runtime's side of membership: renew the lease at an interval, tell the runtime's lease watch of every
/// renewal that was answered (<see cref="Renewed"/>, with the instant it was <em>sent</em>: the store stamped it
/// after that, so the controller's view of the lease never outlasts the node's), and leave cleanly on shutdown.
/// Each renewal has a hard deadline (<see cref="StoreDeadline"/>): on a dead link it is abandoned, never waited for.
/// </summary>
public sealed class NodeLease(NpgsqlDataSource db, string node, TimeProvider time, TimeSpan? renewalDeadline = null)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _left;

    public string Incarnation { get; } = Guid.CreateVersion7().ToString();

    /// <summary>When the last answered renewal was sent, by this node's clock; null before the first.</summary>
    public DateTimeOffset? LastRenewed { get; private set; }

    /// <summary>A renewal sent at the given instant (this node's clock) was answered: the store had this node's lease then.</summary>
    public event Action<DateTimeOffset>? Renewed;

    public async Task RunAsync(TimeSpan interval, CancellationToken ct)
    {
        var leases = new Leases(db);
        // The lease timeout: each renewal's deadline. Three quarters of it (three renewal intervals) without a renewal of
        // anyone's marks an outage of the store (LeaseLoss.OutageGap).
        var leaseTimeout = renewalDeadline ?? interval * 4;
        using var timer = new PeriodicTimer(interval, time);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // Renewals and the clean leave exclude each other: no renewal may land after the lease is released.
                await _gate.WaitAsync(ct);
                try
                {
                    if (_left) break;
                    var sentAt = time.GetUtcNow();
                    await StoreDeadline.RunAsync(c => leases.RenewAsync(node, Incarnation, LeaseLoss.OutageGap(leaseTimeout), c), leaseTimeout, time, ct);
                    LastRenewed = sentAt;
                    Renewed?.Invoke(sentAt);
                }
                finally
                {
                    _gate.Release();
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception)
            {
                // Whatever failed (unreachable store, deadline passed, the driver gave up): no contact. LastRenewed ages,
                // and the runtime's lease watch, on a timer of its own, acts on that.
            }
            try
            {
                if (!await timer.WaitForNextTickAsync(ct)) break;
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>A clean shutdown: NodeLeft (nothing needs fencing) and the lease removed.</summary>
    public async Task LeaveAsync(string reason, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            _left = true;
        }
        finally
        {
            _gate.Release();
        }
        await new CibEventLog(db).AppendAsync(StreamIds.Node(node), [new NodeLeft(node, reason, await StoreClock.NowAsync(db, ct))],
            AppendMetadata.Stamp(CommandMetadata.For(Actor.Node(node)), reason), ct);
        await new Leases(db).ReleaseAsync(node, Incarnation, ct);
    }
}

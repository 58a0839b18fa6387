using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Projections.Store;
using Npgsql;

namespace Cib.Projections.Cluster;

/// <summary>
/// A node runtime's side of membership: renew the lease at an interval, know since when the store has been
/// unreachable (for the no-quorum-policy), and leave cleanly on shutdown.
/// </summary>
public sealed class NodeLease(NpgsqlDataSource db, string node, TimeProvider time)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _left;

    public string Incarnation { get; } = Guid.CreateVersion7().ToString();

    /// <summary>When the last renewal succeeded, by this node's clock; null before the first.</summary>
    public DateTimeOffset? LastRenewed { get; private set; }

    public async Task RunAsync(TimeSpan interval, CancellationToken ct)
    {
        var leases = new Leases(db);
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
                    await leases.RenewAsync(node, Incarnation, ct);
                    LastRenewed = time.GetUtcNow();
                }
                finally
                {
                    _gate.Release();
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                // Unreachable store: LastRenewed ages, and the runtime's lease-loss policy reads it.
            }
            catch (OperationCanceledException)
            {
                break;
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

namespace Cib.Domain.Nodes;

/// <summary>
/// The timing rules of lease loss, shared by the node runtime (which applies no-quorum-policy) and the controller
/// (which, with fencing disabled, must not recover a lost node's resources before that node has stopped them).
///
/// The argument, with T the lease timeout: a node runtime counts a renewal from the instant it <em>sent</em> it, and the
/// store stamps the renewal later, so the node's own lease ends no later than the store's. The node decides on a timer
/// of its own, every <see cref="CheckInterval"/>, so it applies the policy at most T + CheckInterval after the last
/// renewal the store recorded, without waiting on any call to the store. With no-quorum-policy=stop it then lets the
/// starts already running end (each within its start timeout, in parallel) and stops everything, one after the other,
/// each within its stop timeout. The controller declares the node lost when its lease is older than T by the store's
/// clock; from that instant the node is done stopping within <see cref="StopBound"/>, so the controller waits that
/// long, plus a margin for clocks and scheduling, before it recovers anything the node ran.
/// </summary>
public static class LeaseLoss
{
    /// <summary>How often a node runtime checks its lease: a tenth of the lease timeout.</summary>
    public static TimeSpan CheckInterval(TimeSpan leaseTimeout) => leaseTimeout / 10;

    /// <summary>
    /// From the moment the controller declares the node lost, the longest the node can take to have stopped everything:
    /// one check interval, the longest start still running there, and every stop one after the other.
    /// </summary>
    public static TimeSpan StopBound(TimeSpan leaseTimeout, IEnumerable<TimeSpan> startsInFlight, IEnumerable<TimeSpan> stops)
    {
        var longestStart = startsInFlight.DefaultIfEmpty(TimeSpan.Zero).Max();
        var allStops = stops.Aggregate(TimeSpan.Zero, (sum, t) => sum + t);
        return CheckInterval(leaseTimeout) + longestStart + allStops;
    }
}

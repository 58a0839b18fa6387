namespace Cib.Domain.Nodes;

/// <summary>
/// The timing rules of lease loss, shared by the node runtime (which applies no-quorum-policy) and the controller
/// (which, with fencing disabled, must not recover a lost node's resources before that node has stopped them), and the
/// rules that let the cluster ride out an outage of its store. docs/safety.md gives the whole argument.
///
/// The argument, with T the lease timeout and B the store-outage bound: a node runtime counts a renewal from the instant
/// it <em>sent</em> it, and the store stamps the renewal later, so the node's own lease ends no later than the store's.
/// A node cannot tell its own isolation from an outage of the store: once its lease has run out it freezes (starts
/// nothing, keeps what runs) for up to B more, and only then applies no-quorum-policy. It decides on a timer of its own,
/// every <see cref="CheckInterval"/>, so it applies the policy at most T + B + CheckInterval after the last renewal the
/// store recorded, without waiting on any call to the store. With no-quorum-policy=stop it then lets the starts already
/// running end (each within its start timeout, in parallel) and stops everything, one after the other, each within its
/// stop timeout. The controller declares the node lost when its lease is older than T by the store's clock (and no
/// sooner than <see cref="LeaseHolds"/> allows); from that instant the node is done stopping within
/// <see cref="StopBound"/>, so the controller waits that long, plus a margin for clocks and scheduling, before it
/// recovers anything the node ran.
/// </summary>
public static class LeaseLoss
{
    /// <summary>How often a node runtime checks its lease: a tenth of the lease timeout.</summary>
    public static TimeSpan CheckInterval(TimeSpan leaseTimeout) => leaseTimeout / 10;

    /// <summary>
    /// From the moment the controller declares the node lost, the longest the node can take to have stopped everything:
    /// the store-outage bound it stays frozen, one check interval, the longest start still running there, and every stop
    /// one after the other.
    /// </summary>
    public static TimeSpan StopBound(TimeSpan leaseTimeout, TimeSpan storeOutageBound, IEnumerable<TimeSpan> startsInFlight, IEnumerable<TimeSpan> stops)
    {
        var longestStart = startsInFlight.DefaultIfEmpty(TimeSpan.Zero).Max();
        var allStops = stops.Aggregate(TimeSpan.Zero, (sum, t) => sum + t);
        return storeOutageBound + CheckInterval(leaseTimeout) + longestStart + allStops;
    }

    /// <summary>
    /// A gap in everyone's renewals longer than this marks an outage of the store: three quarters of a lease timeout,
    /// three renewal intervals of every node (each renews four times per lease timeout), so that one node renewing alone
    /// may be late by two intervals without its lateness reading as an outage (which would only delay declarations).
    /// </summary>
    public static TimeSpan OutageGap(TimeSpan leaseTimeout) => leaseTimeout * 3 / 4;

    /// <summary>
    /// The store's latest return from an outage, as the controller sees it at <paramref name="now"/>: the liveness row's
    /// (the first renewal after the latest gap in everyone's renewals, and how long the gap was), or now itself when no
    /// renewal of anyone's has come for longer than <see cref="OutageGap"/> (the store is just back and nobody has renewed
    /// yet, or nobody could renew until now: the outage so far).
    /// </summary>
    public static StoreReturn? LatestReturn(DateTimeOffset? lastRenewal, StoreReturn? recorded, TimeSpan leaseTimeout, DateTimeOffset now) =>
        lastRenewal is { } last && now - last > OutageGap(leaseTimeout) ? new StoreReturn(now, now - last) : recorded;

    /// <summary>
    /// Does a node's lease still hold, by the store's clock? It does while it was renewed within the lease timeout; and a
    /// lease cannot run out while the store could take no renewals: after an outage of the store (no renewal of anyone's
    /// for longer than <see cref="OutageGap"/>), every node gets, from the store's return, a lease timeout plus as long as
    /// the outage lasted, at most the store-outage bound: time to find the store again, which grows with the outage
    /// (sessions to a member that died wait out their timeouts, pools fill again), without a short hiccup of the store
    /// delaying the detection of a node that really died by the whole bound. Only ever later than the lease alone.
    /// </summary>
    public static bool LeaseHolds(DateTimeOffset renewedAt, StoreReturn? storeBack, TimeSpan leaseTimeout, TimeSpan storeOutageBound, DateTimeOffset now) =>
        now - renewedAt <= leaseTimeout
        || storeBack is { } back && now - back.At <= leaseTimeout + (back.Outage < storeOutageBound ? back.Outage : storeOutageBound);
}

/// <summary>The store came back at <paramref name="At"/> (store clock) after taking no renewals for <paramref name="Outage"/>.</summary>
public sealed record StoreReturn(DateTimeOffset At, TimeSpan Outage);

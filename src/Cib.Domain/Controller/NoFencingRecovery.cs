using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;

namespace Cib.Domain.Controller;

/// <summary>
/// With fencing disabled, how long after declaring a node lost the controller waits before recovering what it ran:
/// the time the node's own runtime may take to stop it all under no-quorum-policy, after riding out the store-outage bound
/// frozen (<see cref="LeaseLoss.StopBound"/>),
/// plus a margin. Pure: what may run there comes from the log (<see cref="ResourceActivity"/>: its results, and the starts
/// dispatched there that have not reported, so a controller that took over knows them too) and the actions in flight
/// when the node was lost.
/// </summary>
public static class NoFencingRecovery
{
    public static TimeSpan Wait(string node, ClusterConfiguration configuration, ResourceActivity activity, IEnumerable<PlannedAction> inFlight,
        TimeSpan leaseTimeout, TimeSpan storeOutageBound, TimeSpan margin)
    {
        var starting = inFlight.Where(a => a.Node == node && a.Resource is not null && a.Operation is "start" or "promote")
            .Select(a => (Resource: a.Resource!, a.TimeoutMs))
            .Concat(activity.StartsInFlightOn(node).Select(d => (Resource: d.Resource!, d.TimeoutMs)))
            .ToList();
        var mayRun = PossiblyActive(node, configuration, activity).Union(starting.Select(a => a.Resource), StringComparer.Ordinal).ToList();
        return LeaseLoss.StopBound(leaseTimeout, storeOutageBound,
            starting.Select(a => TimeSpan.FromMilliseconds(a.TimeoutMs)),
            mayRun.Select(r => OperationTimeouts.Of(configuration, r, "stop", 0))) + margin;
    }

    /// <summary>
    /// Primitives (fence devices aside: nothing to stop) whose latest start, stop, promote, demote or monitor result on the
    /// node does not say "stopped" (a successful stop, or rc 7 "not running"). A failed start counts as running.
    /// </summary>
    public static IEnumerable<string> PossiblyActive(string node, ClusterConfiguration configuration, ResourceActivity activity) =>
        configuration.Resources.Values.OfType<Primitive>().Where(p => !p.IsFenceDevice && activity.MayRun(p.Id, node)).Select(p => p.Id);
}

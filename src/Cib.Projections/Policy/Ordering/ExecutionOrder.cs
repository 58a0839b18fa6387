using Cib.Domain.Primitives;
using Cib.Domain.Transitions;

namespace Cib.Projections.Policy.Ordering;

/// <summary>
/// The orderings every transition graph has, whatever placement decided (the last part of the ordering step, once
/// the actions exist): a resource is probed everywhere before it is started or stopped anywhere (so that a copy
/// found running is never doubled), and a recurring monitor begins after the start, and the probe, on its node.
/// </summary>
internal static class ExecutionOrder
{
    public const string ProbeFirst = "probe before acting";
    public const string MonitorAfterStart = "monitor after start";
    public const string MonitorAfterProbe = "monitor after probe";

    /// <summary><paramref name="orderings"/> and after them the execution orderings of <paramref name="actions"/>, resource by resource in order of first appearance.</summary>
    public static ValueList<ActionOrdering> With(ValueList<GraphAction> actions, ValueList<ActionOrdering> orderings)
    {
        var all = new List<ActionOrdering>(orderings);
        Add(actions, all);
        return ValueList<ActionOrdering>.Of(all);
    }

    /// <summary>Adds the execution orderings of <paramref name="actions"/> to <paramref name="orderings"/>, resource by resource in order of first appearance.</summary>
    public static void Add(IReadOnlyList<GraphAction> actions, List<ActionOrdering> orderings)
    {
        // Group by resource; a resource's actions mostly come together, so the last group is tried first.
        var groups = new List<List<GraphAction>>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        string? lastResource = null;
        List<GraphAction>? last = null;
        foreach (var a in actions)
        {
            if (a.Resource is not { } r) continue;
            if (last is null || r != lastResource)
            {
                if (!index.TryGetValue(r, out var i))
                {
                    i = groups.Count;
                    index.Add(r, i);
                    groups.Add([]);
                }
                last = groups[i];
                lastResource = r;
            }
            last.Add(a);
        }

        // Every probe of a resource before each of its starts and stops: on a cold start, most of the graph.
        var count = 0L;
        foreach (var group in groups)
        {
            int p = 0, c = 0, m = 0;
            foreach (var a in group)
                if (a.Kind == ActionKind.Probe) p++;
                else if (a.Kind is ActionKind.Start or ActionKind.Stop) c++;
                else if (a.Kind == ActionKind.Monitor) m++;
            count += (long)p * c + 2L * m;
        }
        orderings.EnsureCapacity((int)Math.Min(int.MaxValue / 2, orderings.Count + count));

        var probes = new List<GraphAction>();
        foreach (var group in groups)
        {
            probes.Clear();
            foreach (var a in group)
                if (a.Kind == ActionKind.Probe) probes.Add(a);
            if (probes.Count > 0)
                foreach (var change in group)
                    if (change.Kind is ActionKind.Start or ActionKind.Stop)
                        foreach (var probe in probes)
                            orderings.Add(new ActionOrdering(probe.Key, change.Key, ProbeFirst));
            foreach (var monitor in group)
            {
                if (monitor.Kind != ActionKind.Monitor) continue;
                foreach (var start in group)
                    if (start.Kind == ActionKind.Start && start.Node == monitor.Node)
                        orderings.Add(new ActionOrdering(start.Key, monitor.Key, MonitorAfterStart));
                foreach (var probe in probes)
                    if (probe.Node == monitor.Node)
                        orderings.Add(new ActionOrdering(probe.Key, monitor.Key, MonitorAfterProbe));
            }
        }
    }
}

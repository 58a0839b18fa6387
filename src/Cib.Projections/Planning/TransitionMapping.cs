using Cib.Domain.Configuration;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Projections.Policy;
using Cib.Projections.Policy.Rendering;

namespace Cib.Projections.Planning;

/// <summary>
/// The policy engine's transition as the stored <see cref="TransitionPlanned"/>: numbered actions with their
/// dependencies and timeouts. Actions the engine could not run (blocked) are left out, with everything
/// that depends on them. Only a mapping: every ordering, the execution ones (probe first, monitor after start)
/// too, comes from the engine.
/// </summary>
public static class TransitionMapping
{
    public const string PolicyVersion = "policy-1";

    public static TransitionPlanned ToEvent(string transitionId, long asOfSequence, Transition transition, ClusterConfiguration configuration, DateTimeOffset at)
    {
        var blocked = new HashSet<string>(transition.Actions.Where(a => !a.Runnable).Select(a => a.Key), StringComparer.Ordinal);
        var before = transition.Orderings
            .GroupBy(o => o.After).ToDictionary(g => g.Key, g => g.Select(o => o.Before).Distinct().ToList(), StringComparer.Ordinal);
        bool changed;
        do
        {
            changed = false;
            foreach (var a in transition.Actions.Where(a => !blocked.Contains(a.Key)))
                if (before.TryGetValue(a.Key, out var deps) && deps.Any(blocked.Contains))
                    changed |= blocked.Add(a.Key);
        } while (changed);

        var kept = transition.Actions.Where(a => !blocked.Contains(a.Key)).ToList();
        var ids = kept.Select((a, i) => (a.Key, Id: i + 1)).ToDictionary(x => x.Key, x => x.Id, StringComparer.Ordinal);
        var actions = kept.Select(a => new PlannedAction(
            ids[a.Key],
            a.Kind,
            a.Resource,
            a.Node,
            Operation(a, configuration),
            a.IntervalMs,
            (long)Timeout(a, configuration).TotalMilliseconds,
            ValueList<int>.Of(before.TryGetValue(a.Key, out var deps) ? deps.Where(ids.ContainsKey).Select(d => ids[d]).Distinct().Order() : []),
            a.Reason)).ToList();
        return new TransitionPlanned(transitionId, asOfSequence, PolicyVersion, ValueList<PlannedAction>.Of(actions),
            ValueList<string>.Of(TransitionSummary.Lines(transition).Select(l => l.Trim())), null, at);
    }

    private static string Operation(GraphAction a, ClusterConfiguration c) => a.Kind switch
    {
        ActionKind.Fence => c.Options.FenceAction,
        ActionKind.Start => "start",
        ActionKind.Stop => "stop",
        ActionKind.Monitor or ActionKind.Probe => "monitor",
        _ => a.Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>The operation's own timeout, else op_defaults, else 20 s; fencing: stonith-timeout.</summary>
    public static TimeSpan Timeout(GraphAction a, ClusterConfiguration c)
    {
        if (a.Kind == ActionKind.Fence) return c.Options.StonithTimeoutValue.ToTimeSpan();
        return OperationTimeouts.Of(c, a.Resource, Operation(a, c), a.IntervalMs);
    }
}

using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Projections.Policy;
using Cib.Projections.ReadModels.ClusterStatus;

namespace Cib.Projections.Planning;

/// <summary>
/// Why a recorded transition was planned: the same inputs (the configuration and status as of its <c>AsOfSequence</c>,
/// its own "now") planned again, the summary recorded and replayed (equal, or the replay found a difference), and the
/// engine's reasons: each resource's score per node with the contributions that made it, the nodes ruled out with the
/// check that did it, and the engine's notes.
/// </summary>
public sealed record Explanation(
    string TransitionId, long AsOfSequence, DateTimeOffset At, IReadOnlyList<string> Recorded, IReadOnlyList<string> Replayed, bool Same,
    IReadOnlyList<Contribution> Placement, IReadOnlyList<ScoreEntry> Scores, IReadOnlyList<Rejection> Rejections, IReadOnlyList<string> Notes);

/// <summary>
/// A resource's final score on a node (the engine's "primitive" stage) and what made it, by name: the engine's own
/// factors (stickiness, location, target-role, feasibility ...), each location constraint on the node by its id, each
/// colocation the resource depends on with where its primary ends up, and the check that ruled the node out.
/// </summary>
public sealed record Contribution(string Resource, string Node, Score Score, bool Chosen, IReadOnlyList<string> Because);

/// <summary>What would happen: the transition the engine plans for a state with hypothetical events applied; nothing is appended.</summary>
public sealed record WhatIfResult(long AsOfSequence, DateTimeOffset At, IReadOnlyList<string> Applied, IReadOnlyList<string> Summary,
    IReadOnlyList<ScoreEntry> Scores, IReadOnlyList<Rejection> Rejections, IReadOnlyList<string> Notes);

/// <summary>
/// Hypothetical events, as crm_simulate injects them: nodes lost (no clean shutdown) or back, a resource's operation
/// failing (<c>R:OP</c>, or <c>R:OP:NODE</c>; by default on the node it runs on, rc 1), nodes put in standby.
/// </summary>
public sealed record WhatIf(
    IReadOnlyList<string> NodesLost, IReadOnlyList<string> NodesBack, IReadOnlyList<string> ResourcesFailed, IReadOnlyList<string> Standby)
{
    public static readonly WhatIf None = new([], [], [], []);
}

/// <summary>Pure: the folds and plans behind replay, explain and what-if. The edges read the log and pass "now".</summary>
public static class Explaining
{
    /// <summary>The configuration and status after the given events, in order.</summary>
    public static (ClusterConfiguration Configuration, ClusterStatus Status) Fold(
        IEnumerable<(object Data, long Sequence)> events, ClusterConfiguration? configuration = null, ClusterStatus? status = null)
    {
        var (c, s) = (configuration ?? ClusterConfiguration.Empty, status ?? ClusterStatus.Empty);
        foreach (var (data, sequence) in events)
        {
            if (data is IConfigurationEvent ce) c = ConfigurationDecider.Evolve(c, ce);
            else if (data is IStatusEvent se) s = s.Apply(se, sequence);
        }
        return (c, s);
    }

    public static Explanation Explain(ClusterConfiguration configuration, ClusterStatus status, TransitionPlanned recorded, string? resource = null)
    {
        var transition = PolicyEngine.Plan(PlanningInput.From(configuration, status, recorded.At));
        var replayed = TransitionMapping.ToEvent(recorded.TransitionId, recorded.AsOfSequence, transition, configuration, recorded.At)
            with { Trace = string.Join("\n", transition.Trace.Notes) };
        var same = System.Text.Json.JsonSerializer.Serialize(replayed) == System.Text.Json.JsonSerializer.Serialize(recorded);
        return new Explanation(recorded.TransitionId, recorded.AsOfSequence, recorded.At, [.. recorded.Summary], [.. replayed.Summary], same,
            Contributions(configuration, transition, recorded.At, resource),
            [.. transition.Trace.Scores.Where(s => Concerns(s.Resource, resource, configuration))],
            [.. transition.Trace.Rejections.Where(r => Concerns(r.Resource, resource, configuration))],
            [.. transition.Trace.Notes.Where(n => resource is null || n.Contains(resource, StringComparison.Ordinal))]);
    }

    /// <summary>The state with the hypothetical events applied (as of <paramref name="position"/>, at <paramref name="now"/>), and what the engine plans for it.</summary>
    public static WhatIfResult Simulate(ClusterConfiguration configuration, ClusterStatus status, long position, DateTimeOffset now, WhatIf what)
    {
        var applied = new List<string>();
        foreach (var node in what.Standby)
        {
            RequireNode(configuration, node);
            var decided = ConfigurationDecider.Decide(new ChangeConfiguration(0, [new SetNodeStandby(node, true)], now, Actor.System("what-if")), configuration);
            if (!decided.IsAccepted) throw new DomainException(decided.Errors);
            configuration = ConfigurationDecider.Fold(decided.Events, configuration);
            applied.Add($"{node} in standby");
        }
        var next = position;
        foreach (var node in what.NodesLost)
        {
            RequireNode(configuration, node);
            status = status.Apply(new NodeLost(node, "what-if: lost", now, now), ++next);
            applied.Add($"{node} lost");
        }
        foreach (var node in what.NodesBack)
        {
            RequireNode(configuration, node);
            status = status.Apply(new NodeJoined(node, $"what-if-{node}", "what-if: back", now), ++next);
            applied.Add($"{node} back");
        }
        foreach (var spec in what.ResourcesFailed)
        {
            var parts = spec.Split(':');
            if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0))
                throw new DomainException([new DomainError("what-if-invalid", $"'{spec}': a failure is RESOURCE:OPERATION or RESOURCE:OPERATION:NODE", spec)]);
            var (id, operation) = (parts[0], parts[1]);
            if (configuration.Resources.GetValueOrDefault(id) is not Primitive primitive)
                throw new DomainException([new DomainError("unknown-resource", $"no primitive '{id}'", id)]);
            var node = parts.Length == 3 ? parts[2] : RunningOn(configuration, status, id)
                ?? throw new DomainException([new DomainError("what-if-invalid", $"{id} runs nowhere: name the node ({id}:{operation}:NODE)", spec)]);
            RequireNode(configuration, node);
            var interval = operation == "monitor"
                ? primitive.Operations.FirstOrDefault(o => o.Name == "monitor" && o.IsRecurring)?.Interval.Milliseconds ?? 0
                : 0;
            status = status.Apply(new ResourceOperationFailed(id, node, operation, interval, OcfRc.GenericError, OperationStatus.Done,
                new OperationOrigin(null, null), 0, null, "what-if", now), ++next);
            applied.Add($"{id} {operation} failed on {node}");
        }
        var transition = PolicyEngine.Plan(PlanningInput.From(configuration, status, now));
        var planned = TransitionMapping.ToEvent($"what-if-{position}", position, transition, configuration, now);
        return new WhatIfResult(position, now, applied, [.. planned.Summary], [.. transition.Trace.Scores], [.. transition.Trace.Rejections], [.. transition.Trace.Notes]);
    }

    /// <summary>Each primitive's final score per node, with the named contributions behind it (see <see cref="Contribution"/>).</summary>
    public static IReadOnlyList<Contribution> Contributions(ClusterConfiguration configuration, Transition transition, DateTimeOffset at, string? resource = null)
    {
        var trace = transition.Trace;
        var outcome = trace.Outcome.ToDictionary(p => p.Resource, p => p.Node, StringComparer.Ordinal);
        var own = trace.Scores.Where(s => s.Stage is "own" or "group").GroupBy(s => (s.Resource, s.Node)).ToDictionary(g => g.Key, g => g.SelectMany(s => s.Factors).ToList());
        var result = new List<Contribution>();
        foreach (var final in trace.Scores.Where(s => s.Stage == "primitive" && Concerns(s.Resource, resource, configuration)))
        {
            var (id, node) = (final.Resource, final.Node);
            var group = configuration.GroupOf(id);
            var because = new List<string>(own.GetValueOrDefault((id, node)) ?? []);
            // The constraints behind the engine's "location" factor, by name (the resource's own, and its group's).
            foreach (var l in configuration.Constraints.Values.OfType<LocationConstraint>()
                         .Where(l => (l.Resource == id || l.Resource == group?.Id) && l.Node == node))
                because.Add(l.AppliesAt(at) ? $"location {l.Id}: {l.Score}" : $"location {l.Id}: ended {l.Until:u}, no effect");
            foreach (var c in configuration.Constraints.Values.OfType<ColocationConstraint>().Where(c => c.Dependent == id || c.Dependent == group?.Id))
            {
                var primaryNode = outcome.GetValueOrDefault(c.With) ?? (configuration.Resources.GetValueOrDefault(c.With) is Group pg
                    ? pg.Members.Select(m => outcome.GetValueOrDefault(m)).FirstOrDefault(n => n is not null) : null);
                because.Add($"colocation {c.Id} with {c.With} ({c.Score}): {c.With} {(primaryNode is null ? "runs nowhere" : $"on {primaryNode}")}"
                            + (primaryNode == node ? ", here" : ""));
            }
            var position = group is null ? -1 : group.Members.ToList().IndexOf(id);
            if (position > 0) because.Add($"group {group!.Id}: follows {group.Members[position - 1]}");
            foreach (var r in trace.Rejections.Where(r => r.Resource == id && r.Node == node)) because.Add($"ruled out by {r.Check}: {r.Reason}");
            result.Add(new Contribution(id, node, final.Score, outcome.GetValueOrDefault(id) == node, because));
        }
        return result;
    }

    private static string? RunningOn(ClusterConfiguration configuration, ClusterStatus status, string id) =>
        StatusView.From(configuration, status, status.Sequence).Resources
            .SelectMany(r => r.Members.Count == 0 ? [r] : r.Members).FirstOrDefault(r => r.Id == id)?.Nodes.FirstOrDefault();

    private static void RequireNode(ClusterConfiguration configuration, string node)
    {
        if (!configuration.Nodes.ContainsKey(node)) throw new DomainException([new DomainError("unknown-node", $"no such node '{node}'", node)]);
    }

    /// <summary>Scores and rejections of the resource, or of a group's members, or all when none is named.</summary>
    private static bool Concerns(string subject, string? resource, ClusterConfiguration configuration) =>
        resource is null || subject == resource || configuration.Resources.GetValueOrDefault(resource) is Group g && g.Members.Contains(subject);
}

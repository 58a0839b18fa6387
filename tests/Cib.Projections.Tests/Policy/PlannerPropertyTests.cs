using CsCheck;
using Cib.Domain.Transitions;
using Cib.Projections.Policy;
using Cib.Projections.Policy.Rendering;
using Xunit;

namespace Cib.Projections.Tests.Policy;

/// <summary>Safety invariants of the planner over generated cluster states.</summary>
public class PlannerPropertyTests
{
    private static readonly Gen<int[]> Seeds = Gen.Int[0, 10_000].Array[40];

    [Fact]
    public void Same_input_gives_the_same_plan() =>
        Seeds.Sample(r =>
        {
            var state = GeneratedClusters.Build(r);
            Assert.Equal(Render(PolicyEngine.Plan(state)), Render(PolicyEngine.Plan(state)));
        }, iter: 300);

    [Fact]
    public void No_primitive_is_planned_active_on_two_nodes() =>
        Seeds.Sample(r =>
        {
            var plan = PolicyEngine.Plan(GeneratedClusters.Build(r));
            var starts = plan.Actions.Where(a => a.Kind == ActionKind.Start && a.Runnable).GroupBy(a => a.Resource);
            Assert.All(starts, g => Assert.Single(g));
            Assert.All(Placement(plan), p => Assert.True(p.Value.Count <= 1, $"{p.Key} ends on {string.Join(",", p.Value)}"));
        }, iter: 300);

    [Fact]
    public void Nothing_starts_on_an_unclean_node_and_offline_nodes_get_only_fencing() =>
        Seeds.Sample(r =>
        {
            var state = GeneratedClusters.Build(r);
            var plan = PolicyEngine.Plan(state);
            var down = state.Nodes.Values.Where(n => n.InCluster != "true" || n.Crmd != NodeStatus.Online).Select(n => n.Name)
                .Concat(state.Configuration.Nodes.Keys.Where(n => !state.Nodes.ContainsKey(n))).ToHashSet();
            foreach (var a in plan.Actions.Where(a => down.Contains(a.Node)))
                Assert.True(a.Kind == ActionKind.Fence || !a.Runnable, $"{a} on offline/unclean {a.Node}");
            foreach (var start in plan.Actions.Where(a => a.Kind == ActionKind.Start))
                Assert.DoesNotContain(start.Node, down);
            // Recovery of what a lost node ran waits for its fence.
            var fences = plan.Actions.Where(a => a.Kind == ActionKind.Fence).Select(a => a.Key).ToHashSet();
            foreach (var start in plan.Actions.Where(a => a.Kind == ActionKind.Start))
                Assert.All(fences, f => Assert.Contains(plan.Orderings, o => o.Before == f && o.After == start.Key));
        }, iter: 300);

    private static readonly string[] Checks = ["node-online", "node-clean", "node-pending", "node-shutdown", "node-standby", "node-maintenance", "resource-ban"];

    [Fact]
    public void Every_rejection_names_its_check_and_nothing_starts_where_a_check_rejected_it() =>
        Seeds.Sample(r =>
        {
            var plan = PolicyEngine.Plan(GeneratedClusters.Build(r));
            var rejected = plan.Trace.Rejections;
            Assert.All(rejected, x => Assert.Contains(x.Check, Checks));
            Assert.Equal(rejected.Select(x => $"{x.Resource} cannot run on {x.Node}: {x.Reason}"),
                plan.Trace.Notes.Where(n => n.Contains(" cannot run on ", StringComparison.Ordinal)));
            var banned = rejected.Select(x => (x.Resource, x.Node)).ToHashSet();
            foreach (var start in plan.Actions.Where(a => a.Kind == ActionKind.Start && a.Runnable))
                Assert.DoesNotContain((start.Resource!, start.Node), banned);
        }, iter: 300);

    [Fact]
    public void Planning_again_after_the_plan_ran_changes_nothing() =>
        Seeds.Sample(r =>
        {
            var state = GeneratedClusters.Build(r);
            var plan = PolicyEngine.Plan(state);
            if (plan.Changes.Any(c => c.Blocked)) return;
            var placement = Placement(plan).ToDictionary(p => p.Key, p => p.Value.SingleOrDefault());
            var after = GeneratedClusters.Apply(state, plan, id => placement.GetValueOrDefault(id));
            var again = PolicyEngine.Plan(after);
            Assert.True(again.Changes.Count == 0, $"second plan: {string.Join("; ", TransitionSummary.Lines(again))}\nfirst: {string.Join("; ", TransitionSummary.Lines(plan))}");
        }, iter: 300);

    /// <summary>Where each primitive runs once the plan is done: nodes it stays on plus nodes it starts on.</summary>
    private static Dictionary<string, List<string>> Placement(Transition plan)
    {
        var result = new Dictionary<string, List<string>>();
        foreach (var s in plan.Trace.Outcome) result[s.Resource] = s.Node is null ? [] : [s.Node];
        return result;
    }

    private static string Render(Transition t) => TransitionSummary.Render(t) + ScoresRenderer.Render(t)
        + string.Join("\n", t.Actions) + string.Join("\n", t.Orderings);
}

using Cib.Domain;
using Cib.Domain.Controller;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Projections.ReadModels.ClusterStatus;
using CsCheck;
using Xunit;

namespace Cib.Projections.Tests.ReadModels;

/// <summary>
/// The controller decider folds its own slice of the status (<see cref="ResourceActivity"/>, in Cib.Domain); over any history
/// it must answer as the status read model does: which node runs a resource (a fence device's executor) and what a node may
/// still run, and which starts it may still be running (the wait without fencing).
/// </summary>
public sealed class ResourceActivityMirrorTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 30, 6, 0, 0, TimeSpan.Zero);
    private static readonly string[] Resources = ["a", "b"];
    private static readonly string[] Nodes = ["node1", "node2"];
    private static readonly (string Op, long Interval)[] Ops = [("start", 0), ("stop", 0), ("monitor", 0), ("monitor", 10_000), ("promote", 0), ("demote", 0), ("notify", 0)];

    /// <summary>No origin (a recurring monitor), or one of three actions of transition t1.</summary>
    private static readonly Gen<OperationOrigin> Origin = Gen.Int[0, 3].Select(a => a == 0 ? new OperationOrigin(null, null) : new OperationOrigin("t1", a));

    private static readonly Gen<IStatusEvent> Event = Gen.OneOf(
        Gen.Select(Gen.Int[0, 1], Gen.Int[0, 1], Gen.Int[0, Ops.Length - 1], Gen.Int[0, 2].Select(i => new[] { 0, 7, 1 }[i]), Gen.Bool, Origin, (r, n, o, rc, ok, origin) => ok
            ? (IStatusEvent)new ResourceOperationSucceeded(Resources[r], Nodes[n], Ops[o].Op, Ops[o].Interval, rc, origin, 1, null, null, T)
            : new ResourceOperationFailed(Resources[r], Nodes[n], Ops[o].Op, Ops[o].Interval, rc, OperationStatus.Error, origin, 1, null, null, T)),
        Gen.Select(Gen.Int[0, 1], Gen.Int[0, 1], Gen.Int[1, 3], Gen.Int[0, 2], (r, n, a, op) =>
            (IStatusEvent)new Cib.Domain.Transitions.ActionDispatched("t1", a, Nodes[n], op == 2 ? Cib.Domain.Transitions.ActionKind.Stop : Cib.Domain.Transitions.ActionKind.Start,
                Resources[r], null, op switch { 0 => "start", 1 => "promote", _ => "stop" }, 0, 20_000, null, T)),
        Gen.Select(Gen.Int[0, 1], Gen.Int[0, 3], (n, kind) => kind switch
        {
            0 => (IStatusEvent)new NodeFenced("t1/1", Nodes[n], "fence", "reboot", "node2", 1, T),
            1 => new NodeLeft(Nodes[n], "shutdown", T),
            2 => new NodeJoined(Nodes[n], "i", "first lease", T),
            _ => new NodeLost(Nodes[n], "lease", T, T),
        }));

    [Fact]
    public void Answers_as_the_status_read_model_does_over_any_history() =>
        Event.Array[0, 40].Sample(history =>
        {
            var status = ClusterStatus.Empty;
            var activity = ResourceActivity.Empty;
            for (var i = 0; i < history.Length; i++)
            {
                status = status.Apply(history[i], i + 1);
                activity = activity.Apply(history[i], i + 1);
            }
            foreach (var r in Resources)
                foreach (var n in Nodes)
                {
                    Assert.Equal(RunsOn(status, r, n), activity.RunsOn(r, n));
                    Assert.Equal(MayRun(status, r, n), activity.MayRun(r, n));
                }
            foreach (var n in Nodes)
                Assert.Equal(status.StartsInFlightOn(n).Select(d => (d.ActionId, d.Resource)), activity.StartsInFlightOn(n).Select(d => (d.ActionId, d.Resource)));
        });

    /// <summary>The status read model's answer: the last start or stop of the resource on the node was a successful start.</summary>
    private static bool RunsOn(ClusterStatus status, string resource, string node)
    {
        var ops = status.OperationsOf(resource, node);
        var start = ops.GetValueOrDefault(("start", 0L));
        var stop = ops.GetValueOrDefault(("stop", 0L));
        return start is { Succeeded: true } && (stop is null || stop.Sequence < start.Sequence);
    }

    /// <summary>The status read model's answer: the latest start, stop, promote, demote or monitor result does not say "stopped".</summary>
    private static bool MayRun(ClusterStatus status, string resource, string node)
    {
        var latest = status.OperationsOf(resource, node).Values
            .Where(r => r.Operation is "start" or "stop" or "promote" or "demote" or "monitor")
            .MaxBy(r => r.Sequence);
        if (latest is null) return false;
        var stopped = latest.Operation == "stop" ? latest.Succeeded : latest.Operation == "monitor" && latest.Rc == 7;
        return !stopped;
    }
}

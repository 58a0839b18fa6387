using System.Text.Json;
using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Controller;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Transitions;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;
using CsCheck;
using Xunit;

namespace Cib.Projections.Tests.ReadModels;

/// <summary>
/// The stored status is exact: for any history and any cut, storing the fold at the cut (through its JSON), restoring
/// it and folding the rest gives what folding the whole history from sequence 0 gives. That is what lets a controller
/// take over from the stored status and the log tail instead of the whole log.
/// </summary>
public sealed class StatusSnapshotTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 30, 6, 0, 0, TimeSpan.Zero);
    private static readonly string[] Resources = ["a", "fence"];
    private static readonly string[] Nodes = ["node1", "node2", "node3"];
    private static readonly (string Op, long Interval)[] Ops = [("start", 0), ("stop", 0), ("monitor", 0), ("monitor", 10_000), ("promote", 0)];

    private static readonly Gen<DateTimeOffset> At = Gen.Int[0, 600].Select(s => T.AddSeconds(s));
    private static readonly Gen<string> Node = Gen.Int[0, Nodes.Length - 1].Select(i => Nodes[i]);
    private static readonly Gen<string> Transition = Gen.Int[1, 3].Select(i => $"t{i}");
    private static readonly Gen<OperationOrigin> Origin = Gen.Select(Gen.Int[0, 3], Transition, (a, t) => a == 0 ? new OperationOrigin(null, null) : new OperationOrigin(t, a));

    private static readonly Gen<ICibEvent> Operation = Gen.Select(Gen.Int[0, 1], Node, Gen.Int[0, Ops.Length - 1], Gen.Int[0, 2].Select(i => new[] { 0, 7, 1 }[i]), Gen.Bool, Origin, At,
        (r, n, o, rc, ok, origin, at) => ok
            ? (ICibEvent)new ResourceOperationSucceeded(Resources[r], n, Ops[o].Op, Ops[o].Interval, rc, origin, 1, null, "d", at)
            : new ResourceOperationFailed(Resources[r], n, Ops[o].Op, Ops[o].Interval, rc, OperationStatus.Error, origin, 1, null, "bad", at));

    private static readonly Gen<ICibEvent> Control = Gen.Select(Gen.Int[0, 9], Node, Transition, Gen.Int[1, 3], At, (kind, n, t, a, at) => kind switch
    {
        0 => (ICibEvent)new ActionDispatched(t, a, n, ActionKind.Start, "a", null, a == 2 ? "promote" : "start", 0, 20_000, null, at),
        1 => new TransitionPlanned(t, 0, "policy-1", ValueList<PlannedAction>.Of(a == 3 ? [] :
            [new PlannedAction(1, ActionKind.Start, "a", n, "start", 0, 20_000, ValueList<int>.Of([]), "r")]), ValueList<string>.Of([]), null, at),
        2 => new TransitionCompleted(t, 1, at),
        3 => new TransitionAborted(t, "news", 0, at),
        4 => new FencingRequested($"{t}/{a}", n, "reboot", "lost", "fence", t, a, at),
        5 => new FencingFailed($"{t}/{a}", n, "fence", "timeout", a, a == 3, at),
        6 => new NodeFenced($"{t}/{a}", n, "fence", "reboot", "node1", 5, at),
        7 => new FailCountCleared("a", a == 1 ? null : n, Actor.User("admin"), "cleanup", at),
        8 => new ControllerElected(n, a, "took the role", at),
        _ => new ClusterPropertySet("stonith-enabled", a == 1 ? "false" : "true", at),
    });

    private static readonly Gen<ICibEvent> Membership = Gen.Select(Gen.Int[0, 2], Node, At, (kind, n, at) => kind switch
    {
        0 => (ICibEvent)new NodeJoined(n, $"{n}-{at.Second}", "lease", at),
        1 => new NodeLeft(n, "shutdown", at),
        _ => new NodeLost(n, "lease expired", at.AddSeconds(-1), at),
    });

    private static readonly Gen<ICibEvent> Event = Gen.Frequency((4, Operation), (3, Control), (2, Membership));

    /// <summary>The configuration the history starts from: three nodes, a primitive and a fence device.</summary>
    private static readonly ICibEvent[] Setup =
    [
        new NodeDefined("node1", ValueMap.Empty, T), new NodeDefined("node2", ValueMap.Empty, T), new NodeDefined("node3", ValueMap.Empty, T),
        new ClusterPropertySet("stonith-enabled", "true", T),
    ];

    private static LogFold FoldAll(IEnumerable<ICibEvent> events, LogFold from, long firstSequence) =>
        events.Select((e, i) => (e, Sequence: firstSequence + i)).Aggregate(from, (f, x) => f.Apply(x.e, x.Sequence, new Guid(x.Sequence.ToString("D32"))));

    private static string Text(LogFold f) => JsonSerializer.Serialize(f.Snapshot(), CibEventLog.Json);

    private static LogFold Restore(string json, IEnumerable<ICibEvent> configurationUpToPosition)
    {
        var snapshot = JsonSerializer.Deserialize<StatusSnapshot>(json, CibEventLog.Json)!;
        var configuration = configurationUpToPosition.OfType<IConfigurationEvent>().Aggregate(ClusterConfiguration.Empty, ConfigurationDecider.Evolve);
        return LogFold.Restore(snapshot, ControllerRules.Default, configuration);
    }

    [Fact]
    public void Restoring_at_any_cut_and_folding_the_rest_equals_the_fold_from_sequence_0() =>
        Gen.Select(Event.Array[1, 60], Gen.Int[0, 100]).Sample((history, cutPercent) =>
        {
            var events = Setup.Concat(history).ToList();
            var cut = Setup.Length + history.Length * cutPercent / 100;
            var empty = LogFold.Initial(ControllerRules.Default);
            var whole = FoldAll(events, empty, 1);

            var atCut = FoldAll(events.Take(cut), empty, 1);
            var stored = Text(atCut);
            var restored = Restore(stored, events.Take(cut));
            Assert.Equal(stored, Text(restored));
            var resumed = FoldAll(events.Skip(cut), restored, cut + 1);

            Assert.Equal(Text(whole), Text(resumed));
            // What the stored text does not hold must agree too: the configuration, and the decisions the state leads to.
            Assert.Equal(whole.Controller.Configuration.Nodes.Keys, resumed.Controller.Configuration.Nodes.Keys);
            Assert.Equal(whole.Controller.Configuration.Options.IsStonithEnabled, resumed.Controller.Configuration.Options.IsStonithEnabled);
            Assert.Equal(Decisions(whole.Controller), Decisions(resumed.Controller));
        }, iter: 300);

    /// <summary>What a newly elected controller decides on its first ticks from this fold: the observable outcome of the state.</summary>
    private static string Decisions(ControllerState fold)
    {
        var plan = new TransitionPlanned("next", fold.Position, "policy-1", ValueList<PlannedAction>.Of(
            [new PlannedAction(1, ActionKind.Fence, null, "node2", "reboot", 0, 20_000, ValueList<int>.Of([]), "unclean"),
             new PlannedAction(2, ActionKind.Start, "a", "node1", "start", 0, 20_000, ValueList<int>.Of([1]), "recover")]), ValueList<string>.Of([]), null, T);
        var elected = ControllerDecider.Decide(fold, new ControllerInput.Elected("node1", T.AddMinutes(20), "elected"));
        var ticked = ControllerDecider.Decide(elected.State, new ControllerInput.Tick(T.AddMinutes(21), null, (_, _) => plan));
        return JsonSerializer.Serialize(elected.Decisions.Concat(ticked.Decisions).Select(d => (object)d.Event).ToList(), CibEventLog.Json);
    }

    [Fact]
    public void Only_the_fold_of_the_log_is_stored_not_a_leading_controllers_state()
    {
        var leading = ControllerDecider.Decide(ControllerState.Initial(ControllerRules.Default), new ControllerInput.Elected("node1", T)).State;
        Assert.Throws<ArgumentException>(() => StatusSnapshot.Capture(leading, ClusterStatus.Empty, null));
    }

    [Fact]
    public void The_stored_status_names_nodes_resources_and_fencing_in_plain_json()
    {
        var events = Setup.Concat([
            new NodeJoined("node1", "i1", "lease", T), new NodeLost("node2", "lease expired", T, T),
            new ResourceOperationFailed("a", "node1", "monitor", 10_000, 7, OperationStatus.Done, new OperationOrigin(null, null), 5, null, "gone", T),
            new NodeFenced("t1/1", "node2", "fence", "reboot", "node1", 5, T),
        ]).ToList();
        var f = FoldAll(events, LogFold.Initial(ControllerRules.Default), 1);
        using var json = JsonDocument.Parse(Text(f));
        var status = json.RootElement.GetProperty("status");
        Assert.Equal(events.Count, json.RootElement.GetProperty("position").GetInt64());
        Assert.Equal(["node1:online", "node2:fenced"],
            status.GetProperty("membership").EnumerateArray().Select(n => $"{n.GetProperty("node").GetString()}:{n.GetProperty("state").GetString()}"));
        Assert.Equal(1, status.GetProperty("failures").EnumerateArray().Single().GetProperty("failure").GetProperty("count").GetInt32());
        Assert.Equal("Succeeded", status.GetProperty("fencing").EnumerateArray().Single().GetProperty("outcome").GetString());
    }
}

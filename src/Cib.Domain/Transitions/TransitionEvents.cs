using Cib.Domain.Primitives;

namespace Cib.Domain.Transitions;

/// <summary>One step of a transition: fence a node, or run an operation of a resource on a node.</summary>
public sealed record PlannedAction(
    int ActionId,
    ActionKind Kind,
    string? Resource,
    string Node,
    string Operation,
    long IntervalMs,
    long TimeoutMs,
    ValueList<int> DependsOn,
    string Reason);

public enum ActionKind { Fence, Start, Stop, Monitor, Probe, Pseudo }

/// <summary>The policy engine's plan for the state as of <see cref="AsOfSequence"/> (the last event it saw).</summary>
public sealed record TransitionPlanned(
    string TransitionId,
    long AsOfSequence,
    string PolicyVersion,
    ValueList<PlannedAction> Actions,
    ValueList<string> Summary,
    string? Trace,
    DateTimeOffset At) : IStatusEvent;

public sealed record TransitionCompleted(string TransitionId, int ActionsCompleted, DateTimeOffset At) : IStatusEvent;

/// <summary>The plan no longer fits (an event changed the state mid-way): a new one replaces it.</summary>
public sealed record TransitionAborted(string TransitionId, string Reason, long AbortedBySequence, DateTimeOffset At) : IStatusEvent;

/// <summary>
/// The controller sends one action to the node that carries it out (<see cref="Node"/>): an operation of
/// <see cref="Resource"/>, or for a fence action the fencing of <see cref="Target"/> through the request
/// <see cref="FencingRequestId"/>. Node runtimes act only on dispatches of the latest transition.
/// </summary>
public sealed record ActionDispatched(
    string TransitionId,
    int ActionId,
    string Node,
    ActionKind Kind,
    string? Resource,
    string? Target,
    string Operation,
    long IntervalMs,
    long TimeoutMs,
    string? FencingRequestId,
    DateTimeOffset At) : IStatusEvent;

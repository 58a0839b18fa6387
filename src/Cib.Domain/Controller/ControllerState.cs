using System.Collections.Immutable;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Transitions;

namespace Cib.Domain.Controller;

/// <summary>
/// The controller's timing and retry rules (the node runtime's options; recorded with each election so that replay uses
/// the same). <see cref="StoreOutageBound"/>: how long the nodes ride out an outage of the store frozen before they apply
/// no-quorum-policy (<see cref="LeaseLoss"/>, docs/safety.md); an election recorded before it existed reads as 0, the
/// behaviour of that time.
/// </summary>
public sealed record ControllerRules(
    Duration LeaseTimeout,
    TimeSpan StartupGrace,
    TimeSpan NoFencingMargin,
    int MaxFenceAttempts,
    TimeSpan FenceRetryBackoff,
    TimeSpan StoreOutageBound = default)
{
    /// <summary>The node runtime's default store-outage bound: the replicated store's failover bound (15 s, docs/lab.md).</summary>
    public static readonly TimeSpan DefaultStoreOutageBound = TimeSpan.FromSeconds(15);

    /// <summary>The longest wait between two fence attempts.</summary>
    public static readonly TimeSpan MaxFenceBackoff = TimeSpan.FromSeconds(10);

    /// <summary>Fence attempts before the controller gives up on a target: Pacemaker's stonith-max-attempts default (10).</summary>
    public const int DefaultMaxFenceAttempts = 10;

    public static readonly ControllerRules Default = new(new Duration(1000), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500), DefaultMaxFenceAttempts,
        TimeSpan.FromMilliseconds(500));

    /// <summary>The wait after the <paramref name="failedAttempts"/>-th failed fence: the first backoff, doubled per further failure, at most 10 s.</summary>
    public TimeSpan FenceBackoff(int failedAttempts) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxFenceBackoff.TotalMilliseconds, FenceRetryBackoff.TotalMilliseconds * Math.Pow(2, failedAttempts - 1)));
}

/// <summary>The policy engine as the controller decider calls it: a pure plan of the state as of a log position, at a time.</summary>
public delegate TransitionPlanned Planner(long asOfSequence, DateTimeOffset now);

/// <summary>What the controller decider is fed: the log, in order; its own election; and ticks with the store's time.</summary>
public abstract record ControllerInput
{
    private ControllerInput() { }

    /// <summary>The next event of the log (configuration or status) at its sequence number, with its id (to name it as a cause).</summary>
    public sealed record Logged(ICibEvent Event, long Sequence, string? EventId = null) : ControllerInput;

    /// <summary>This controller took the role at <paramref name="At"/> (store clock), its <c>ControllerElected</c> appended (with that id).</summary>
    public sealed record Elected(string Self, DateTimeOffset At, string? EventId = null) : ControllerInput;

    /// <summary>
    /// Time passed: <paramref name="Now"/> by the store's clock. <paramref name="Leases"/> are the leases as observed now,
    /// for the startup wait; null when they are not known (a replay: leases are rows, not events), and then the startup
    /// wait counts as over, since a recorded decision shows it was. <paramref name="Plan"/> plans when the decider asks.
    /// </summary>
    public sealed record Tick(DateTimeOffset Now, IReadOnlyList<LeaseObservation>? Leases, Planner Plan) : ControllerInput;
}

/// <summary>Failed fence attempts on one node since it was last fenced, and when the last one failed.</summary>
public sealed record FenceFailures(int Attempts, DateTimeOffset LastFailure);

/// <summary>This controller leads: since when, what membership it found, whether the startup wait is over.</summary>
public sealed record Leadership(string Self, DateTimeOffset ElectedAt, MembershipState MembershipAtElection, bool StartupSettled);

/// <summary>
/// Everything the controller decides on, folded from the log (every controller folds the whole log, leading or not)
/// plus, when it leads, the transition it drives.
/// </summary>
public sealed record ControllerState(
    ControllerRules Rules,
    long Position,
    ClusterConfiguration Configuration,
    MembershipState Membership,
    ResourceActivity Activity,
    string? OpenTransition,
    Leadership? Leader,
    TransitionProgress? Progress,
    string? AbortReason,
    bool Dirty,
    Cause? PlanCause,
    bool PlanCauseIsNews,
    string? AbortCause,
    ImmutableSortedDictionary<string, FenceFailures> FenceFailures,
    ImmutableSortedSet<string> GaveUp,
    ImmutableSortedDictionary<string, DateTimeOffset> RecoverNotBefore)
{
    /// <summary>
    /// When leading: the next instant at which a time-bound constraint stops applying (<see cref="LocationConstraint.NextChange"/>
    /// as of the last plan), when the decider plans again although nothing was appended. Null: no such instant. Not
    /// part of the fold a non-leading controller stores: a new controller plans on its election and sets it then.
    /// </summary>
    public DateTimeOffset? ReplanAt { get; init; }

    public static ControllerState Initial(ControllerRules rules) => new(
        rules, 0, ClusterConfiguration.Empty, MembershipState.Empty, ResourceActivity.Empty, null, null, null, null, false, null, false, null,
        ImmutableSortedDictionary.Create<string, FenceFailures>(StringComparer.Ordinal),
        ImmutableSortedSet.Create<string>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, DateTimeOffset>(StringComparer.Ordinal));
}

/// <summary>
/// What caused a decision: the event with this id (the news that made the controller plan or abort), else the plan of
/// this transition (what a plan's dispatches, fencing, completion and abort follow from). The shell names it in the
/// causation id of the appended event.
/// </summary>
public sealed record Cause(string? EventId, string? TransitionId);

/// <summary>One event the decider decided, with its cause.</summary>
public sealed record Decided(IStatusEvent Event, Cause Cause);

/// <summary>The state after one input, and the events to append (in order; none for a logged event), each with its cause.</summary>
public sealed record ControllerDecision(ControllerState State, IReadOnlyList<Decided> Decisions)
{
    public IReadOnlyList<IStatusEvent> Events => [.. Decisions.Select(d => d.Event)];
}

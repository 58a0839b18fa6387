namespace Cib.Interop.Conformance;

/// <summary>
/// A generated cluster for differential testing (<see cref="FuzzGenerator"/>): a small model that renders as a
/// Pacemaker CIB (<see cref="FuzzCibWriter"/>), so the engine and crm_simulate judge the same XML, and that the
/// shrinker (<see cref="FuzzShrinker"/>) can take apart piece by piece.
/// </summary>
public sealed record FuzzCluster(
    IReadOnlyList<FuzzNode> Nodes,
    bool StonithEnabled,
    bool HaveQuorum,
    string? NoQuorumPolicy,
    string? DefaultStickiness,
    string? DefaultMigrationThreshold,
    IReadOnlyList<FuzzPrimitive> Primitives,
    IReadOnlyList<FuzzLocation> Locations,
    IReadOnlyList<FuzzColocation> Colocations,
    IReadOnlyList<FuzzOrder> Orders)
{
    /// <summary>Pacemaker's execution-date for every generated case; histories are dated relative to it.</summary>
    public const long Now = 1_700_000_000;

    /// <summary>The cluster property shutdown-lock (written only when true).</summary>
    public bool ShutdownLock { get; init; }

    /// <summary>shutdown-lock-limit in seconds, none when null.</summary>
    public int? ShutdownLockLimitSeconds { get; init; }

    /// <summary>multiple-active set on the groups themselves (not generated; the rule scenarios use it), none when null.</summary>
    public string? GroupMultipleActive { get; init; }

    /// <summary>Groups in order of first appearance, each with its members in order.</summary>
    public IEnumerable<(string Group, IReadOnlyList<FuzzPrimitive> Members)> Groups() =>
        Primitives.Where(p => p.Group is not null).GroupBy(p => p.Group!).Select(g => (g.Key, (IReadOnlyList<FuzzPrimitive>)g.ToList()));

    /// <summary>The ids constraints may name: primitives outside groups, and groups.</summary>
    public IEnumerable<string> TopLevel()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in Primitives)
        {
            var id = p.Group ?? p.Id;
            if (seen.Add(id)) yield return id;
        }
    }
}

public enum FuzzNodeState { Online, Standby, Lost, Down, Maintenance }

/// <param name="ShutdownAgeSeconds">Shutting down: its <c>shutdown</c> attribute is this long before <see cref="FuzzCluster.Now"/>; none when null.</param>
public sealed record FuzzNode(string Name, FuzzNodeState State, int? ShutdownAgeSeconds = null);

/// <summary>
/// A primitive (ocf:heartbeat:Dummy, or a stonith device) with its meta attributes, its history on each node and
/// the value of its one parameter (<c>fake</c>, none when null).
/// </summary>
public sealed record FuzzPrimitive(
    string Id,
    string? Group,
    bool Stonith,
    string? Stickiness,
    bool TargetStopped,
    bool Unmanaged,
    string? MigrationThreshold,
    int? FailureTimeoutSeconds,
    string? MultipleActive,
    string? MonitorOnFail,
    IReadOnlyList<FuzzHistory> Histories,
    string? Fake = null);

/// <summary>What happened to a primitive on a node, as Pacemaker records it in the status section.</summary>
public enum FuzzStory
{
    /// <summary>Probed: not running (rc 7).</summary>
    ProbedStopped,
    /// <summary>Started, recurring monitor with <see cref="FuzzHistory.MonitorRc"/>.</summary>
    Running,
    /// <summary>The probe found it running (rc 0), no monitor yet.</summary>
    ProbedRunning,
    /// <summary>The probe returned <see cref="FuzzHistory.MonitorRc"/> (a hard error such as 5, or 1, 2, 6).</summary>
    ProbeFailed,
    /// <summary>A start that returned 1 (fail count INFINITY).</summary>
    StartFailed,
    /// <summary>A stop that returned 1 (fail count INFINITY).</summary>
    StopFailed,
    /// <summary>Stopped cleanly.</summary>
    Stopped,
}

/// <param name="AgeSeconds">How long before <see cref="FuzzCluster.Now"/> the last result changed.</param>
/// <param name="FailCount">The monitor's fail count (for a failed monitor), 0 for none.</param>
/// <param name="StaleDigest">It was started with other parameters than the current ones (op-digest of <c>fake="old"</c>).</param>
/// <param name="LockAgeSeconds">The lrm_resource carries a shutdown-lock this long before <see cref="FuzzCluster.Now"/>; none when null.</param>
public sealed record FuzzHistory(string Node, FuzzStory Story, int MonitorRc, int AgeSeconds, int FailCount, bool StaleDigest = false, int? LockAgeSeconds = null);

public sealed record FuzzLocation(string Resource, string Node, string Score);

public sealed record FuzzColocation(string Dependent, string With, string Score);

public sealed record FuzzOrder(string First, string Then, string Kind, bool Symmetrical);

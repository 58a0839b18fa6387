using Cib.Domain.Resources;
using Cib.Domain.Primitives;

namespace Cib.Projections.Policy.Reconcile;

/// <summary>A primitive as the planner sees it: where it runs now, what failed, what it is allowed, where it goes.</summary>
internal sealed class ResourceView(Primitive primitive, Group? group, int order)
{
    public Primitive Primitive { get; } = primitive;
    public string Id => Primitive.Id;
    public Group? Group { get; } = group;
    /// <summary>Position in configuration order, for ties; also its position in <see cref="PlanContext.Resources"/>.</summary>
    public int Order { get; } = order;

    /// <summary>Nodes where the history says it is active (more than one: multiply active).</summary>
    public List<string> ActiveOn { get; } = [];
    // The sets below are empty for most resources: each is made on first use, and the frequent questions
    // (IsFailed, IsChangedOn...) are answered without making it.

    /// <summary>Nodes where it is active and failed: it needs recovery there.</summary>
    public HashSet<string> FailedOn => _failedOn ??= new(StringComparer.Ordinal);
    /// <summary>Nodes where its stop failed: it stays there until the node is fenced.</summary>
    public HashSet<string> StopFailedOn => _stopFailedOn ??= new(StringComparer.Ordinal);
    /// <summary>Nodes where it may not run, with why (hard errors, migration-threshold...).</summary>
    public Dictionary<string, string> BannedOn => _bannedOn ??= new(StringComparer.Ordinal);
    /// <summary>Nodes where its parameters changed since it started (op-digest mismatch).</summary>
    public HashSet<string> ChangedOn => _changedOn ??= new(StringComparer.Ordinal);
    /// <summary>Nodes where it was found running in the promoted role (OCF rc 8).</summary>
    public HashSet<string> PromotedOn => _promotedOn ??= new(StringComparer.Ordinal);
    /// <summary>Recurring monitors already recorded, by node (a resource has few: a list, each entry once).</summary>
    public void AddMonitor(string node, long interval)
    {
        _monitorsOn ??= [];
        if (!_monitorsOn.Contains((node, interval))) _monitorsOn.Add((node, interval));
    }
    public Dictionary<string, int> FailCounts => _failCounts ??= new(StringComparer.Ordinal);
    /// <summary>Nodes where its only failures were of operations with on-fail=ignore.</summary>
    public HashSet<string> FailCountIgnoredOn => _failCountIgnoredOn ??= new(StringComparer.Ordinal);

    private HashSet<string>? _failedOn, _stopFailedOn, _changedOn, _promotedOn, _failCountIgnoredOn;
    private Dictionary<string, string>? _bannedOn;
    private Dictionary<string, int>? _failCounts;
    private List<(string Node, long Interval)>? _monitorsOn;

    public bool IsChangedOn(string node) => _changedOn is not null && _changedOn.Contains(node);
    /// <summary>Started somewhere with other parameters than today's (without making the set).</summary>
    public bool HasChanges => _changedOn is { Count: > 0 };
    public bool IsPromotedOn(string node) => _promotedOn is not null && _promotedOn.Contains(node);
    /// <summary>
    /// Its role is Promoted: a resource has one role, the highest found on any node, so every line of the summary
    /// that leaves a node names that role.
    /// </summary>
    public bool IsPromoted => _promotedOn is { Count: > 0 };
    /// <summary>Unmanaged by its configuration, and active only on nodes about to be fenced: the fence ends it, and nothing may start it again.</summary>
    public bool EndsWithFence { get; set; }
    /// <summary>is-managed=false or maintenance by its own meta (or the cluster's maintenance-mode), not by its node's maintenance.</summary>
    public bool UnmanagedByConfiguration { get; set; }
    public bool HasMonitor(string node, long interval) => _monitorsOn is not null && _monitorsOn.Contains((node, interval));
    public bool HasBans => _bannedOn is { Count: > 0 };
    public string? BanReason(string node) => _bannedOn is not null && _bannedOn.TryGetValue(node, out var why) ? why : null;
    public IEnumerable<string> StopFailedNodes => _stopFailedOn ?? (IEnumerable<string>)[];

    public bool Blocked { get; set; }
    public bool BannedEverywhere { get; set; }
    public string? BannedEverywhereReason { get; set; }
    /// <summary>on-fail=standby: every node it failed on goes to standby.</summary>
    public List<string> StandbyNodes => _standbyNodes ??= [];
    public IEnumerable<string> StandbyNodesOrNone => _standbyNodes ?? (IEnumerable<string>)[];
    private List<string>? _standbyNodes;
    public bool ForceStopped { get; set; }
    /// <summary>The node it is locked to by that node's clean shutdown (shutdown-lock), or null.</summary>
    public string? LockedTo { get; set; }
    /// <summary>When the lock was taken (epoch seconds).</summary>
    public long LockTime { get; set; }
    /// <summary>
    /// Nodes of copies left out of <see cref="ActiveOn"/>: without fencing only copies on clean online nodes count, and
    /// one stuck on an offline node (its stop cannot run) besides them does not.
    /// </summary>
    public List<string> StuckOn => _stuckOn ??= [];
    public bool HasStuckCopies => _stuckOn is { Count: > 0 };
    private List<string>? _stuckOn;
    /// <summary>The first of its stops Pacemaker makes is one of those stuck copies'.</summary>
    public bool FirstStopStuck { get; set; }

    public bool Managed { get; set; } = true;
    public bool TargetStopped { get; set; }

    public Score Stickiness { get; set; }
    public int MigrationThreshold { get; set; }
    public int Priority { get; set; }
    public long FailureTimeoutSeconds { get; set; }
    /// <summary>requires (quorum, fencing, unfencing): starting it needs quorum; "nothing" does not.</summary>
    public bool NeedsQuorum { get; set; } = true;
    /// <summary>
    /// Pacemaker's requires=nothing: set so, or by default without fencing under no-quorum-policy=ignore (a fence
    /// device defaults to quorum). Its start is re-checked for runnability with its reason cleared, so a restart for
    /// changed parameters gives no reason.
    /// </summary>
    public bool RequiresNothing { get; set; }

    /// <summary>The chosen node, or null when it will not run.</summary>
    public string? Next { get; set; }
    public string? NotRunningReason { get; set; }

    /// <summary>The start cannot run (an order prerequisite cannot): the reason, as Pacemaker phrases it.</summary>
    public string? UnrunnableStartReason { get; set; }
    /// <summary>It must restart in place because something it is ordered after starts.</summary>
    public string? RestartReason { get; set; }
    /// <summary>It must stop although it could stay (something it is ordered after cannot run).</summary>
    public string? ForcedStopReason { get; set; }

    public string? Current => ActiveOn.Count == 1 ? ActiveOn[0] : null;
    public bool IsActive => ActiveOn.Count > 0;
    public bool IsFailed => _failedOn is { Count: > 0 };

    /// <summary>Something will start it (fresh start, move, recovery or restart).</summary>
    public bool WillStart =>
        Next is not null && UnrunnableStartReason is null && !Blocked && Managed
        && (ActiveOn.Count != 1 || Current != Next || IsFailed || IsChangedOn(Next) || RestartReason is not null || ActiveOn.Count > 1);

    /// <summary>It will not be running anywhere after the transition.</summary>
    public bool EndsStopped => Blocked || !Managed ? !IsActive : Next is null || UnrunnableStartReason is not null && !(Current == Next && !NeedsStop);

    private bool NeedsStop => IsFailed || IsChangedOn(Next ?? "") || RestartReason is not null || ActiveOn.Count > 1;
}

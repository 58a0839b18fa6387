using Cib.Domain.Nodes;
using Cib.Domain.Primitives;

namespace Cib.Domain.Configuration;

/// <summary>Typed view of the cluster properties (crm_config), with Pacemaker's defaults.</summary>
public sealed record ClusterOptions(ValueMap Properties)
{
    public const string StonithEnabled = "stonith-enabled";
    public const string NoQuorumPolicy = "no-quorum-policy";
    public const string SymmetricCluster = "symmetric-cluster";
    public const string StonithTimeout = "stonith-timeout";
    public const string ClusterRecheckInterval = "cluster-recheck-interval";
    public const string MaintenanceMode = "maintenance-mode";
    public const string StartFailureIsFatal = "start-failure-is-fatal";
    public const string StopOrphanResources = "stop-orphan-resources";
    public const string StonithAction = "stonith-action";
    public const string ShutdownLock = "shutdown-lock";
    public const string ShutdownLockLimit = "shutdown-lock-limit";

    public static readonly IReadOnlyList<string> NoQuorumPolicies = ["stop", "freeze", "ignore", "suicide", "demote"];

    /// <summary>Properties whose values are checked; any other name is accepted as Pacemaker does.</summary>
    public static readonly IReadOnlyDictionary<string, PropertyKind> Known = new Dictionary<string, PropertyKind>
    {
        [StonithEnabled] = PropertyKind.Boolean,
        [NoQuorumPolicy] = PropertyKind.NoQuorumPolicy,
        [SymmetricCluster] = PropertyKind.Boolean,
        [StonithTimeout] = PropertyKind.Duration,
        [ClusterRecheckInterval] = PropertyKind.Duration,
        [MaintenanceMode] = PropertyKind.Boolean,
        [StartFailureIsFatal] = PropertyKind.Boolean,
        [StopOrphanResources] = PropertyKind.Boolean,
        [StonithAction] = PropertyKind.StonithAction,
        [ShutdownLock] = PropertyKind.Boolean,
        [ShutdownLockLimit] = PropertyKind.Duration,
    };

    public bool IsStonithEnabled => Bool(StonithEnabled, true);
    public string NoQuorum => Properties.Get(NoQuorumPolicy) ?? "stop";
    public bool IsSymmetric => Bool(SymmetricCluster, true);
    public bool IsMaintenanceMode => Bool(MaintenanceMode, false);
    public bool IsStartFailureFatal => Bool(StartFailureIsFatal, true);
    public Duration StonithTimeoutValue => Dur(StonithTimeout, Duration.FromSeconds(60));
    public Duration RecheckInterval => Dur(ClusterRecheckInterval, Duration.FromSeconds(15 * 60));
    public string FenceAction => Properties.Get(StonithAction) ?? "reboot";
    /// <summary>shutdown-lock: what runs on a node shutting down cleanly stays locked to it (stopped, not recovered elsewhere).</summary>
    public bool IsShutdownLock => Bool(ShutdownLock, false);
    /// <summary>shutdown-lock-limit: how long a lock holds from the shutdown; zero (the default) is for ever.</summary>
    public Duration ShutdownLockLimitValue => Dur(ShutdownLockLimit, Duration.Zero);

    private bool Bool(string name, bool fallback) =>
        Flags.TryParse(Properties.Get(name), out var b) ? b : fallback;

    private Duration Dur(string name, Duration fallback) =>
        Duration.TryParse(Properties.Get(name), out var d) ? d : fallback;
}

public enum PropertyKind { Boolean, Duration, NoQuorumPolicy, StonithAction }

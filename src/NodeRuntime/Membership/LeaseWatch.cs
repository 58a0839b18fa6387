namespace NodeRuntime.Membership;

/// <summary>What the node does when it loses the store (Pacemaker's no-quorum-policy).</summary>
public enum NoQuorumPolicy
{
    /// <summary>Stop every local resource: another node may take them over once this one's lease expired.</summary>
    Stop,
    /// <summary>Keep what runs, start nothing new.</summary>
    Freeze,
    /// <summary>Carry on as if nothing happened (only safe with fencing).</summary>
    Ignore,
}

public static class NoQuorumPolicies
{
    /// <summary>Reads the cluster property; <c>suicide</c> and <c>demote</c> are not supported here and act as stop, the safe choice.</summary>
    public static NoQuorumPolicy Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "freeze" => NoQuorumPolicy.Freeze,
        "ignore" => NoQuorumPolicy.Ignore,
        _ => NoQuorumPolicy.Stop,
    };
}

/// <summary>What <see cref="LeaseWatch.Observe"/> asks the node to do now.</summary>
public abstract record LeaseDecision
{
    private LeaseDecision() { }

    /// <summary>Nothing to do.</summary>
    public sealed record Carry : LeaseDecision;

    /// <summary>The lease is lost: apply the policy (once per outage).</summary>
    public sealed record ApplyPolicy(NoQuorumPolicy Policy, DateTimeOffset LastContact, TimeSpan Unreachable) : LeaseDecision;

    /// <summary>The store is back after the lease was lost: lift the policy and report what happened meanwhile.</summary>
    public sealed record Recover(NoQuorumPolicy Policy, DateTimeOffset LostAt, DateTimeOffset BackAt) : LeaseDecision;

    public static readonly LeaseDecision Nothing = new Carry();
}

/// <summary>
/// The pure part of lease-loss handling: fed with "was the store reachable at time t", it decides when
/// the lease counts as lost (no contact for longer than the lease timeout), applies the policy once per
/// outage, and says when to recover. It reads no clock: every call carries the time.
/// </summary>
public sealed class LeaseWatch(TimeSpan leaseTimeout, NoQuorumPolicy policy, DateTimeOffset startedAt)
{
    private DateTimeOffset _lastContact = startedAt;
    private DateTimeOffset? _lostAt;

    public NoQuorumPolicy Policy => policy;
    public bool IsLost => _lostAt is not null;
    public DateTimeOffset LastContact => _lastContact;

    public LeaseDecision Observe(bool reachable, DateTimeOffset now)
    {
        if (reachable)
        {
            _lastContact = now;
            if (_lostAt is not { } lostAt) return LeaseDecision.Nothing;
            _lostAt = null;
            return new LeaseDecision.Recover(policy, lostAt, now);
        }
        var silent = now - _lastContact;
        if (_lostAt is not null || silent <= leaseTimeout) return LeaseDecision.Nothing;
        _lostAt = now;
        return new LeaseDecision.ApplyPolicy(policy, _lastContact, silent);
    }
}

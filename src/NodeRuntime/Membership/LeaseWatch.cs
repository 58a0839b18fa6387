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

    /// <summary>
    /// The lease ran out and no-quorum-policy is stop: the store may only be failing over, so freeze (start nothing, keep
    /// what runs) until <paramref name="Until"/> (the store-outage bound), and stop only if the store is still away then.
    /// </summary>
    public sealed record RideOut(DateTimeOffset LastContact, TimeSpan Unreachable, DateTimeOffset Until) : LeaseDecision;

    /// <summary>The lease is lost: apply the policy (once per outage).</summary>
    public sealed record ApplyPolicy(NoQuorumPolicy Policy, DateTimeOffset LastContact, TimeSpan Unreachable) : LeaseDecision;

    /// <summary>The store is back after the lease was lost: lift the policy and report what happened meanwhile.</summary>
    public sealed record Recover(NoQuorumPolicy Policy, DateTimeOffset LostAt, DateTimeOffset BackAt) : LeaseDecision;

    public static readonly LeaseDecision Nothing = new Carry();
}

/// <summary>
/// The pure part of lease-loss handling. Two inputs, each carrying its time: <see cref="Contact"/> (a store round
/// trip sent at <c>sentAt</c> was answered) and <see cref="Tick"/> (time passes). The lease counts as lost when no
/// round trip <em>sent</em> within the last lease timeout has been answered: a call that has not answered is no
/// contact, whatever it is doing, so the decision never waits on the store. Counting from the send is what makes the
/// node's view end no later than the controller's: the store stamps a renewal after it was sent. With no-quorum-policy
/// stop and a store-outage bound B, a lost lease first freezes the node (<see cref="LeaseDecision.RideOut"/>) and the
/// policy applies only when still nothing has been answered B later (<see cref="Cib.Domain.Nodes.LeaseLoss"/>). The
/// policy applies once per outage; recovery needs a fresh contact (sent within the lease timeout). It reads no clock.
/// </summary>
public sealed class LeaseWatch(TimeSpan leaseTimeout, NoQuorumPolicy policy, DateTimeOffset startedAt, TimeSpan storeOutageBound = default)
{
    private DateTimeOffset _lastContact = startedAt;
    private DateTimeOffset? _lostAt;
    private bool _riding;

    public NoQuorumPolicy Policy => policy;
    public TimeSpan LeaseTimeout => leaseTimeout;
    public TimeSpan StoreOutageBound => storeOutageBound;
    public bool IsLost => _lostAt is not null;

    /// <summary>When the latest answered round trip was sent.</summary>
    public DateTimeOffset LastContact => _lastContact;

    /// <summary>
    /// How often <see cref="Tick"/> must run so that the policy applies at most this late after the lease (and the
    /// store-outage bound) ran out: a tenth of the lease timeout (100 ms for the default 1 s). The controller adds it to
    /// its wait (<c>NoFencingRecovery</c>).
    /// </summary>
    public static TimeSpan CheckInterval(TimeSpan leaseTimeout) => Cib.Domain.Nodes.LeaseLoss.CheckInterval(leaseTimeout);

    /// <summary>A round trip sent at <paramref name="sentAt"/> was answered at <paramref name="now"/>.</summary>
    public LeaseDecision Contact(DateTimeOffset sentAt, DateTimeOffset now)
    {
        if (sentAt > _lastContact) _lastContact = sentAt;
        if (_lostAt is not { } lostAt || now - _lastContact > leaseTimeout) return LeaseDecision.Nothing;
        _lostAt = null;
        _riding = false;
        return new LeaseDecision.Recover(policy, lostAt, now);
    }

    /// <summary>
    /// Time passes: the lease is lost once nothing sent within the last lease timeout has been answered; with policy
    /// stop, the node rides the outage out frozen for the store-outage bound before it stops.
    /// </summary>
    public LeaseDecision Tick(DateTimeOffset now)
    {
        var silent = now - _lastContact;
        if (_lostAt is null)
        {
            if (silent <= leaseTimeout) return LeaseDecision.Nothing;
            _lostAt = now;
            // Past the bound already (a bound shorter than the check interval): the policy at once, no ride-out.
            if (policy == NoQuorumPolicy.Stop && silent <= leaseTimeout + storeOutageBound)
            {
                _riding = true;
                return new LeaseDecision.RideOut(_lastContact, silent, _lastContact + leaseTimeout + storeOutageBound);
            }
            return new LeaseDecision.ApplyPolicy(policy, _lastContact, silent);
        }
        if (!_riding || silent <= leaseTimeout + storeOutageBound) return LeaseDecision.Nothing;
        _riding = false;
        return new LeaseDecision.ApplyPolicy(policy, _lastContact, silent);
    }
}

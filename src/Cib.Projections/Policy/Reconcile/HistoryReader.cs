using System.Runtime.CompilerServices;
using Cib.Domain.Configuration;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Projections.Policy.Reconcile;

/// <summary>
/// Reconcile, resources: replays one resource's operation history on one node in call order and concludes
/// whether it is active there, failed, blocked, banned, or changed since it started (Pacemaker's unpack_rsc_op).
/// </summary>
internal static class HistoryReader
{
    public const string HardError = "hard error on this node";
    public const string FatalError = "fatal error (invalid configuration)";
    public const string MigrationThresholdReached = "fail count reached migration-threshold";

    /// <summary>Ordered from mild to severe, as Pacemaker ranks failure responses; the worst one wins.</summary>
    public enum OnFail { Ignore, Restart, Block, Stop, Standby, Fence }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Read(ResourceView rsc, NodeView node, ResourceHistory history, PlanContext ctx)
    {
        ctx.KnownOn.Set(rsc.Order, node.Index);
        if (!IsNotRunningProbe(history)) Replay(rsc, node, history, ctx);
    }

    /// <summary>
    /// The common case on every node but one: a single probe that found it not running. Nothing to learn from it
    /// but that the resource is known there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsNotRunningProbe(ResourceHistory history)
    {
        var ops = history.Operations;
        return ops.Count == 1 && ops[0] is { Rc: OcfRc.NotRunning, Status: OperationStatus.Done, IsProbe: true };
    }

    /// <summary>Replays the operations in call order (everything but the common "probed, not running").</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Replay(ResourceView rsc, NodeView node, ResourceHistory history, PlanContext ctx)
    {
        // A failure found on a node already known to be unclean when it is read (lost, or marked for fencing by a
        // resource read before this one) is left to the fencing: what ran there moves rather than being recovered,
        // and only on-fail=stop (which decides the resource's next role, not the node's fate) still applies.
        var uncleanBefore = node.Unclean;
        var failureTimeout = rsc.FailureTimeoutSeconds;
        var ops = InCallOrder(history.Operations);

        var active = false;
        var failed = false;
        var stopFailed = false;
        OnFail? failure = null;
        string? startDigest = null;
        string? startSecureDigest = null;
        var countedFailure = false;
        var promoted = false;
        var ignoredFailure = false;
        foreach (var op in ops)
        {
            if (op.Status == OperationStatus.Cancelled) continue;
            if (op.Operation is "notify" or "meta-data" or "validate-all") continue;
            var pending = op.Status == OperationStatus.Pending || op.Sequence == -1;
            if (pending)
            {
                if (op.Operation is "start" or "stop" or "migrate_from" or "promote" or "demote") active = true;
                else if (op.IsProbe) { }
                continue;
            }
            var expected = op.TargetRc ?? (op.IsProbe ? OcfRc.NotRunning : OcfRc.Success);
            // OCF's degraded codes count as their healthy counterparts: 190 as running, 191 as running promoted.
            var rc = EffectiveRc(op.Rc);
            var ok = op.Status == OperationStatus.Done && (rc == expected
                || (op.IsProbe && rc is OcfRc.Success or OcfRc.NotRunning or OcfRc.RunningPromoted));
            // A monitor that finds it promoted leaves it in the promoted role, expected or not (a failure then
            // recovers it from that role: "Promoted -> Started").
            promoted = op.Status == OperationStatus.Done && op.Operation == "monitor" && rc == OcfRc.RunningPromoted
                || (promoted && !(ok && op.Operation is "stop" or "demote" or "start"));
            if (op.Status == OperationStatus.Done && rc == OcfRc.NotRunning && op.Operation == "monitor" && op.IntervalMs == 0)
                ok = true;
            if (ok)
            {
                switch (op.Operation)
                {
                    case "start" or "migrate_from" or "promote" or "demote" or "reload" or "reload-agent":
                        active = true;
                        if (op.Operation == "start") (startDigest, startSecureDigest) = (op.ParameterDigest, op.SecureDigest);
                        ClearFailure(ref failed, ref failure);
                        break;
                    case "stop" or "migrate_to":
                        active = false;
                        ClearFailure(ref failed, ref failure);
                        break;
                    case "monitor":
                        active = rc != OcfRc.NotRunning;
                        if (op.IsProbe && active && startDigest is null) (startDigest, startSecureDigest) = (op.ParameterDigest, op.SecureDigest);
                        if (!op.IsProbe) rsc.AddMonitor(node.Name, op.IntervalMs);
                        break;
                }
                continue;
            }

            // A resource left alone (is-managed=false) that a monitor finds not running
            // (7) is not running: nothing will recover it, so it is stopped there, not failed; expired or not.
            if (op.Status == OperationStatus.Done && rc == OcfRc.NotRunning && op.Operation == "monitor" && !rsc.Managed)
            {
                active = false;
                continue;
            }
            // A failure. Expired ones (failure-timeout passed since it happened) no longer count.
            // on-fail=block on a monitor waits for an admin: failure-timeout does not lift it. A failed stop expires
            // like any failure, blocked or not (crm_simulate: the resource is then stopped there, and may start).
            var expired = failureTimeout > 0 && ctx.Now >= op.At.ToUnixTimeSeconds() + failureTimeout
                && (op.Operation == "stop" || OnFailFor(rsc, op, ctx) != OnFail.Block);
            // A failed start recorded with other parameters than the current ones: the definition changed since,
            // so its fail count is cleared (the node is allowed again), but the failure itself stands and is
            // recovered there (crm_simulate: "Recover").
            if (!expired && op.Operation == "start" && DigestChanged(ctx, rsc, op.ParameterDigest, op.SecureDigest))
            {
                rsc.FailCountIgnoredOn.Add(node.Name);
                // Pacemaker compares the parameters of every start it reads, failed or not: the start it asks for has
                // the definition change as its first reason.
                (startDigest, startSecureDigest) = (op.ParameterDigest, op.SecureDigest);
                ctx.Notes.Add($"{rsc.Id} {op.Operation} failure on {node.Name} was with other parameters: fail count cleared");
            }
            if (expired)
            {
                if (op.Operation == "start") active = false;
                // On a node already unclean when read, a recurring monitor's on-fail=stop outlasts its failure-timeout
                // (crm_simulate: the resource stops rather than moving, as for an unexpired failure there).
                // So on any node that is not online (lost, or read after it left cleanly).
                if (!node.Online && op.Operation == "monitor" && !op.IsProbe && OnFailFor(rsc, op, ctx) == OnFail.Stop)
                    failure = Worse(failure, OnFail.Stop);
                continue;
            }
            var onFail = OnFailFor(rsc, op, ctx);
            ctx.Notes.Add($"{rsc.Id} {op.Operation}_{op.IntervalMs} failed on {node.Name} (rc {op.Rc}, status {op.Status.ToPacemaker()}): on-fail {onFail.ToString().ToLowerInvariant()}");
            // Pacemaker Explained, "How are OCF return codes interpreted?": 2, 3, 4 and 5 are hard errors (the
            // resource is banned from the node), 6 is fatal (banned everywhere), the rest are soft.
            var hard = op.Status is OperationStatus.ErrorHard or OperationStatus.NotInstalled
                || (op.Status == OperationStatus.Done && rc is OcfRc.InvalidArgument or OcfRc.Unimplemented
                    or OcfRc.InsufficientPrivileges or OcfRc.NotInstalled);
            var fatal = op.Status == OperationStatus.ErrorFatal
                || (op.Status == OperationStatus.Done && rc is OcfRc.NotConfigured);
            if (fatal)
            {
                rsc.BannedEverywhere = true;
                rsc.BannedEverywhereReason = FatalError;
            }
            else if (hard) rsc.BannedOn[node.Name] = HardError;

            if (op.IsProbe && (rc is OcfRc.NotInstalled or OcfRc.InvalidArgument || op.Status == OperationStatus.NotInstalled))
            {
                // A probe that finds the agent missing (5) or its parameters invalid on this node (2) means "not
                // running here, and never can": the failure is masked, the ban stays.
                active = false;
                continue;
            }
            // on-fail=ignore pretends an ordinary failure succeeded; hard and fatal errors still count.
            if (onFail == OnFail.Ignore && (hard || fatal)) onFail = OnFail.Restart;
            if (onFail == OnFail.Ignore) ignoredFailure = true;
            else countedFailure = true;
            if (onFail == OnFail.Ignore)
            {
                if (op.Operation != "stop") active = op.Operation != "stop";
                continue;
            }
            switch (op.Operation)
            {
                case "stop":
                    active = true;
                    stopFailed = true;
                    break;
                // A failed start bans the node through its fail count (INFINITY with start-failure-is-fatal), not here.
                default:
                    active = true;
                    break;
            }
            failed = true;
            failure = Worse(failure, onFail);
        }

        // A managed resource active on a node that left cleanly: with fencing, the node is fenced for it before its
        // failures are looked at (Pacemaker's "thought to be active there"), so they are left to the fence too.
        // (Managed: neither configured otherwise nor blocked by a failure read on an earlier node.)
        if (active && !node.Online && !node.Unclean && !node.Maintenance && rsc.Managed && !rsc.Blocked && ctx.Options.IsStonithEnabled)
        {
            node.Fence($"{rsc.Id} {ThoughtActiveThere}");
            uncleanBefore = true;
        }
        // Without fencing, a failure to recover on a node that left cleanly asks for a stop there at once, which cannot run:
        // Pacemaker marks the node unclean ("stop is unrunnable") while reading it, before any lock is taken, so what is
        // read after it there is left alone as on any unclean node.
        else if (active && failed && failure == OnFail.Restart && !node.Online && !node.Unclean && !node.Maintenance && rsc.Managed && !rsc.Blocked)
            node.Fence(ReconcileStep.StopUnrunnable);
        if (uncleanBefore)
        {
            failed = false;
            if (failure != OnFail.Stop) failure = null;
        }
        if (active)
        {
            rsc.ActiveOn.Add(node.Name);
            if (promoted) rsc.PromotedOn.Add(node.Name);
            if (failed) rsc.FailedOn.Add(node.Name);
            if (stopFailed) rsc.StopFailedOn.Add(node.Name);
            if (DigestChanged(ctx, rsc, startDigest, startSecureDigest)) rsc.ChangedOn.Add(node.Name);
        }
        // Failures of operations with on-fail=ignore do not count towards migration-threshold.
        if (ignoredFailure && !countedFailure) rsc.FailCountIgnoredOn.Add(node.Name);
        switch (failure)
        {
            case OnFail.Block when active:
                rsc.Blocked = true;
                break;
            case OnFail.Stop:
                rsc.ForceStopped = true;
                break;
            case OnFail.Standby:
                rsc.StandbyNodes.Add(node.Name);
                break;
            case OnFail.Fence when active || stopFailed:
                node.Fence($"{rsc.Id} failed there");
                break;
        }
    }

    public const string ThoughtActiveThere = "is thought to be active there";

    /// <summary>The recorded digest differs from the current parameters' (the secure one when the CIB is sanitized).</summary>
    private static bool DigestChanged(PlanContext ctx, ResourceView rsc, string? digest, string? secureDigest) =>
        secureDigest is not null && secureDigest != digest
            ? secureDigest != ctx.DigestOf(rsc.Primitive.Params, secure: true)
            : digest is not null && digest != ctx.DigestOf(rsc.Primitive.Params, secure: false);

    /// <summary>Operations by call id (pending ones, call id -1, last), then by time, then as recorded.</summary>
    private static IReadOnlyList<OperationRecord> InCallOrder(IReadOnlyList<OperationRecord> ops)
    {
        static (long, long) Key(OperationRecord op) => (op.Sequence < 0 ? long.MaxValue : op.Sequence, op.At.ToUnixTimeSeconds());
        var sorted = true;
        for (var i = 1; i < ops.Count && sorted; i++) sorted = Key(ops[i - 1]).CompareTo(Key(ops[i])) <= 0;
        if (sorted) return ops;
        return ops.Select((op, index) => (op, index)).OrderBy(x => Key(x.op)).ThenBy(x => x.index).Select(x => x.op).ToList();
    }

    /// <summary>OCF 190 (degraded) reads as 0, 191 (degraded promoted) as 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EffectiveRc(int rc) => rc switch { OcfRc.Degraded => OcfRc.Success, OcfRc.DegradedPromoted => OcfRc.RunningPromoted, _ => rc };

    private static void ClearFailure(ref bool failed, ref OnFail? failure)
    {
        failed = false;
        if (failure is OnFail.Block or OnFail.Ignore or OnFail.Restart) failure = null;
    }

    private static OnFail Worse(OnFail? a, OnFail b) => a is null ? b : (OnFail)Math.Max((int)a.Value, (int)b);

    /// <summary>on-fail of the configured operation; defaults: a failed stop fences (block without fencing), others restart.</summary>
    public static OnFail OnFailFor(ResourceView rsc, OperationRecord op, PlanContext ctx)
    {
        var def = rsc.Primitive.Operations.FirstOrDefault(o => o.Name == op.Operation && o.Interval.Milliseconds == op.IntervalMs);
        var text = def?.OnFail ?? ctx.Configuration.OperationDefaults.Get("on-fail");
        if (op.Operation == "stop" && text is null or "restart")
            return ctx.Options.IsStonithEnabled ? OnFail.Fence : OnFail.Block;
        return text?.ToLowerInvariant() switch
        {
            "ignore" => OnFail.Ignore,
            "block" => OnFail.Block,
            "stop" => OnFail.Stop,
            "standby" => OnFail.Standby,
            // Pacemaker resets on-fail=fence to stop when fencing is disabled.
            "fence" => ctx.Options.IsStonithEnabled ? OnFail.Fence : OnFail.Stop,
            _ => OnFail.Restart,
        };
    }
}

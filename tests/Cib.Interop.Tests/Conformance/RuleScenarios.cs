using Cib.Interop.Conformance;

namespace Cib.Interop.Tests.Conformance;

/// <summary>
/// One small cluster per Pacemaker rule the engine follows (issue 16), each found by the differential fuzzer
/// and written here by hand at its smallest: the input of <see cref="RuleGoldenTests"/>. The expected
/// Transition Summary is Golden/rules/NAME.summary, and crm_simulate must print the same.
/// </summary>
internal static class RuleScenarios
{
    public static readonly IReadOnlyDictionary<string, (string Description, FuzzCluster Cluster)> Catalog =
        new SortedDictionary<string, (string, FuzzCluster)>(StringComparer.Ordinal)
        {
            ["degraded-monitor-is-running"] = ("a monitor returning OCF 190 (degraded) counts as running: nothing to do",
                Cluster(Rsc("rsc1", Running("node1", 190)))),
            ["degraded-promoted-monitor-recovers-from-promoted"] = ("a monitor returning OCF 191 (degraded promoted) reads as 8: a plain primitive is recovered from the promoted role",
                Cluster(Rsc("rsc1", Running("node1", 191, fails: 1)))),
            ["failed-promoted-monitor-recovers-from-promoted"] = ("an unexpected rc 8 leaves the primitive promoted and failed: Recover (Promoted -> Started)",
                Cluster(Rsc("rsc1", Running("node1", 8, fails: 1)))),
            ["expired-promoted-monitor-restarts-to-started"] = ("an rc 8 failure past failure-timeout no longer counts, but the role it found stays: Restart (Promoted -> Started)",
                Cluster(Rsc("rsc1", Running("node1", 8, fails: 1, age: 3000)) with { FailureTimeoutSeconds = 60 })),
            ["multiply-active-role-is-the-resources"] = ("a resource has one role, the highest found anywhere: promoted on node2, running on node1, recovered (Promoted -> Started) from node1",
                Cluster(Rsc("rsc1", Running("node1", 0), Running("node2", 8, fails: 1)))),
            ["probe-invalid-parameters-is-not-running"] = ("a probe returning 2 (invalid parameters) is masked like 5: not running there, and banned from that node",
                Cluster(Rsc("rsc1", new FuzzHistory("node1", FuzzStory.ProbeFailed, 2, 300, 0)))),
            ["on-fail-fence-without-fencing-stops"] = ("on-fail=fence with stonith-enabled=false is reset to stop: the failed resource stops",
                Cluster(Rsc("rsc1", Running("node1", 7, fails: 1)) with { MonitorOnFail = "fence" }) with { StonithEnabled = false }),
            ["failed-start-with-old-parameters-is-recovered"] = ("a failed start recorded with other parameters: its fail count (INFINITY) no longer bans node1, but the failure stands and is recovered",
                Cluster(Rsc("rsc1", new FuzzHistory("node1", FuzzStory.StartFailed, 1, 300, 0, StaleDigest: true)))),
            ["expired-stop-failure-is-forgotten"] = ("a failed stop past failure-timeout no longer counts (nor fences): the resource is not running there, and starts",
                Cluster(Device("node2"), Rsc("rsc1", new FuzzHistory("node1", FuzzStory.StopFailed, 1, 300, 0)) with { FailureTimeoutSeconds = 60 }) with { StonithEnabled = true }),
            ["blocked-resource-counts-where-it-is-in-its-turn"] = ("a blocked resource (on-fail=block) stays where it is and counts there only when its turn comes: rsc1, placed before it, stays put",
                Cluster(Rsc("rsc1", Running("node2", 0)), Rsc("rsc2", Running("node2", 1, fails: 1)) with { MonitorOnFail = "block" })),
            ["copy-on-lost-node-makes-multiply-active"] = ("running on node1 and on lost node2: the copy there counts, so it is stopped everywhere and started once (Restart), after the fence",
                WithLostNode2(Cluster(Device("node1"), Rsc("rsc1", Running("node1", 0), Running("node2", 0))))),
            ["fence-device-copy-on-lost-node-ends-with-it"] = ("a fence device running on node1 and on lost node2: its copy there ends with the fence, nothing else to do",
                WithLostNode2(Cluster(Device("node1") with { Histories = [Running("node1", 0), Running("node2", 0)] }))),
            ["no-quorum-multiply-active-stops-in-one-line"] = ("without quorum, a resource active on two nodes stops on both, described by one line from the first node",
                Cluster(Rsc("rsc1", Running("node1", 0), Running("node2", 0))) with { HaveQuorum = false }),
            ["no-quorum-disabled-multiply-active-stops-line-per-node"] = ("without quorum, a resource that would stop anyway (target-role=Stopped) active on two nodes: a line per node, due to node availability",
                Cluster(Rsc("rsc1", Running("node1", 0), Running("node2", 0)) with { TargetStopped = true }) with { HaveQuorum = false }),
            ["no-quorum-stop-blocked-only-where-stuck"] = ("without quorum (so no fencing), a failed probe on node1 and a copy on lost node2: the stop on node1 runs, the line is not blocked",
                WithLostNode2(Cluster(Device("node1"), Rsc("rsc1", new FuzzHistory("node1", FuzzStory.ProbeFailed, 1, 300, 0), Running("node2", 0)))) with { HaveQuorum = false }),
            ["blocked-multiply-active-counts-on-its-first-node"] = ("rsc1 runs on node1 and is stuck on node2 (failed stop, no fencing: blocked): it counts on node1, so rsc2 starts on node2",
                Cluster(Rsc("rsc1", Running("node1", 0), new FuzzHistory("node2", FuzzStory.StopFailed, 1, 300, 0)), Rsc("rsc2"))),
            ["asymmetric-order-does-not-restart-then"] = ("a mandatory order with symmetrical=false: rsc1 starts, the running rsc2 after it is not restarted",
                Cluster(Rsc("rsc1"), Rsc("rsc2", Running("node1", 0))) with { Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", false)], Locations = [new FuzzLocation("rsc1", "node1", "INFINITY"), new FuzzLocation("rsc2", "node1", "INFINITY")] }),
            ["order-into-group-restart-names-the-order"] = ("rsc1 then grp (symmetrical): rsc1 and grp's first member start, the running second member restarts due to rsc1, not to the member before it",
                Cluster(Rsc("rsc1"), Rsc("rsc2") with { Group = "grp" }, Rsc("rsc3", Running("node1", 0)) with { Group = "grp" })
                    with { Orders = [new FuzzOrder("rsc1", "grp", "Mandatory", true)], Locations = [new FuzzLocation("rsc1", "node1", "INFINITY"), new FuzzLocation("grp", "node1", "INFINITY")] }),
            ["multiple-active-stop_start-moves-once"] = ("multiple-active=stop_start (the default), active on node1 and node2, preferring node3: stopped on both, started once on node3",
                MultiplyActive("stop_start")),
            ["multiple-active-stop_only-stops-everywhere"] = ("multiple-active=stop_only, active on node1 and node2: stopped on both and not started again",
                MultiplyActive("stop_only")),
            ["multiple-active-block-leaves-it"] = ("multiple-active=block, active on node1 and node2: left alone for an admin",
                MultiplyActive("block")),
            ["multiple-active-block-leaves-the-rest-of-its-group"] = ("grp(rsc1, rsc2), rsc2 active on node1 and node2 with multiple-active=block: rsc2 is left alone, rsc1 still starts",
                Cluster(Rsc("rsc1") with { Group = "grp" }, Rsc("rsc2", Running("node1", 0), Running("node2", 0)) with { Group = "grp", MultipleActive = "block" })),
            ["multiple-active-stop_unexpected-recovery-says-why"] = ("multiple-active=stop_unexpected, running on node1 and failed on node2: the recovery is 'due to being multiply active'",
                Cluster(Rsc("rsc1", Running("node1", 0), Running("node2", 1, fails: 1)) with { MultipleActive = "stop_unexpected" })),
            ["multiple-active-stop_unexpected-says-why"] = ("multiple-active=stop_unexpected, active on node1 and node2, preferring node3: the move is 'due to being multiply active'",
                MultiplyActive("stop_unexpected")),
            ["group-location-counts-once-on-its-first-member"] = ("grp -100 on node1, where its second member runs with stickiness 100: the -100 counts on the first member only, so the group stays",
                Cluster(Rsc("rsc1") with { Group = "grp" }, Rsc("rsc2", Running("node1", 0)) with { Group = "grp", Stickiness = "100" })
                    with { Locations = [new FuzzLocation("grp", "node1", "-100")] }),
            ["group-tie-goes-by-its-first-members-node"] = ("grp prefers node1 (100); its second member failed on node2 with stickiness 100: on the tie the group goes by where its first member runs (nowhere), not the second",
                Cluster(Rsc("rsc1") with { Group = "grp" }, Rsc("rsc2", Running("node2", 7, fails: 1)) with { Group = "grp", Stickiness = "100" })
                    with { Locations = [new FuzzLocation("grp", "node1", "100")] }),
            ["advisory-colocation-scales-a-dependents-ban"] = ("rsc2 (banned from node1) is colocated with rsc1 at 100: the ban weighs -INFINITY x 100/INFINITY = -100 on rsc1's node1, so both start on node2",
                Cluster(Rsc("rsc1"), Rsc("rsc2")) with { Colocations = [new FuzzColocation("rsc2", "rsc1", "100")], Locations = [new FuzzLocation("rsc2", "node1", "-INFINITY")] }),
            ["multiply-active-prefers-its-first-node"] = ("active on node2 and node3: on a tie it stays on the first node it was found on (Restart on node2), not the emptiest",
                Cluster(Rsc("rsc1", Running("node2", 0), Running("node3", 0))) with
                {
                    Nodes = [new FuzzNode("node1", FuzzNodeState.Online), new FuzzNode("node2", FuzzNodeState.Online), new FuzzNode("node3", FuzzNodeState.Online)],
                }),
            ["failure-read-after-the-fence-moves"] = ("node1 is to be fenced for rsc1's failed stop, read first; rsc2's monitor failure there, read after, is left to the fence: rsc2 moves",
                FencedNode1(Rsc("rsc1", new FuzzHistory("node1", FuzzStory.StopFailed, 1, 300, 0)), Rsc("rsc2", Running("node1", 1, fails: 1)))),
            ["failure-read-before-the-fence-recovers"] = ("rsc1's monitor failure on node1 is read before rsc2's failed stop marks node1 for fencing: rsc1 is recovered elsewhere",
                FencedNode1(Rsc("rsc1", Running("node1", 1, fails: 1)), Rsc("rsc2", new FuzzHistory("node1", FuzzStory.StopFailed, 1, 300, 0)))),
            ["on-fail-stop-on-lost-node-still-stops"] = ("a monitor failure with on-fail=stop on a lost node: the failure is left to the fence, but on-fail=stop still decides: it stops",
                WithLostNode2(Cluster(Device("node1"), Rsc("rsc1", Running("node2", 7, fails: 1)) with { MonitorOnFail = "stop" }))),
            ["on-fail-stop-bans-everywhere-and-ends-its-groups-merge"] = ("grp(rsc1, rsc2, rsc3): rsc2 failed with on-fail=stop, so it is banned from every node; that ends the merge of member scores, so rsc3's ban from node1 no longer steers rsc1, which starts on node1",
                Cluster(Rsc("rsc1") with { Group = "grp" }, Rsc("rsc2", Running("node1", 7, fails: 1)) with { Group = "grp", MonitorOnFail = "stop" }, Rsc("rsc3") with { Group = "grp" })
                    with { Locations = [new FuzzLocation("rsc3", "node1", "-INFINITY")] }),
            ["disabled-group-member-still-passes-on-later-members-scores"] = ("grp(rsc1, rsc2, rsc3), rsc2 target-role=Stopped: that is no ban while the group chooses, so rsc3's ban from node1 still reaches rsc1, which starts on node2",
                Cluster(Rsc("rsc1") with { Group = "grp" }, Rsc("rsc2") with { Group = "grp", TargetStopped = true }, Rsc("rsc3") with { Group = "grp" })
                    with { Locations = [new FuzzLocation("rsc3", "node1", "-INFINITY")] }),
            ["unrunnable-start-names-the-last-configured-order"] = ("rsc3 is ordered after rsc1 (banned everywhere) and then after rsc2 (disabled): both starts are unrunnable, and its blocked start names the order configured last",
                Cluster(Rsc("rsc1"), Rsc("rsc2") with { TargetStopped = true }, Rsc("rsc3"))
                    with
                    {
                        Orders = [new FuzzOrder("rsc1", "rsc3", "Mandatory", true), new FuzzOrder("rsc2", "rsc3", "Mandatory", true)],
                        Locations = [new FuzzLocation("rsc1", "node1", "-INFINITY"), new FuzzLocation("rsc1", "node2", "-INFINITY")],
                    }),
            ["order-into-group-gates-every-members-start"] = ("rsc1 (disabled) then grp(rsc2, rsc3), not symmetrical: the group's start comes before each member's, so both members' blocked starts name rsc1",
                Cluster(Rsc("rsc1") with { TargetStopped = true }, Rsc("rsc2") with { Group = "grp" }, Rsc("rsc3") with { Group = "grp" })
                    with { Orders = [new FuzzOrder("rsc1", "grp", "Mandatory", false)] }),
            ["expired-blocked-stop-failure-is-forgotten"] = ("without fencing a failed stop blocks (on-fail defaults to block), yet past failure-timeout it no longer counts: the resource is not running there, and starts",
                Cluster(Rsc("rsc1", new FuzzHistory("node1", FuzzStory.StopFailed, 1, 300, 0)) with { FailureTimeoutSeconds = 60 })),
            ["disabled-first-member-still-pulls-its-primary"] = ("grp(rsc2 disabled, rsc3) is colocated with rsc1 and prefers node2: the group cannot run, yet while rsc1 is placed its first member's target-role is no ban, so rsc1 starts on node2",
                Cluster(Rsc("rsc1"), Rsc("rsc2") with { Group = "grp", TargetStopped = true }, Rsc("rsc3") with { Group = "grp" })
                    with { Colocations = [new FuzzColocation("grp", "rsc1", "INFINITY")], Locations = [new FuzzLocation("grp", "node2", "100")] }),
            ["order-does-not-wait-for-an-unmanaged-stop"] = ("rsc1 then rsc2, rsc2 running with is-managed=false: rsc2 is left alone, not stuck, so disabled rsc1 still stops (a blocked rsc2 would block it)",
                Cluster(Rsc("rsc1", Running("node1", 0)) with { TargetStopped = true }, Rsc("rsc2", Running("node1", 0)) with { Unmanaged = true })
                    with { Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["group-waits-for-an-unmanaged-members-stop"] = ("grp(rsc1, rsc2) must leave node1, where rsc2 runs with is-managed=false: inside a group rsc1's stop waits for rsc2's, which never comes, so rsc1's stop is blocked",
                Cluster(Rsc("rsc1", Running("node1", 0)) with { Group = "grp" }, Rsc("rsc2", Running("node1", 0)) with { Group = "grp", Unmanaged = true })
                    with { Locations = [new FuzzLocation("grp", "node1", "-INFINITY")] }),
            ["multiply-active-restart-for-changed-parameters-says-so"] = ("running on node1 and node2, started on node2 with other parameters: stopped on both and started once, due to resource definition change",
                Cluster(Rsc("rsc1", Running("node1", 0), new FuzzHistory("node2", FuzzStory.Running, 0, 300, 0, StaleDigest: true)))),
            ["then-stops-for-good-when-first-stops-for-good"] = ("rsc1 then rsc2, both running on node1; rsc1 is banned from every node and stops: rsc2 stops before it and cannot start again, 'due to required rsc1 start'",
                Cluster(Rsc("rsc1", Running("node1", 0)), Rsc("rsc2", Running("node1", 0)))
                    with
                    {
                        Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)],
                        Locations = [new FuzzLocation("rsc1", "node1", "-INFINITY"), new FuzzLocation("rsc1", "node2", "-INFINITY")],
                    }),
            ["requires-nothing-restart-for-changed-parameters-gives-no-reason"] = ("without fencing and with no-quorum-policy=ignore a resource requires nothing: its restart for changed parameters gives no reason",
                Cluster(Rsc("rsc1", new FuzzHistory("node1", FuzzStory.Running, 0, 300, 0, StaleDigest: true))) with { NoQuorumPolicy = "ignore" }),
            ["restart-behind-a-blocked-member-shows-as-a-blocked-stop"] = ("grp(rsc1, rsc2, rsc3) on node1: rsc1 starts, so running rsc2 would restart, but its stop waits for blocked rsc3's: a blocked stop, not a blocked restart",
                Cluster(Rsc("rsc1") with { Group = "grp" }, Rsc("rsc2", Running("node1", 0)) with { Group = "grp" },
                        Rsc("rsc3", Running("node1", 1, fails: 1)) with { Group = "grp", MonitorOnFail = "block" })
                    with { Locations = [new FuzzLocation("grp", "node1", "100")] }),
            ["multiple-active-block-blocks-the-starts-after-it"] = ("grp(rsc1, rsc2), rsc1 active on node1 and node2 with multiple-active=block: rsc1 is left alone and its start cannot run, so rsc2's start after it is blocked",
                Cluster(Rsc("rsc1", Running("node1", 0), Running("node2", 0)) with { Group = "grp", MultipleActive = "block" }, Rsc("rsc2") with { Group = "grp" })),
            ["quorum-freeze-counts-only-what-runs-on-online-nodes"] = ("without quorum under no-quorum-policy=freeze, fence1 runs only on lost node2: that is not running, so it may not start elsewhere and its stop there cannot run: a blocked stop, with no reason",
                WithLostNode2(Cluster(Device("node2"))) with { HaveQuorum = false, NoQuorumPolicy = "freeze" }),
            ["unmanaged-monitor-not-running-is-stopped"] = ("grp(rsc1, rsc2), rsc1 is-managed=false and its monitor found it not running (7): nothing recovers it, so it is stopped, not failed; unmanaged and stopped it goes nowhere, and rsc2 after it neither",
                Cluster(Rsc("rsc1", Running("node1", 7, fails: 1)) with { Group = "grp", Unmanaged = true }, Rsc("rsc2") with { Group = "grp" })),
            ["promoted-recovery-in-place-for-changed-parameters-says-so"] = ("an unexpected rc 8 on a primitive started with other parameters: recovered in place from the promoted role, due to resource definition change",
                Cluster(Rsc("rsc1", new FuzzHistory("node1", FuzzStory.Running, 8, 300, 1, StaleDigest: true)))),
            ["promoted-recovery-elsewhere-for-changed-parameters-says-so"] = ("an unexpected rc 8 on a primitive started with other parameters reaches migration-threshold=1: its recovery to node2, from the promoted role, names the definition change its start was given",
                Cluster(Rsc("rsc1", new FuzzHistory("node1", FuzzStory.Running, 8, 300, 1, StaleDigest: true)) with { MigrationThreshold = "1" })),
            ["stop-for-an-unrunnable-start-names-the-definition-change"] = ("rsc1 then rsc2; rsc1 is disabled, so rsc2's start cannot run; rsc2 was started with other parameters: its stop names the definition change, the first reason its start was given",
                Cluster(Rsc("rsc1") with { TargetStopped = true }, Rsc("rsc2", new FuzzHistory("node1", FuzzStory.Running, 0, 300, 0, StaleDigest: true)))
                    with { Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["quorum-freeze-stops-a-restart-for-changed-parameters"] = ("without quorum under no-quorum-policy=freeze, rsc1 started with other parameters needs a restart, but freeze lets only what stays as it is start: it stops, due to resource definition change",
                Cluster(Rsc("rsc1", new FuzzHistory("node1", FuzzStory.Running, 0, 300, 0, StaleDigest: true))) with { HaveQuorum = false, NoQuorumPolicy = "freeze" }),
            ["advisory-colocation-weighs-at-least-one"] = ("rsc2 with rsc1 at score 10, rsc2 prefers node2 by 100: 100 x 10/INFINITY rounds to 0, but a non-zero score weighs at least 1, so rsc1 goes to node2 (and rsc2 with it)",
                Cluster(Rsc("rsc1"), Rsc("rsc2")) with { Locations = [new FuzzLocation("rsc2", "node2", "100")], Colocations = [new FuzzColocation("rsc2", "rsc1", "10")] }),
            ["advisory-colocation-small-negative-weighs-plus-one"] = ("rsc2 with rsc1 at score 1000, rsc2 avoids node2 by -100: -100 x 1000/INFINITY rounds to 0 and weighs +1, the colocation's direction, so rsc1 goes to node2 and rsc2 follows (900 there)",
                Cluster(Rsc("rsc1"), Rsc("rsc2")) with { Locations = [new FuzzLocation("rsc2", "node2", "-100")], Colocations = [new FuzzColocation("rsc2", "rsc1", "1000")] }),
            ["changed-parameters-on-a-standby-node-ask-for-nothing"] = ("an unexpected rc 8 with on-fail=standby on a primitive started with other parameters: node1 goes to standby, where the parameters are not compared, so the recovery to node2 gives no reason",
                Cluster(Rsc("rsc1", new FuzzHistory("node1", FuzzStory.Running, 8, 300, 1, StaleDigest: true)) with { MonitorOnFail = "standby" })),
            ["multiply-active-promoted-recovery-for-changed-parameters-says-so"] = ("rsc1 runs on node1, started with other parameters, and failed promoted (rc 8) on node2: its one recovery, leaving the promoted role, names the definition change",
                Cluster(Rsc("rsc1", new FuzzHistory("node1", FuzzStory.Running, 0, 300, 0, StaleDigest: true), Running("node2", 8, fails: 1)))),
            ["disabled-dependent-still-pulls-its-primary"] = ("rsc2 (target-role=Stopped) with rsc1 at 1000, rsc2 prefers node2 by 100: a disabled dependent still weighs on its primary, so rsc1 starts on node2",
                Cluster(Rsc("rsc1"), Rsc("rsc2") with { TargetStopped = true }) with { Locations = [new FuzzLocation("rsc2", "node2", "100")], Colocations = [new FuzzColocation("rsc2", "rsc1", "1000")] }),
            ["unmanaged-dependent-weighs-infinity-where-it-runs"] = ("rsc2 (is-managed=false) runs on node2 and prefers node1 by 100, colocated with rsc1 at 1000: an unmanaged resource is held where it runs with INFINITY, so rsc1 starts on node2",
                Cluster(Rsc("rsc1"), Rsc("rsc2", Running("node2", 0)) with { Unmanaged = true }) with { Locations = [new FuzzLocation("rsc2", "node1", "100")], Colocations = [new FuzzColocation("rsc2", "rsc1", "1000")] }),
            ["no-quorum-stop-behind-a-stuck-stop-names-it"] = ("without quorum, grp(rsc1, rsc2) on node1, rsc2's stop failed (no fencing: blocked): rsc1's stop waits for it, and its line names that stop rather than the want of quorum",
                Cluster(Rsc("rsc1", Running("node1", 0)) with { Group = "grp" }, Rsc("rsc2", new FuzzHistory("node1", FuzzStory.StopFailed, 1, 300, 0)) with { Group = "grp" }) with { HaveQuorum = false }),
            ["order-waits-for-a-blocked-stop-not-one-blocked-in-turn"] = ("rsc1 then grp(rsc2, rsc3), all on node1; rsc3's stop failed (no fencing: blocked), and rsc1, banned everywhere, stops: rsc2's stop waits for rsc3's, but rsc1's waits only for a blocked resource's own stop, so it runs",
                Cluster(Rsc("rsc1", Running("node1", 0)), Rsc("rsc2", Running("node1", 0)) with { Group = "grp" },
                        Rsc("rsc3", new FuzzHistory("node1", FuzzStory.StopFailed, 1, 300, 0)) with { Group = "grp" })
                    with
                    {
                        Orders = [new FuzzOrder("rsc1", "grp", "Mandatory", true)],
                        Locations = [new FuzzLocation("rsc1", "node1", "-INFINITY"), new FuzzLocation("rsc1", "node2", "-INFINITY")],
                    }),
            ["quorum-freeze-start-gates-what-is-ordered-after-it"] = ("without quorum under no-quorum-policy=freeze, rsc1 then rsc2: rsc1 runs nowhere, so freeze forbids its start, and failed rsc2 cannot be recovered after it: it stops, due to unrunnable rsc1 start",
                Cluster(Rsc("rsc1"), Rsc("rsc2", Running("node1", 1, fails: 1)))
                    with { HaveQuorum = false, NoQuorumPolicy = "freeze", Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["colocation-blocks-a-dependents-start-behind-an-unrunnable-primary-start"] = ("rsc1 (is-managed=false, not running) then rsc2; rsc2's start is unrunnable after rsc1's (so running rsc2 stops); rsc3 with rsc2 at INFINITY must start: it cannot, due to colocation with rsc2",
                Cluster(Rsc("rsc1") with { Unmanaged = true }, Rsc("rsc2", Running("node1", 0)), Rsc("rsc3"))
                    with { Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)], Colocations = [new FuzzColocation("rsc3", "rsc2", "INFINITY")] }),
            ["multiply-active-with-an-unrunnable-start-stops-in-one-line"] = ("without quorum under no-quorum-policy=freeze, rsc1 then rsc2; rsc2 is active on node1 and node2, so it must start once, after rsc1, whose start freeze forbids: one line, a stop from its first node, due to unrunnable rsc1 start",
                Cluster(Rsc("rsc1"), Rsc("rsc2", Running("node1", 0), Running("node2", 0)))
                    with { HaveQuorum = false, NoQuorumPolicy = "freeze", Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["group-member-after-an-unrunnable-start-stops"] = ("without quorum under no-quorum-policy=freeze, grp(rsc1, rsc2) with rsc2 running on node1: rsc1 must start and cannot, which makes rsc2's start required and unrunnable: rsc2 stops, due to unrunnable rsc1 start",
                Cluster(Rsc("rsc1") with { Group = "grp" }, Rsc("rsc2", Running("node1", 0)) with { Group = "grp" }) with { HaveQuorum = false, NoQuorumPolicy = "freeze" }),
            ["promoted-then-needs-a-start-behind-a-first-that-stops"] = ("rsc1 then rsc2 on node1; rsc1, banned everywhere, stops; rsc2 failed promoted (rc 8) and needs a start to leave that role, which cannot run after rsc1's: it stops, due to unrunnable rsc1 start",
                Cluster(Rsc("rsc1", Running("node1", 0)), Rsc("rsc2", Running("node1", 8, fails: 1)))
                    with
                    {
                        Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)],
                        Locations = [new FuzzLocation("rsc1", "node1", "-INFINITY"), new FuzzLocation("rsc1", "node2", "-INFINITY")],
                    }),
            ["no-quorum-stop_unexpected-stop-says-multiply-active"] = ("without quorum, rsc1 (multiple-active=stop_unexpected) active on node1 and node2: one stop line, and the reason its stops have of their own comes before the want of quorum",
                Cluster(Rsc("rsc1", Running("node1", 0), Running("node2", 0)) with { MultipleActive = "stop_unexpected" }) with { HaveQuorum = false }),
            ["multiply-active-promoted-with-an-unrunnable-start-stops-on-each-node"] = ("without quorum under no-quorum-policy=freeze, rsc1 then rsc2; rsc2 runs on node1 and failed promoted on node2, and its one start, after rsc1's, cannot run: it leaves the promoted role on each node, a stop line each",
                Cluster(Rsc("rsc1"), Rsc("rsc2", Running("node1", 0), Running("node2", 8, fails: 1)))
                    with { HaveQuorum = false, NoQuorumPolicy = "freeze", Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["blocked-primary-blocks-no-dependents-start"] = ("rsc2 with rsc1 at INFINITY; rsc1's stop failed on node2 (no fencing: blocked), so rsc1 is left there: its start is not unrunnable for that, and rsc2 starts on node2 with it",
                Cluster(Rsc("rsc1", new FuzzHistory("node2", FuzzStory.StopFailed, 1, 300, 0)), Rsc("rsc2")) with { Colocations = [new FuzzColocation("rsc2", "rsc1", "INFINITY")] }),
            ["negative-colocation-pushes-the-primary-from-its-dependents-place"] = ("rsc2 with rsc1 at -INFINITY, rsc2 runs on node1 (stickiness 100): its 100 there weighs -100 on rsc1, so rsc1 starts on node2 and rsc2 stays",
                Cluster(Rsc("rsc1"), Rsc("rsc2", Running("node1", 0)) with { Stickiness = "100" }) with { Colocations = [new FuzzColocation("rsc2", "rsc1", "-INFINITY")] }),
            ["negative-colocation-weighs-nothing-where-the-dependent-is-banned"] = ("rsc2 with rsc1 at -INFINITY, rsc2 banned from node2: a double negative is no preference, so rsc1 takes node1 on the tie and rsc2 has nowhere to run",
                Cluster(Rsc("rsc1"), Rsc("rsc2"))
                    with { Colocations = [new FuzzColocation("rsc2", "rsc1", "-INFINITY")], Locations = [new FuzzLocation("rsc2", "node2", "-INFINITY")] }),
            ["unmanaged-member-holds-its-group-where-it-runs"] = ("grp(rsc1, rsc2), rsc2 is-managed=false and running on node2: it is held there with INFINITY, which its group's choice merges, so rsc1 starts on node2",
                Cluster(Rsc("rsc1") with { Group = "grp" }, Rsc("rsc2", Running("node2", 0)) with { Group = "grp", Unmanaged = true })),
            ["blocked-member-holds-its-group-where-it-runs"] = ("grp(rsc1, rsc2), rsc2's monitor failed on node2 with on-fail=block: blocked, it is held there with INFINITY like an unmanaged resource, so rsc1 starts on node2",
                Cluster(Rsc("rsc1") with { Group = "grp" }, Rsc("rsc2", Running("node2", 1, fails: 1)) with { Group = "grp", MonitorOnFail = "block" })),
            ["duplicate-order-the-first-configured-decides-optional"] = ("rsc1 (disabled) then rsc2 twice, Optional first, then Mandatory: one ordering per pair of actions, the first configured, so rsc2 starts without waiting for rsc1",
                Cluster(Rsc("rsc1") with { TargetStopped = true }, Rsc("rsc2"))
                    with { Orders = [new FuzzOrder("rsc1", "rsc2", "Optional", true), new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["duplicate-order-the-first-configured-decides-mandatory"] = ("rsc1 (disabled) then rsc2 twice, Mandatory first, then Optional: the first configured decides, so rsc2's start is unrunnable",
                Cluster(Rsc("rsc1") with { TargetStopped = true }, Rsc("rsc2"))
                    with { Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true), new FuzzOrder("rsc1", "rsc2", "Optional", true)] }),
            ["colocations-with-one-primary-apply-newest-first-advisory-rolled-back"] = ("rsc2 with rsc1 at -100 (col1), then at INFINITY (col2): the newest applies first and keeps rsc2 off node2, so the -100 on rsc1's node would leave nowhere to run and is rolled back: rsc2 starts with rsc1",
                Cluster(Rsc("rsc1"), Rsc("rsc2")) with { Colocations = [new FuzzColocation("rsc2", "rsc1", "-100"), new FuzzColocation("rsc2", "rsc1", "INFINITY")] }),
            ["colocations-with-one-primary-apply-newest-first-advisory-kept"] = ("rsc2 with rsc1 at INFINITY (col1), then at -100 (col2): the newest applies first, while node2 is still open, so it stays, and with INFINITY after it rsc2 has only rsc1's node at -100: it does not run",
                Cluster(Rsc("rsc1"), Rsc("rsc2")) with { Colocations = [new FuzzColocation("rsc2", "rsc1", "INFINITY"), new FuzzColocation("rsc2", "rsc1", "-100")] }),
            ["blocked-primary-first-of-an-order-blocks-its-dependents-start"] = ("rsc2 with rsc1 at INFINITY; rsc1's stop failed on node2 (no fencing: blocked), and an optional order names rsc1 first: that makes rsc1's start exist, unrunnable, so rsc2 cannot start with it",
                Cluster(Rsc("rsc1", new FuzzHistory("node2", FuzzStory.StopFailed, 1, 300, 0)), Rsc("rsc2"), Rsc("rsc3"))
                    with { Colocations = [new FuzzColocation("rsc2", "rsc1", "INFINITY")], Orders = [new FuzzOrder("rsc1", "rsc3", "Optional", false)] }),
            ["group-stop-behind-a-stop-on-an-unfenced-node-names-it"] = ("without quorum (so no fencing), grp(rsc1, rsc2): rsc1 on node1, rsc2 on lost node2, whose stop cannot run: rsc1's stop waits for it along the group's chain, 'due to unrunnable rsc2 stop'",
                WithLostNode2(Cluster(Device("node1"), Rsc("rsc1", Running("node1", 0)) with { Group = "grp" }, Rsc("rsc2", Running("node2", 0)) with { Group = "grp" })) with { HaveQuorum = false }),
            ["on-fail-stop-on-a-lost-node-outlasts-failure-timeout"] = ("rsc1's monitor failed on lost node2 with on-fail=stop, long past failure-timeout=60: read on a node to be fenced, the stop still applies, so rsc1 stops rather than moving",
                WithLostNode2(Cluster(Device("node1"), Rsc("rsc1", Running("node2", 7, fails: 1, age: 3000)) with { FailureTimeoutSeconds = 60, MonitorOnFail = "stop" }))),
            ["on-fail-standby-puts-every-node-it-failed-on-in-standby"] = ("rsc1's monitor failed on node1 and on node2 with on-fail=standby: both nodes go to standby, so nothing can run anywhere and rsc1 stops on each",
                Cluster(Rsc("rsc1", Running("node1", 7, fails: 1), Running("node2", 7, fails: 1)) with { MonitorOnFail = "standby" })),
            ["no-fencing-while-nothing-is-managed"] = ("node2 is lost and node1 in maintenance, where the fence device runs (so unmanaged): with no resource managed Pacemaker fences nothing",
                Cluster(Device("node1")) with
                {
                    StonithEnabled = true,
                    Nodes = [new FuzzNode("node1", FuzzNodeState.Maintenance), new FuzzNode("node2", FuzzNodeState.Lost)],
                }),
            ["a-group-is-managed-whatever-its-members"] = ("as above, plus grp(rsc1) with rsc1 is-managed=false: the group itself is managed, so node2 is fenced",
                Cluster(Device("node1"), Rsc("rsc1") with { Group = "grp", Unmanaged = true }) with
                {
                    StonithEnabled = true,
                    Nodes = [new FuzzNode("node1", FuzzNodeState.Maintenance), new FuzzNode("node2", FuzzNodeState.Lost)],
                }),
            ["multiple-active-block-on-the-group-blocks-every-member"] = ("grp(rsc1, rsc2) with multiple-active=block on the group, rsc1 active on node1 and node2, rsc2 on node1: the whole group is left alone, rsc2 included",
                Cluster(Rsc("rsc1", Running("node1", 0), Running("node2", 0)) with { Group = "grp" }, Rsc("rsc2", Running("node1", 0)) with { Group = "grp" })
                    with { GroupMultipleActive = "block" }),
            ["group-member-after-a-blocked-failed-member-stops"] = ("grp(rsc1, rsc2) on node1, rsc1's monitor failed with on-fail=block: blocked, it needs a start that cannot run, so running rsc2 after it stops 'due to unrunnable rsc1 start'",
                Cluster(Rsc("rsc1", Running("node1", 1, fails: 1)) with { Group = "grp", MonitorOnFail = "block" }, Rsc("rsc2", Running("node1", 0)) with { Group = "grp" })),
            ["order-into-group-restarts-pass-along-the-members"] = ("rsc1 then grp(rsc2, rsc3, rsc4) (symmetrical), the members running on node1: rsc1 starts; the first member restarts for rsc1, each later one for the member before it, which restarts in place too",
                Cluster(Rsc("rsc1"), Rsc("rsc2", Running("node1", 0)) with { Group = "grp" }, Rsc("rsc3", Running("node1", 0)) with { Group = "grp" },
                        Rsc("rsc4", Running("node1", 0)) with { Group = "grp" })
                    with { Orders = [new FuzzOrder("rsc1", "grp", "Mandatory", true)], Locations = [new FuzzLocation("rsc1", "node1", "INFINITY"), new FuzzLocation("grp", "node1", "INFINITY")] }),
            ["unmanaged-first-on-a-node-to-be-fenced-cannot-start"] = ("rsc1 (is-managed=false) runs only on lost node2, which is fenced; rsc1 then rsc2: the fence ends rsc1 and nothing may start it, so rsc2's start is unrunnable",
                WithLostNode2(Cluster(Device("node1"), Rsc("rsc1", Running("node2", 0)) with { Unmanaged = true }, Rsc("rsc2")))
                    with { Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", false)] }),
            ["order-stop-behind-a-blocked-stop-gives-no-reason"] = ("rsc1 then rsc2 (symmetrical) on node1, rsc2's stop failed (no fencing: blocked); rsc1 must leave node1, but its stop waits for rsc2's: behind an order constraint the stuck stop is not named, the line is a plain blocked stop",
                Cluster(Rsc("rsc1", Running("node1", 0)), Rsc("rsc2", new FuzzHistory("node1", FuzzStory.StopFailed, 1, 300, 0)))
                    with { Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)], Locations = [new FuzzLocation("rsc1", "node1", "-INFINITY")] }),
            ["a-groups-colocations-apply-in-configuration-order"] = ("grp(rsc2) with rsc1 at INFINITY (col1), then at -100 (col2): a group applies them in configuration order, so after INFINITY the -100 would leave nowhere to run and is rolled back: grp starts with rsc1",
                Cluster(Rsc("rsc1"), Rsc("rsc2") with { Group = "grp" }) with { Colocations = [new FuzzColocation("grp", "rsc1", "INFINITY"), new FuzzColocation("grp", "rsc1", "-100")] }),
            ["maintenance-node-fenced-does-not-end-what-it-runs"] = ("rsc1's stop failed on node1, in maintenance (so rsc1 is unmanaged there), and node1 is fenced for it; rsc1 then rsc2: unmanaged only by its node, rsc1 does not end with the fence that way, and rsc2 starts",
                Cluster(Device("node2"), Rsc("rsc1", new FuzzHistory("node1", FuzzStory.StopFailed, 1, 300, 0)), Rsc("rsc2")) with
                {
                    StonithEnabled = true,
                    Nodes = [new FuzzNode("node1", FuzzNodeState.Maintenance), new FuzzNode("node2", FuzzNodeState.Online)],
                    Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)],
                }),
            ["unmanaged-by-a-maintenance-node-is-held-from-that-node-on"] = ("rsc2 with rsc1 at -INFINITY; rsc2 runs on node1, read first, and on node2, in maintenance (so unmanaged): it is held with INFINITY on node2 only, not on node1 read before, so rsc1 is not pushed off node1",
                Cluster(Rsc("rsc1"), Rsc("rsc2", Running("node1", 0), Running("node2", 0))) with
                {
                    Nodes = [new FuzzNode("node1", FuzzNodeState.Online), new FuzzNode("node2", FuzzNodeState.Maintenance), new FuzzNode("node3", FuzzNodeState.Online)],
                    Colocations = [new FuzzColocation("rsc2", "rsc1", "-INFINITY")],
                }),
            ["unmanaged-first-on-an-online-node-fenced-for-another-still-counts"] = ("rsc1 (is-managed=false) runs on node2, which is online but fenced for rsc3's failed stop; rsc1 then rsc2: only a lost node ends what it runs this way, so rsc2 starts",
                Cluster(Device("node1"), Rsc("rsc1", Running("node2", 0)) with { Unmanaged = true }, Rsc("rsc2"), Rsc("rsc3", new FuzzHistory("node2", FuzzStory.StopFailed, 1, 300, 0)))
                    with { StonithEnabled = true, Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", false)] }),
            ["no-quorum-multiple-active-block-stops-nothing"] = ("without quorum, rsc1 (multiple-active=block) runs on node1 and on lost node2: blocked, so unmanaged, it gets no line at all, not even a blocked stop on the lost node",
                WithLostNode2(Cluster(Device("node1"), Rsc("rsc1", Running("node1", 0), Running("node2", 0)) with { MultipleActive = "block" })) with { HaveQuorum = false }),
            ["failed-start-with-old-parameters-stops-for-the-definition-change"] = ("rsc1 (target-role=Stopped) then rsc2, whose start failed on node1 with other parameters than today's: its start cannot run, and the first reason that start was given is the definition change, read with the failed start",
                Cluster(Rsc("rsc1") with { TargetStopped = true }, Rsc("rsc2", new FuzzHistory("node1", FuzzStory.StartFailed, 1, 300, 0, StaleDigest: true)))
                    with { Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["no-quorum-stop-for-an-unrunnable-start-names-the-quorum"] = ("without quorum, rsc1 (is-managed=false, not running) then rsc2 (symmetrical), rsc2 running on node1: it stops 'due to no quorum', the reason its start was given when made, before the order made it unrunnable",
                Cluster(Rsc("rsc1") with { Unmanaged = true }, Rsc("rsc2", Running("node1", 0)))
                    with { HaveQuorum = false, Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["unmanaged-failed-first-does-not-hold-the-start-after-it"] = ("rsc1 (is-managed=false) failed on node1, then rsc2 (not running): nothing asks for rsc1's stop, so its start is not needed and rsc2 starts",
                Cluster(Rsc("rsc1", Running("node1", 1, fails: 1)) with { Unmanaged = true }, Rsc("rsc2"))
                    with { Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["unmanaged-member-passes-on-a-required-start"] = ("grp(rsc1, rsc2, rsc3), rsc2 (is-managed=false) and rsc3 running on node1, rsc1 starts: rsc2's start is required though it is left alone, so rsc3 restarts 'due to required rsc2 start'",
                Cluster(Rsc("rsc1") with { Group = "grp" }, Rsc("rsc2", Running("node1", 0)) with { Group = "grp", Unmanaged = true }, Rsc("rsc3", Running("node1", 0)) with { Group = "grp" })),
            ["unmanaged-member-behind-a-stopping-member-cannot-start"] = ("grp(rsc1, rsc2, rsc3) running on node1, rsc2 is-managed=false, rsc1 restarts for changed parameters: rsc2's required start comes after its stop, which cannot run, so rsc3 stops 'due to unrunnable rsc2 start'",
                Cluster(Rsc("rsc1", Running("node1", 0) with { StaleDigest = true }) with { Group = "grp", Fake = "a" }, Rsc("rsc2", Running("node1", 0)) with { Group = "grp", Unmanaged = true },
                        Rsc("rsc3", Running("node1", 0)) with { Group = "grp" })),
            ["multiply-active-unmanaged-first-requires-a-restart"] = ("rsc1 runs on node1 (in maintenance, read first, so unmanaged) and on node3, rsc1 then rsc2 (symmetrical), rsc2 running on node2: rsc1 gets no line, but its start is required, so rsc2 restarts 'due to required rsc1 start'",
                Cluster(Rsc("rsc1", Running("node1", 0), Running("node3", 0)), Rsc("rsc2", Running("node2", 0)))
                    with { Nodes = [new FuzzNode("node1", FuzzNodeState.Maintenance), new FuzzNode("node2", FuzzNodeState.Online), new FuzzNode("node3", FuzzNodeState.Online)], Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["unmanaged-failed-member-behind-a-moving-member-cannot-start"] = ("grp(rsc1, rsc2, rsc3): rsc1 runs on node1, rsc2 (is-managed=false) failed on node2 and is held there, rsc3 stopped: rsc1's move needs rsc2's stop, which cannot run ('due to unrunnable rsc2 stop'), and rsc2's start after it cannot either, so rsc3 cannot start",
                Cluster(Rsc("rsc1", Running("node1", 0)) with { Group = "grp" }, Rsc("rsc2", Running("node2", 1, fails: 1)) with { Group = "grp", Unmanaged = true }, Rsc("rsc3") with { Group = "grp" })),
            ["multiply-active-found-before-the-maintenance-node-requires-nothing"] = ("rsc1 runs on node1 and on node2 (in maintenance, read after node1), rsc1 then rsc2 (symmetrical), rsc2 running on node3: found again while still managed, rsc1's start is not required, and rsc2 stays",
                Cluster(Rsc("rsc1", Running("node1", 0), Running("node2", 0)), Rsc("rsc2", Running("node3", 0)))
                    with { Nodes = [new FuzzNode("node1", FuzzNodeState.Online), new FuzzNode("node2", FuzzNodeState.Maintenance), new FuzzNode("node3", FuzzNodeState.Online)], Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["multiply-active-stop-keeps-its-reason-when-blocked"] = ("grp(rsc1, rsc2): rsc1 (multiple-active=stop_unexpected) runs on node1 and node2, rsc2's stop failed on node1 (no fencing: blocked): rsc1's stop there waits for rsc2's and cannot run, but keeps the reason it was made with, 'being multiply active'",
                Cluster(Rsc("rsc1", Running("node1", 0), Running("node2", 0)) with { Group = "grp", MultipleActive = "stop_unexpected" },
                        Rsc("rsc2", new FuzzHistory("node1", FuzzStory.StopFailed, 1, 300, 0)) with { Group = "grp" })),
            ["quorum-freeze-multiply-active-with-a-copy-on-a-lost-node-stops"] = ("without quorum (freeze, so no fencing), rsc1 runs on node1 and on lost node2: the stop there cannot run and the one start comes after it, so rsc1 stops on node1, a line that is not blocked",
                WithLostNode2(Cluster(Device("node1"), Rsc("rsc1", Running("node1", 0), Running("node2", 0)))) with { HaveQuorum = false, NoQuorumPolicy = "freeze" }),
            ["no-quorum-multiply-active-line-is-blocked-as-its-first-stop"] = ("without quorum, rsc1 runs on lost node1 (read first) and on node2: one line from node1, blocked as the first stop made, node1's, is",
                Cluster(Device("node2"), Rsc("rsc1", Running("node1", 0), Running("node2", 0))) with
                {
                    StonithEnabled = true, HaveQuorum = false,
                    Nodes = [new FuzzNode("node1", FuzzNodeState.Lost), new FuzzNode("node2", FuzzNodeState.Online)],
                }),
            ["no-quorum-multiply-active-line-is-as-the-failed-copys-stop"] = ("without quorum, rsc1 runs on lost node1 (read first) and failed its probe on node2: the stop of the failed copy is made first, while reading the history, and it runs, so the line from node1 is not blocked",
                Cluster(Device("node2"), Rsc("rsc1", Running("node1", 0), new FuzzHistory("node2", FuzzStory.ProbeFailed, 1, 300, 0))) with
                {
                    StonithEnabled = true, HaveQuorum = false,
                    Nodes = [new FuzzNode("node1", FuzzNodeState.Lost), new FuzzNode("node2", FuzzNodeState.Online)],
                }),
            ["unmanaged-member-behind-a-moving-member-holds-the-rest-under-an-order"] = ("rsc1 then grp(rsc2, rsc3, rsc4) (symmetrical): rsc2 runs on node1, rsc3 (is-managed=false) failed on node2 and is held there, rsc4 stopped; the order makes rsc3's start required too, but it still comes after rsc3's stop, which cannot run: rsc4 cannot start",
                Cluster(Rsc("rsc1"), Rsc("rsc2", Running("node1", 0)) with { Group = "grp" }, Rsc("rsc3", Running("node2", 1, fails: 1)) with { Group = "grp", Unmanaged = true }, Rsc("rsc4") with { Group = "grp" })
                    with { Orders = [new FuzzOrder("rsc1", "grp", "Mandatory", true)] }),
            ["blocked-member-behind-a-moving-member-holds-the-rest"] = ("grp(rsc1, rsc2, rsc3): rsc1 runs on node1 and is banned there, rsc2 (multiple-active=block) runs on node2 and node3 (in maintenance), rsc3 stopped: rsc1's move needs rsc2's stop, which cannot run, nor rsc2's start after it, so rsc3 cannot start",
                Cluster(Rsc("rsc1", Running("node1", 0)) with { Group = "grp" }, Rsc("rsc2", Running("node2", 0), Running("node3", 0)) with { Group = "grp", MultipleActive = "block" }, Rsc("rsc3") with { Group = "grp" })
                    with
                    {
                        Nodes = [new FuzzNode("node1", FuzzNodeState.Online), new FuzzNode("node2", FuzzNodeState.Online), new FuzzNode("node3", FuzzNodeState.Maintenance)],
                        Locations = [new FuzzLocation("rsc1", "node1", "-INFINITY")],
                    }),
            ["order-restart-for-changed-parameters-behind-a-blocked-stop-names-the-change"] = ("rsc1 then rsc2 (symmetrical) on node1, rsc1 started with other parameters, rsc2's stop failed (no fencing: blocked): rsc1's restart cannot stop; behind an order its stop has no reason of its own, so the line names the start's, the definition change",
                Cluster(Rsc("rsc1", Running("node1", 0) with { StaleDigest = true }), Rsc("rsc2", new FuzzHistory("node1", FuzzStory.StopFailed, 1, 300, 0)))
                    with { Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["group-stop-behind-a-stuck-member-names-it-before-the-definition-change"] = ("grp(rsc1, rsc2, rsc3) on node1: rsc1 failed with on-fail=block, rsc2 started with other parameters, rsc3 on node2 in maintenance: rsc2's start cannot run, so it stops, and its stop waits for rsc3's, which cannot run; the stop's own reason comes first",
                Cluster(Rsc("rsc1", Running("node1", 1, fails: 1)) with { Group = "grp", MonitorOnFail = "block" }, Rsc("rsc2", Running("node1", 0) with { StaleDigest = true }) with { Group = "grp" },
                        Rsc("rsc3", Running("node2", 0)) with { Group = "grp" })
                    with { Nodes = [new FuzzNode("node1", FuzzNodeState.Online), new FuzzNode("node2", FuzzNodeState.Maintenance)] }),
            ["then-stops-when-first-restarts-and-cannot-start"] = ("without quorum under no-quorum-policy=freeze, rsc1 then rsc2 (symmetrical) on node1, rsc1 started with other parameters: its restart cannot start, so it stops, and rsc2, whose start that restart required first, stops 'due to required rsc1 start'",
                Cluster(Device("node1"), Rsc("rsc1", Running("node1", 0) with { StaleDigest = true }), Rsc("rsc2", Running("node1", 0)))
                    with { StonithEnabled = true, HaveQuorum = false, NoQuorumPolicy = "freeze", Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["then-stops-when-first-is-blocked-by-its-failure"] = ("rsc1 then rsc2 (symmetrical); rsc1's monitor failed on node2 with on-fail=block, rsc2 runs on node1: a blocked resource that failed is assigned nowhere, so rsc2 stops 'due to unrunnable rsc1 start'",
                Cluster(Rsc("rsc1", Running("node2", 7, fails: 1)) with { MonitorOnFail = "block" }, Rsc("rsc2", Running("node1", 0)))
                    with { Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true)] }),
            ["quorum-freeze-member-on-a-lost-node-names-the-member-before-it"] = ("without quorum under freeze, grp(rsc1, rsc2): rsc1 stopped, rsc2 found only on lost node2: freeze does not mark rsc2's start (it counts as active there), the unrunnable start of rsc1 does first: 'due to unrunnable rsc1 start (blocked)'",
                WithLostNode2(Cluster(Device("node1"), Rsc("rsc1") with { Group = "grp" }, Rsc("rsc2", Running("node2", 0)) with { Group = "grp" })) with { HaveQuorum = false, NoQuorumPolicy = "freeze" }),
            ["order-stop-waits-for-a-groups-stop-not-a-blocked-members"] = ("rsc1 then grp(rsc2) (symmetrical): rsc1 failed on node1 and is recovered there; rsc2's monitor failed with on-fail=block on node2: rsc1's stop waits for grp's stop, which is no blocked resource's own, so the recovery runs",
                Cluster(Rsc("rsc1", Running("node1", 7, fails: 1)), Rsc("rsc2", Running("node2", 1, fails: 1)) with { Group = "grp", MonitorOnFail = "block" })
                    with { Orders = [new FuzzOrder("rsc1", "grp", "Mandatory", true)] }),
            ["unmanaged-expired-monitor-not-running-is-stopped"] = ("grp(rsc1, rsc2): rsc1 (is-managed=false, failure-timeout=60) had its monitor find it not running (7) 300 s ago, rsc2 stopped: expired or not, that failure leaves rsc1 stopped there, so rsc2 has nowhere to go",
                Cluster(Rsc("rsc1", Running("node1", 7, fails: 1)) with { Group = "grp", Unmanaged = true, FailureTimeoutSeconds = 60 }, Rsc("rsc2") with { Group = "grp" })),
            ["blocked-primary-with-changed-parameters-blocks-its-dependents-start"] = ("rsc1 failed on node1 with on-fail=block and was started with other parameters; rsc2 with rsc1 at INFINITY: the definition change asks for rsc1's start, which cannot run, so rsc2 cannot start 'due to colocation with rsc1'",
                Cluster(Rsc("rsc1", Running("node1", 7, fails: 1) with { StaleDigest = true }) with { MonitorOnFail = "block" }, Rsc("rsc2"))
                    with { Colocations = [new FuzzColocation("rsc2", "rsc1", "INFINITY")] }),
            ["blocked-primary-blocks-every-member-of-a-colocated-group"] = ("rsc1's stop failed on node1 (no fencing: blocked), rsc1 then grp (Optional), grp(rsc2, rsc3) with rsc1 at INFINITY: the order makes rsc1's start, which cannot run, and each member's start is blocked 'due to colocation with rsc1'",
                Cluster(Rsc("rsc1", new FuzzHistory("node1", FuzzStory.StopFailed, 1, 300, 0)), Rsc("rsc2") with { Group = "grp" }, Rsc("rsc3") with { Group = "grp" })
                    with { Colocations = [new FuzzColocation("grp", "rsc1", "INFINITY")], Orders = [new FuzzOrder("rsc1", "grp", "Optional", true)] }),
            ["quorum-freeze-member-after-one-on-a-lost-node-stops-as-required"] = ("without quorum under freeze, grp(rsc1, rsc2): rsc1 found only on lost node2, rsc2 on node1: rsc1's start was runnable when made and required rsc2's, then could not run (its stop cannot): rsc2 stops 'due to required rsc1 start'",
                WithLostNode2(Cluster(Device("node1"), Rsc("rsc1", Running("node2", 0)) with { Group = "grp" }, Rsc("rsc2", Running("node1", 0)) with { Group = "grp" })) with { HaveQuorum = false, NoQuorumPolicy = "freeze" }),
            ["quorum-freeze-members-both-on-lost-nodes-pass-no-reason"] = ("without quorum under freeze, grp(rsc1, rsc2): rsc1 found only on lost node2, rsc2 only on lost node3: neither start had a reason when made, so rsc2's line is a plain blocked stop",
                Cluster(Device("node1"), Rsc("rsc1", Running("node2", 0)) with { Group = "grp" }, Rsc("rsc2", Running("node3", 0)) with { Group = "grp" }) with
                {
                    StonithEnabled = true, HaveQuorum = false, NoQuorumPolicy = "freeze",
                    Nodes = [new FuzzNode("node1", FuzzNodeState.Online), new FuzzNode("node2", FuzzNodeState.Lost), new FuzzNode("node3", FuzzNodeState.Lost)],
                }),
            ["group-member-behind-a-start-held-by-orders-stops-as-required"] = ("grp(rsc1, rsc2, rsc3) on node1: rsc1's monitor failed with on-fail=block, rsc2 stopped, rsc3 running: rsc2's start is required and found unrunnable only through rsc1; rsc3's start was required by it first, so rsc3 stops 'due to required rsc2 start'",
                Cluster(Rsc("rsc1", Running("node1", 1, fails: 1)) with { Group = "grp", MonitorOnFail = "block" }, Rsc("rsc2") with { Group = "grp" }, Rsc("rsc3", Running("node1", 0)) with { Group = "grp" })),
            ["restart-required-by-one-order-and-blocked-by-another-names-the-first"] = ("rsc1 (target-role=Stopped) then grp (asymmetrical), rsc2 then grp (symmetrical), grp(rsc3) on node1; rsc2 moves from node1 (banned there): rsc3's restart was required by rsc2's start before rsc1's order made it unrunnable, so it stops 'due to required rsc2 start'",
                Cluster(Rsc("rsc1") with { TargetStopped = true }, Rsc("rsc2", Running("node1", 0)), Rsc("rsc3", Running("node1", 0)) with { Group = "grp" })
                    with
                    {
                        Orders = [new FuzzOrder("rsc2", "grp", "Mandatory", true), new FuzzOrder("rsc1", "grp", "Mandatory", false)],
                        Locations = [new FuzzLocation("rsc2", "node1", "-INFINITY")],
                    }),
            ["group-colocation-reason-comes-after-the-orders"] = ("rsc1 is banned everywhere, rsc1 then rsc2 (symmetrical), rsc3 then grp (symmetrical) with rsc3 stopped by target-role, grp(rsc4) with rsc2 at INFINITY: rsc4's start is unrunnable after rsc3's before the group's colocation with rsc2 (whose start cannot run) is applied: 'due to unrunnable rsc3 start'",
                Cluster(Rsc("rsc1"), Rsc("rsc2"), Rsc("rsc3") with { TargetStopped = true }, Rsc("rsc4") with { Group = "grp" })
                    with
                    {
                        Colocations = [new FuzzColocation("grp", "rsc2", "INFINITY")],
                        Orders = [new FuzzOrder("rsc1", "rsc2", "Mandatory", true), new FuzzOrder("rsc3", "grp", "Mandatory", true)],
                        Locations = [new FuzzLocation("rsc1", "node1", "-INFINITY"), new FuzzLocation("rsc1", "node2", "-INFINITY")],
                    }),
            ["shutdown-lock-stops-in-place"] = ("shutdown-lock: rsc1 runs on node1, which is shutting down cleanly: it is locked there, so it stops and is not moved to node2",
                ShutdownLock(Cluster(Rsc("rsc1", Running("node1", 0))), ShuttingDown("node1"))),
            ["shutdown-lock-holds-while-the-node-is-down"] = ("shutdown-lock: rsc1 was stopped by node1's clean shutdown and locked there (lrm_resource shutdown-lock); node1 is down: rsc1 stays stopped, not started on node2",
                ShutdownLock(Cluster(Rsc("rsc1", Locked("node1", 300))), Down("node1"))),
            ["shutdown-lock-released-when-the-node-rejoins"] = ("shutdown-lock: rsc1 is locked to node1, which is back: it starts there, though it prefers node2 (100)",
                ShutdownLock(Cluster(Rsc("rsc1", Locked("node1", 300))) with { Locations = [new FuzzLocation("rsc1", "node2", "100")] })),
            ["shutdown-lock-expires-after-its-limit"] = ("shutdown-lock-limit=60s: rsc1's lock to node1 (down) was taken 300 s ago, so it has expired: rsc1 is recovered on node2",
                ShutdownLock(Cluster(Rsc("rsc1", Locked("node1", 300))), Down("node1")) with { ShutdownLockLimitSeconds = 60 }),
            ["shutdown-lock-holds-until-its-limit"] = ("shutdown-lock-limit=300s: rsc1's lock to node1 (down) was taken 300 s ago, not more: it still holds",
                ShutdownLock(Cluster(Rsc("rsc1", Locked("node1", 300))), Down("node1")) with { ShutdownLockLimitSeconds = 300 }),
            ["shutdown-lock-locks-each-group-member"] = ("shutdown-lock: grp(rsc1, rsc2) runs on node1, which is shutting down: each member is locked there and stops",
                ShutdownLock(Cluster(Rsc("rsc1", Running("node1", 0)) with { Group = "grp" }, Rsc("rsc2", Running("node1", 0)) with { Group = "grp" }), ShuttingDown("node1"))),
            ["shutdown-lock-leaves-fence-devices-and-the-stopped-alone"] = ("shutdown-lock: node1 is shutting down; the fence device running there moves (never locked), rsc1, already stopped there, starts on node2 (nothing to lock), rsc2 is locked and stops",
                ShutdownLock(Cluster(Device("node1"), Rsc("rsc1", new FuzzHistory("node1", FuzzStory.Stopped, 0, 300, 0)), Rsc("rsc2", Running("node1", 0))) with { StonithEnabled = true }, ShuttingDown("node1"))),
            ["shutdown-lock-not-taken-on-a-node-to-be-fenced"] = ("shutdown-lock: node1 was shutting down when it was lost, and rsc1 is thought to be active there: node1 is fenced for it, and an unclean node takes no lock, so rsc1 moves",
                ShutdownLock(Cluster(Device("node2"), Rsc("rsc1", Running("node1", 0))) with { StonithEnabled = true }, ShuttingDown("node1"), Lost("node1"))),
            ["offline-node-thought-active-is-fenced"] = ("stonith enabled: node1 left cleanly, but its history says rsc1 still runs there: node1 is fenced for it ('rsc1 is thought to be active there') and rsc1 moves",
                OnNode(Cluster(Device("node2"), Rsc("rsc1", Running("node1", 0))) with { StonithEnabled = true }, "node1", FuzzNodeState.Down)),
            ["shutdown-lock-offline-copy-cannot-stop"] = ("shutdown-lock without fencing: Pacemaker reads the history of lost node2, where rsc1 runs: its stop there cannot run, so it cannot start elsewhere either",
                ShutdownLock(Cluster(Rsc("rsc1", Running("node2", 0))), Lost("node2"))),
            ["shutdown-lock-offline-copy-beside-a-clean-one-is-not-multiply-active"] = ("shutdown-lock without fencing: rsc1 runs on node1 and, by lost node2's history, there too: only copies on clean online nodes count, so it stays on node1",
                ShutdownLock(Cluster(Rsc("rsc1", Running("node1", 0), Running("node2", 0))), Lost("node2"))),
            ["shutdown-lock-failure-on-an-offline-node-makes-it-unclean"] = ("shutdown-lock without fencing: lost node2 was shutting down and rsc1 failed there; its recovery asks for a stop there while it is read, which cannot run, so node2 is unclean, takes no lock, and rsc1's start elsewhere waits for that stop",
                ShutdownLock(Cluster(Rsc("rsc1", Running("node2", 7, fails: 1)), Rsc("rsc2", Running("node2", 0))), ShuttingDown("node2"), Lost("node2"))),
        };

    private static FuzzCluster ShutdownLock(FuzzCluster c, params Func<FuzzCluster, FuzzCluster>[] changes) =>
        changes.Aggregate(c with { ShutdownLock = true }, (x, change) => change(x));

    /// <summary>The node's <c>shutdown</c> attribute is set (100 s ago): it is shutting down cleanly.</summary>
    private static Func<FuzzCluster, FuzzCluster> ShuttingDown(string node) =>
        c => c with { Nodes = c.Nodes.Select(n => n.Name == node ? n with { ShutdownAgeSeconds = 100 } : n).ToList() };

    private static Func<FuzzCluster, FuzzCluster> Down(string node) => c => OnNode(c, node, FuzzNodeState.Down);

    private static Func<FuzzCluster, FuzzCluster> Lost(string node) => c => OnNode(c, node, FuzzNodeState.Lost);

    private static FuzzCluster OnNode(FuzzCluster c, string node, FuzzNodeState state) =>
        c with { Nodes = c.Nodes.Select(n => n.Name == node ? n with { State = state } : n).ToList() };

    /// <summary>Stopped on <paramref name="node"/> by its clean shutdown <paramref name="age"/> seconds ago, and locked there.</summary>
    private static FuzzHistory Locked(string node, int age) => new(node, FuzzStory.Stopped, 0, age, 0, LockAgeSeconds: age);

    private static FuzzCluster FencedNode1(params FuzzPrimitive[] primitives) =>
        Cluster([Device("node2"), .. primitives]) with { StonithEnabled = true };

    private static FuzzCluster MultiplyActive(string policy) =>
        Cluster(Rsc("rsc1", Running("node1", 0), Running("node2", 0)) with { MultipleActive = policy }) with
        {
            Nodes = [new FuzzNode("node1", FuzzNodeState.Online), new FuzzNode("node2", FuzzNodeState.Online), new FuzzNode("node3", FuzzNodeState.Online)],
            Locations = [new FuzzLocation("rsc1", "node3", "100")],
        };

    private static FuzzCluster WithLostNode2(FuzzCluster c) => c with
    {
        StonithEnabled = true,
        Nodes = c.Nodes.Select(n => n.Name == "node2" ? n with { State = FuzzNodeState.Lost } : n).ToList(),
    };

    private static FuzzCluster Cluster(params FuzzPrimitive[] primitives) =>
        new([new FuzzNode("node1", FuzzNodeState.Online), new FuzzNode("node2", FuzzNodeState.Online)],
            StonithEnabled: false, HaveQuorum: true, NoQuorumPolicy: null, DefaultStickiness: null, DefaultMigrationThreshold: null,
            primitives, [], [], []);

    private static FuzzPrimitive Rsc(string id, params FuzzHistory[] histories) =>
        new(id, null, false, null, false, false, null, null, null, null, histories);

    /// <summary>A fence device running on <paramref name="node"/> (without one, Pacemaker starts nothing while stonith is enabled).</summary>
    private static FuzzPrimitive Device(string node) =>
        new("fence1", null, true, null, false, false, null, null, null, null, [Running(node, 0)]);

    /// <summary>Started, then a recurring monitor returned <paramref name="rc"/>.</summary>
    private static FuzzHistory Running(string node, int rc, int fails = 0, int age = 300) =>
        new(node, FuzzStory.Running, rc, age, fails);
}

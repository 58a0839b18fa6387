using System.Collections.Immutable;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using CsCheck;
using Primitives = Cib.Domain.Primitives;

namespace Cib.Interop.Tests.Crm;

/// <summary>
/// Valid configurations for property tests. Built from a list of small integers (the choices), so that
/// CsCheck shrinks a failure to fewer and smaller choices, which means a smaller configuration.
/// Every configuration is checked by the domain decider before it is used.
/// </summary>
public static class ConfigurationGen
{
    /// <summary>Any valid configuration; ids may hold ':' and values any tricky character.</summary>
    public static readonly Gen<ClusterConfiguration> Any = Choices.Select(c => new Builder(c, xmlSafe: false).Build());

    /// <summary>Valid configurations that Pacemaker also accepts (XML ids, fencing set up consistently).</summary>
    public static readonly Gen<ClusterConfiguration> PacemakerValid = Choices.Select(c => new Builder(c, xmlSafe: true).Build());

    private static Gen<int[]> Choices => Gen.Int[0, 999].Array[0, 160];

    private sealed class Builder(int[] choices, bool xmlSafe)
    {
        private static readonly string[] Agents =
            ["ocf:heartbeat:IPaddr2", "ocf:heartbeat:Dummy", "ocf:pacemaker:Dummy", "lsb:apache2", "systemd:nginx", "service:cron"];
        private static readonly string[] TrickyValues =
            ["", " ", "a b", "\"q\"", "it's", "back\\slash", "#hash", "a=b", "x:y", "/srv/www", "qemu+ssh://hv/system", "é ü", "tab\there", "line\nbreak", "trailing\\"];
        private static readonly string[] PlainValues = ["1", "yes", "/dev/sdb1", "192.0.2.10", "eth0", "24", "web"];

        private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
        private int _next;

        private int Next(int n) => n <= 0 ? 0 : _next < choices.Length ? choices[_next++] % n : 0;
        private bool Chance(int percent) => Next(100) < percent;
        private T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

        private string Id(string prefix)
        {
            var id = prefix + Next(1000);
            if (!xmlSafe && Chance(5)) id += ":" + Next(10);
            if (Chance(10)) id += Pick(new[] { "-x", "_y", ".z" });
            while (!_ids.Add(id)) id += "a";
            return id;
        }

        private string Value() => Chance(50) ? Pick(PlainValues) : xmlSafe ? Pick(TrickyValues).Replace("\\", "/") : Pick(TrickyValues);

        private ValueMap Pairs(string prefix, int max)
        {
            var count = Next(max + 1);
            var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++) pairs[$"{prefix}{Next(20)}"] = Value();
            return ValueMap.Of(pairs);
        }

        private Duration Duration() => Chance(70) ? Primitives.Duration.FromSeconds(1 + Next(120)) : new Primitives.Duration(1 + Next(5000));

        public ClusterConfiguration Build()
        {
            var nodes = Enumerable.Range(1, Next(4)).Select(i => $"node{i}{(Chance(20) ? "-" + Next(9) : "")}").Distinct().ToList();
            var nodeDefinitions = nodes.Select(n => new NodeDefinition(n, Chance(30)
                ? Pairs("attr", 2).Set(NodeDefinition.StandbyAttribute, Pick(new[] { "on", "off" }))
                : Pairs("attr", 2))).ToList();

            var primitives = new List<Primitive>();
            var fence = nodes.Count > 0 && (xmlSafe || Chance(50));
            if (fence)
                primitives.Add(new Primitive(Id("fence"), ResourceAgent.Parse("stonith:fence_virsh"),
                    ValueMap.Of(("pcmk_host_list", string.Join(' ', nodes)), ("ip", "hypervisor")), ValueMap.Empty,
                    ValueList.Of(new OperationDefinition("monitor", Primitives.Duration.FromSeconds(60), Primitives.Duration.FromSeconds(20), null, ValueMap.Empty))));
            var count = Next(7);
            for (var i = 0; i < count; i++) primitives.Add(Primitive());

            var candidates = primitives.Where(p => !p.IsFenceDevice).Select(p => p.Id).ToList();
            var groups = new List<Group>();
            while (candidates.Count > 0 && Chance(40))
            {
                var members = new List<string>();
                var size = 1 + Next(3);
                for (var i = 0; i < size && candidates.Count > 0; i++)
                {
                    var m = candidates[Next(candidates.Count)];
                    candidates.Remove(m);
                    members.Add(m);
                }
                groups.Add(new Group(Id("grp"), members.ToValueList(), Chance(30) ? ValueMap.Of(("target-role", "Started")) : ValueMap.Empty));
            }

            var resources = primitives.Cast<Resource>().Concat(groups).Select(r => r.Id).ToList();
            var constraints = new List<Constraint>();
            var constraintCount = resources.Count == 0 ? 0 : Next(6);
            for (var i = 0; i < constraintCount; i++)
            {
                switch (Next(3))
                {
                    case 0 when nodes.Count > 0:
                        constraints.Add(new LocationConstraint(Id("loc"), Pick(resources), Pick(nodes), Score())
                        {
                            // Some end (crm resource move/ban with a lifetime), past or to come, always a whole second.
                            Until = Chance(25) ? DateTimeOffset.FromUnixTimeSeconds(1_700_000_000L + Next(200_000_000)) : null,
                        });
                        break;
                    case 1 when resources.Count > 1:
                    {
                        var (a, b) = TwoOf(resources);
                        constraints.Add(new ColocationConstraint(Id("col"), a, b, Score()));
                        break;
                    }
                    case 2 when resources.Count > 1:
                    {
                        var (a, b) = TwoOf(resources);
                        var firstAction = Chance(70) ? "start" : Pick(new[] { "stop", "start" });
                        var thenAction = Chance(70) ? firstAction : Pick(new[] { "stop", "start" });
                        var kind = Pick(new[] { OrderKind.Mandatory, OrderKind.Optional, OrderKind.Serialize });
                        constraints.Add(new OrderConstraint(Id("ord"), a, firstAction, b, thenAction, kind, kind != OrderKind.Serialize && Chance(70)));
                        break;
                    }
                }
            }

            var properties = ValueMap.Of(("stonith-enabled", fence ? "true" : "false"));
            if (Chance(50)) properties = properties.Set("no-quorum-policy", Pick(new[] { "stop", "freeze", "ignore" }));
            if (Chance(30)) properties = properties.Set("cluster-recheck-interval", $"{1 + Next(30)}min");
            var rscDefaults = Chance(50) ? ValueMap.Of(("resource-stickiness", $"{Next(200)}")) : ValueMap.Empty;
            if (Chance(30)) rscDefaults = rscDefaults.Set("migration-threshold", $"{1 + Next(5)}");
            var opDefaults = Chance(50) ? ValueMap.Of(("timeout", $"{1 + Next(90)}s")) : ValueMap.Empty;

            var configuration = new ClusterConfiguration(properties, rscDefaults, opDefaults,
                nodeDefinitions.ToImmutableSortedDictionary(n => n.Name, n => n, StringComparer.Ordinal),
                primitives.Cast<Resource>().Concat(groups).ToImmutableSortedDictionary(r => r.Id, r => r, StringComparer.Ordinal),
                constraints.ToImmutableSortedDictionary(c => c.Id, c => c, StringComparer.Ordinal));
            return Validated(configuration);
        }

        private Primitive Primitive()
        {
            var operations = new List<OperationDefinition>();
            if (Chance(60)) operations.Add(new OperationDefinition("monitor", Duration(), Chance(70) ? Duration() : null,
                Chance(20) ? Pick(new[] { "restart", "ignore", "block", "stop" }) : null,
                !xmlSafe && Chance(20) ? ValueMap.Of(("OCF_CHECK_LEVEL", "10")) : ValueMap.Empty));
            if (Chance(30)) operations.Add(new OperationDefinition("start", Primitives.Duration.Zero, Duration(), null, ValueMap.Empty));
            if (Chance(30)) operations.Add(new OperationDefinition("stop", Primitives.Duration.Zero, Duration(), null, ValueMap.Empty));
            var meta = Chance(30) ? ValueMap.Of(("target-role", Pick(new[] { "Started", "Stopped" }))) : ValueMap.Empty;
            if (Chance(20)) meta = meta.Set("resource-stickiness", $"{Next(100)}");
            return new Primitive(Id("rsc"), ResourceAgent.Parse(Pick(Agents)), Pairs("param", 3), meta, operations.ToValueList());
        }

        private Score Score() => Next(4) switch
        {
            0 => Primitives.Score.Infinity,
            1 => Primitives.Score.MinusInfinity,
            _ => Primitives.Score.Of(Next(2001) - 1000),
        };

        private (string, string) TwoOf(List<string> ids)
        {
            var a = Pick(ids);
            var others = ids.Where(i => i != a).ToList();
            return (a, Pick(others));
        }
    }

    /// <summary>The configuration as the domain builds it from define commands: a generator bug shows up here, not as a parser bug.</summary>
    public static ClusterConfiguration Validated(ClusterConfiguration c)
    {
        var decision = ConfigurationDecider.Decide(
            new ChangeConfiguration(0, ConfigurationDiff.Between(ClusterConfiguration.Empty, c), DateTimeOffset.UnixEpoch, Actor.System("test")),
            ClusterConfiguration.Empty);
        if (!decision.IsAccepted)
            throw new InvalidOperationException("generated an invalid configuration: " + string.Join("; ", decision.Errors));
        var built = ConfigurationDecider.Fold(decision.Events);
        if (built != c) throw new InvalidOperationException("the decider built a different configuration than generated");
        return c;
    }
}

using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Domain.Configuration;

/// <summary>Checks of single objects (values, names) and of the whole configuration (references, group rules).</summary>
public static class ConfigurationValidator
{
    /// <summary>Parameters that name the hosts a fence device can fence.</summary>
    public static readonly IReadOnlyList<string> FenceHostParameters = ["pcmk_host_list", "pcmk_host_map", "hostlist"];

    public static IReadOnlyList<DomainError> ValidateProperty(string name, string value)
    {
        if (!Ids.IsValid(name)) return [new("invalid-attribute", $"'{name}' is not a valid property name", name)];
        if (!ClusterOptions.Known.TryGetValue(name, out var kind)) return [];
        return kind switch
        {
            PropertyKind.Boolean when !Flags.TryParse(value, out _) =>
                [new("invalid-value", $"property {name}={value}: expected true or false", name)],
            PropertyKind.Duration when !Duration.TryParse(value, out _) =>
                [new("invalid-value", $"property {name}={value}: expected a duration such as 60s", name)],
            PropertyKind.NoQuorumPolicy when !ClusterOptions.NoQuorumPolicies.Contains(value) =>
                [new("invalid-value", $"property {name}={value}: expected one of {string.Join(", ", ClusterOptions.NoQuorumPolicies)}", name)],
            PropertyKind.StonithAction when value is not ("reboot" or "off" or "poweroff") =>
                [new("invalid-value", $"property {name}={value}: expected reboot or off", name)],
            _ => [],
        };
    }

    /// <summary>Meta attributes of a resource (or rsc_defaults): known names must carry valid values.</summary>
    public static IReadOnlyList<DomainError> ValidateMeta(string owner, string name, string value)
    {
        if (!Ids.IsValid(name)) return [new("invalid-attribute", $"{owner}: '{name}' is not a valid attribute name", owner)];
        string? problem = name switch
        {
            MetaAttributes.TargetRole when !MetaAttributes.TargetRoles.Contains(value, StringComparer.OrdinalIgnoreCase) =>
                $"expected one of {string.Join(", ", MetaAttributes.TargetRoles)}",
            MetaAttributes.IsManaged or MetaAttributes.Maintenance when !Flags.TryParse(value, out _) => "expected true or false",
            MetaAttributes.ResourceStickiness or MetaAttributes.MigrationThreshold or MetaAttributes.Priority when !Score.TryParse(value, out _) =>
                "expected a score (an integer, INFINITY or -INFINITY)",
            MetaAttributes.FailureTimeout when !Duration.TryParse(value, out _) => "expected a duration such as 60s",
            MetaAttributes.MultipleActive when !MetaAttributes.MultipleActiveValues.Contains(value) =>
                $"expected one of {string.Join(", ", MetaAttributes.MultipleActiveValues)}",
            _ => null,
        };
        var code = name is MetaAttributes.ResourceStickiness or MetaAttributes.MigrationThreshold or MetaAttributes.Priority ? "invalid-score" : "invalid-value";
        return problem is null ? [] : [new(code, $"{owner}: {name}={value}: {problem}", owner)];
    }

    public static IReadOnlyList<DomainError> ValidateOperationDefault(string name, string value)
    {
        if (!Ids.IsValid(name)) return [new("invalid-attribute", $"op_defaults: '{name}' is not a valid attribute name", name)];
        return name switch
        {
            "timeout" when !Duration.TryParse(value, out var d) || d.Milliseconds <= 0 =>
                [new("invalid-timeout", $"op_defaults: timeout={value}: expected a positive duration such as 20s", name)],
            "interval" when !Duration.TryParse(value, out _) =>
                [new("invalid-interval", $"op_defaults: interval={value}: expected a duration such as 10s", name)],
            "on-fail" when !MetaAttributes.OnFailValues.Contains(value) =>
                [new("invalid-value", $"op_defaults: on-fail={value}: expected one of {string.Join(", ", MetaAttributes.OnFailValues)}", name)],
            _ => [],
        };
    }

    public static IReadOnlyList<DomainError> ValidatePrimitive(Primitive p)
    {
        var errors = new List<DomainError>();
        void Add(string code, string message) => errors.Add(new DomainError(code, $"primitive '{p.Id}': {message}", p.Id));

        if (!Ids.IsValid(p.Id)) Add("invalid-id", $"'{p.Id}' is not a valid id");
        var a = p.Agent;
        if (!ResourceAgent.KnownClasses.Contains(a.Class))
            Add("invalid-agent", $"unknown agent class '{a.Class}' (expected {string.Join(", ", ResourceAgent.KnownClasses)})");
        else if (a.Class == ResourceAgent.Ocf && string.IsNullOrEmpty(a.Provider))
            Add("invalid-agent", $"ocf agent '{a}' needs a provider (ocf:provider:type)");
        else if (a.Class != ResourceAgent.Ocf && a.Provider is not null)
            Add("invalid-agent", $"{a.Class} agents take no provider ('{a}')");
        if (string.IsNullOrWhiteSpace(a.Type)) Add("invalid-agent", "the agent type is empty");

        foreach (var name in p.Params.Keys.Where(k => !IsParameterName(k)))
            Add("invalid-attribute", $"'{name}' is not a valid parameter name");
        // Values reach agents verbatim: an OCF agent's as an environment variable (which cannot hold a NUL), a fence
        // agent's as a name=value line on its stdin (a line break would add a line of the value's choosing).
        foreach (var (name, value) in p.Params)
            if (value.Contains('\0') || (p.IsFenceDevice && value.AsSpan().IndexOfAny('\r', '\n') >= 0))
                Add("invalid-value", p.IsFenceDevice
                    ? $"{name}: a fence device's parameter holds no line break or NUL (the agent reads one name=value a line)"
                    : $"{name}: a parameter holds no NUL character");
        foreach (var (name, value) in p.Meta)
            errors.AddRange(ValidateMeta($"primitive '{p.Id}'", name, value).Select(e => e with { Subject = p.Id }));

        foreach (var op in p.Operations)
        {
            if (!MetaAttributes.OperationNames.Contains(op.Name))
                Add("invalid-operation", $"unknown operation '{op.Name}' (expected {string.Join(", ", MetaAttributes.OperationNames)})");
            if (op.Interval.Milliseconds < 0)
                Add("invalid-interval", $"op {op.Name}: interval {op.Interval} is negative");
            if (op.Interval.Milliseconds > 0 && op.Name is not "monitor")
                Add("invalid-interval", $"op {op.Name}: only monitor may recur (interval {op.Interval})");
            if (op.Timeout is { Milliseconds: <= 0 } t)
                Add("invalid-timeout", $"op {op.Name}: timeout {t} must be positive");
            if (op.OnFail is { } f && !MetaAttributes.OnFailValues.Contains(f))
                Add("invalid-value", $"op {op.Name}: on-fail={f}: expected one of {string.Join(", ", MetaAttributes.OnFailValues)}");
        }
        var twice = p.Operations.GroupBy(o => (o.Name, o.Interval)).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            Add("duplicate-operation", $"op {twice.Key.Name} with interval {twice.Key.Interval} is defined twice");

        if (p.IsFenceDevice && !FenceHostParameters.Any(h => !string.IsNullOrWhiteSpace(p.Params.Get(h)))
            && p.Params.Get("pcmk_host_check") is not ("dynamic-list" or "status"))
            Add("fence-device-without-hosts",
                $"fence device names no hosts: set one of {string.Join(", ", FenceHostParameters)} (or pcmk_host_check=dynamic-list)");
        return errors;
    }

    public static IReadOnlyList<DomainError> ValidateGroup(Group g)
    {
        var errors = new List<DomainError>();
        if (!Ids.IsValid(g.Id)) errors.Add(new("invalid-id", $"group '{g.Id}': '{g.Id}' is not a valid id", g.Id));
        if (g.Members.IsEmpty) errors.Add(new("empty-group", $"group '{g.Id}' has no members", g.Id));
        var twice = g.Members.GroupBy(m => m).FirstOrDefault(x => x.Count() > 1);
        if (twice is not null) errors.Add(new("duplicate-member", $"group '{g.Id}' lists '{twice.Key}' twice", g.Id));
        if (g.Members.Contains(g.Id)) errors.Add(new("group-in-group", $"group '{g.Id}' cannot contain itself", g.Id));
        foreach (var (name, value) in g.Meta)
            errors.AddRange(ValidateMeta($"group '{g.Id}'", name, value).Select(e => e with { Subject = g.Id }));
        return errors;
    }

    public static IReadOnlyList<DomainError> ValidateConstraint(Constraint c)
    {
        var errors = new List<DomainError>();
        if (!Ids.IsValid(c.Id)) errors.Add(new("invalid-id", $"constraint '{c.Id}': '{c.Id}' is not a valid id", c.Id));
        switch (c)
        {
            case ColocationConstraint col when col.Dependent == col.With:
                errors.Add(new("self-colocation", $"colocation '{c.Id}': '{col.Dependent}' cannot be colocated with itself", c.Id));
                break;
            case LocationConstraint { Until: { } until } when until.Ticks % TimeSpan.TicksPerSecond != 0:
                errors.Add(new("invalid-until", $"location '{c.Id}': its end {until.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'} "
                    + "is not a whole second (Pacemaker's dates have no fractions; LocationConstraint.EndOfLifetime rounds down)", c.Id));
                break;
            case OrderConstraint o:
                if (o.First == o.Then)
                    errors.Add(new("self-order", $"order '{c.Id}': '{o.First}' cannot be ordered after itself", c.Id));
                foreach (var action in new[] { o.FirstAction, o.ThenAction }.Where(x => !OrderConstraint.Actions.Contains(x)))
                    errors.Add(new("invalid-action", $"order '{c.Id}': unknown action '{action}' (expected {string.Join(", ", OrderConstraint.Actions)})", c.Id));
                break;
        }
        return errors;
    }

    /// <summary>Whole-configuration rules: every reference resolves, group membership is well formed.</summary>
    public static IReadOnlyList<DomainError> ValidateReferences(ClusterConfiguration s)
    {
        var errors = new List<DomainError>();
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var g in s.Groups)
        {
            foreach (var m in g.Members)
            {
                if (!s.Resources.TryGetValue(m, out var member))
                    errors.Add(new("unknown-reference", $"group '{g.Id}' names '{m}', which is not a defined resource", g.Id));
                else if (member is Group)
                    errors.Add(new("group-in-group", $"group '{g.Id}' names '{m}', which is a group: groups hold primitives only", g.Id));
                else if (owner.TryGetValue(m, out var other))
                    errors.Add(new("member-of-two-groups", $"primitive '{m}' is in both group '{other}' and group '{g.Id}'", g.Id));
                else
                    owner[m] = g.Id;
            }
        }
        foreach (var c in s.Constraints.Values)
        {
            foreach (var r in c.Resources.Distinct().Where(r => !s.Resources.ContainsKey(r)))
                errors.Add(new("unknown-reference", $"{ConfigurationDecider.Kind(c)} '{c.Id}' names '{r}', which is not a defined resource", c.Id));
            if (c is LocationConstraint l && !s.Nodes.ContainsKey(l.Node))
                errors.Add(new("unknown-reference", $"location '{c.Id}' names node '{l.Node}', which is not a defined node", c.Id));
        }
        return errors;
    }

    /// <summary>Instance parameter names may also contain characters Pacemaker allows in nvpair names.</summary>
    private static bool IsParameterName(string name) =>
        name.Length > 0 && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' or '.');
}

using Cib.Domain.Primitives;

namespace Cib.Domain.Resources;

/// <summary>A configured resource: a primitive (one agent instance) or a group of primitives.</summary>
public abstract record Resource(string Id, ValueMap Meta)
{
    public string? MetaValue(string name) => Meta.Get(name);
}

/// <summary>One resource agent instance: <c>primitive ID class:[provider:]type params ... meta ... op ...</c>.</summary>
public sealed record Primitive(
    string Id,
    ResourceAgent Agent,
    ValueMap Params,
    ValueMap Meta,
    ValueList<OperationDefinition> Operations) : Resource(Id, Meta)
{
    public bool IsFenceDevice => Agent.Class == ResourceAgent.Stonith;

    public static Primitive Create(string id, string agent, ValueMap? @params = null, ValueMap? meta = null,
        params OperationDefinition[] operations) =>
        new(id, ResourceAgent.Parse(agent), @params ?? ValueMap.Empty, meta ?? ValueMap.Empty, ValueList<OperationDefinition>.Of(operations));
}

/// <summary>An ordered set of primitives that start in order, stop in reverse and run together.</summary>
public sealed record Group(string Id, ValueList<string> Members, ValueMap Meta) : Resource(Id, Meta)
{
    public static Group Create(string id, params string[] members) => new(id, ValueList<string>.Of(members), ValueMap.Empty);
}

/// <summary><c>class:[provider:]type</c>, e.g. ocf:heartbeat:IPaddr2, lsb:apache2, stonith:external/libvirt.</summary>
public sealed record ResourceAgent(string Class, string? Provider, string Type)
{
    public const string Ocf = "ocf";
    public const string Lsb = "lsb";
    public const string Stonith = "stonith";
    public const string Service = "service";
    public const string Systemd = "systemd";

    public static readonly IReadOnlyList<string> KnownClasses = [Ocf, Lsb, Stonith, Service, Systemd];

    public static bool TryParse(string? text, out ResourceAgent agent)
    {
        agent = new ResourceAgent("", null, "");
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Split(':');
        switch (parts.Length)
        {
            case 2 when parts[0].Length > 0 && parts[1].Length > 0:
                agent = new ResourceAgent(parts[0], null, parts[1]);
                return true;
            case 3 when parts.All(p => p.Length > 0):
                agent = new ResourceAgent(parts[0], parts[1], parts[2]);
                return true;
            default:
                return false;
        }
    }

    public static ResourceAgent Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not an agent (class:[provider:]type)");

    public override string ToString() => Provider is null ? $"{Class}:{Type}" : $"{Class}:{Provider}:{Type}";
}

/// <summary>An operation of a primitive: <c>op monitor interval=10s timeout=20s on-fail=restart</c>.</summary>
public sealed record OperationDefinition(string Name, Duration Interval, Duration? Timeout, string? OnFail, ValueMap Attributes)
{
    public static OperationDefinition Create(string name, string interval = "0s", string? timeout = null, string? onFail = null) =>
        new(name, Duration.Parse(interval), timeout is null ? null : Duration.Parse(timeout), onFail, ValueMap.Empty);

    /// <summary>Monitors with an interval are recurring; interval 0 is a probe or a one-off action.</summary>
    public bool IsRecurring => Interval.Milliseconds > 0;
}

/// <summary>Names and allowed values of meta attributes and operation settings, as in Pacemaker.</summary>
public static class MetaAttributes
{
    public const string TargetRole = "target-role";
    public const string IsManaged = "is-managed";
    public const string ResourceStickiness = "resource-stickiness";
    public const string MigrationThreshold = "migration-threshold";
    public const string FailureTimeout = "failure-timeout";
    public const string MultipleActive = "multiple-active";
    public const string Priority = "priority";
    public const string Maintenance = "maintenance";

    public static readonly IReadOnlyList<string> TargetRoles = ["Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave"];
    public static readonly IReadOnlyList<string> MultipleActiveValues = ["stop_start", "stop_only", "block", "stop_unexpected"];
    public static readonly IReadOnlyList<string> OnFailValues = ["ignore", "block", "stop", "restart", "standby", "fence", "demote"];
    public static readonly IReadOnlyList<string> OperationNames =
        ["start", "stop", "monitor", "promote", "demote", "notify", "migrate_to", "migrate_from", "reload", "reload-agent", "meta-data", "validate-all"];
}

using Cib.Domain.Primitives;

namespace Cib.Domain.Resources;

// The resource events carry their own data shapes (below), not the domain's Primitive and Group: what is stored is
// declared here, and a change of the domain records does not change the stored schema (docs/decisions/0006).
public sealed record PrimitiveDefined(PrimitiveData Primitive, DateTimeOffset At) : IConfigurationEvent;
public sealed record PrimitiveUpdated(PrimitiveData Primitive, DateTimeOffset At) : IConfigurationEvent;
public sealed record GroupDefined(GroupData Group, DateTimeOffset At) : IConfigurationEvent;
public sealed record GroupUpdated(GroupData Group, DateTimeOffset At) : IConfigurationEvent;
public sealed record ResourceDeleted(string Id, DateTimeOffset At) : IConfigurationEvent;
public sealed record ResourceMetaAttributeSet(string Resource, string Name, string Value, DateTimeOffset At) : IConfigurationEvent;
public sealed record ResourceMetaAttributeRemoved(string Resource, string Name, DateTimeOffset At) : IConfigurationEvent;

/// <summary>
/// What the resource events store of a resource: its id and meta attributes. A base record only so that both are
/// stored after the kind's own fields, as since v1 (the golden schemas in Cib.Projections.Tests pin the JSON).
/// </summary>
public abstract record ResourceData(string Id, ValueMap Meta);

/// <summary>The stored shape of a primitive (<see cref="Resources.Primitive"/>).</summary>
public sealed record PrimitiveData(string Id, AgentData Agent, ValueMap Params, ValueMap Meta, ValueList<OperationData> Operations)
    : ResourceData(Id, Meta)
{
    /// <summary>Stored since v1 for readers of the raw log; derived from the agent, never read back.</summary>
    public bool IsFenceDevice => Agent.Class == ResourceAgent.Stonith;

    public static PrimitiveData From(Primitive p) =>
        new(p.Id, AgentData.From(p.Agent), p.Params, p.Meta, p.Operations.Select(OperationData.From).ToValueList());

    public Primitive ToPrimitive() => new(Id, Agent.ToAgent(), Params, Meta, Operations.Select(o => o.ToOperation()).ToValueList());
}

/// <summary>The stored shape of a group (<see cref="Resources.Group"/>).</summary>
public sealed record GroupData(string Id, ValueList<string> Members, ValueMap Meta) : ResourceData(Id, Meta)
{
    public static GroupData From(Group g) => new(g.Id, g.Members, g.Meta);

    public Group ToGroup() => new(Id, Members, Meta);
}

/// <summary>The stored shape of a resource agent (<see cref="ResourceAgent"/>): <c>{class, provider, type}</c>.</summary>
public sealed record AgentData(string Class, string? Provider, string Type)
{
    public static AgentData From(ResourceAgent a) => new(a.Class, a.Provider, a.Type);

    public ResourceAgent ToAgent() => new(Class, Provider, Type);
}

/// <summary>The stored shape of an operation of a primitive (<see cref="OperationDefinition"/>); durations in milliseconds.</summary>
public sealed record OperationData(string Name, Duration Interval, Duration? Timeout, string? OnFail, ValueMap Attributes)
{
    /// <summary>Stored since v1 for readers of the raw log; derived from the interval, never read back.</summary>
    public bool IsRecurring => Interval.Milliseconds > 0;

    public static OperationData From(OperationDefinition o) => new(o.Name, o.Interval, o.Timeout, o.OnFail, o.Attributes);

    public OperationDefinition ToOperation() => new(Name, Interval, Timeout, OnFail, Attributes);
}

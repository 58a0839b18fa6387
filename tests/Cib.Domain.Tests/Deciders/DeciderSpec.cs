using Xunit;
using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;

namespace Cib.Domain.Tests.Deciders;

/// <summary>Given (past events) / When (commands) / Then (events or a refusal) for the configuration decider.</summary>
public abstract class DeciderSpec
{
    protected static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    protected static readonly DateTimeOffset Earlier = Now.AddHours(-1);

    protected static ClusterConfiguration Given(params IConfigurationEvent[] history) => ConfigurationDecider.Fold(history);

    protected static Decision<IConfigurationEvent> When(ClusterConfiguration state, params IConfigurationCommand[] commands) =>
        ConfigurationDecider.Decide(new ChangeConfiguration(0, commands, Now, Actor.User("alice")), state);

    protected static void Then(Decision<IConfigurationEvent> decision, params IConfigurationEvent[] expected)
    {
        Assert.True(decision.IsAccepted, "refused: " + string.Join("; ", decision.Errors));
        Assert.Equal(expected, decision.Events);
    }

    protected static void ThenNothing(Decision<IConfigurationEvent> decision) => Then(decision);

    /// <summary>Refused with the given code; returns the error for further checks of its message.</summary>
    protected static DomainError ThenRefused(Decision<IConfigurationEvent> decision, string code)
    {
        Assert.False(decision.IsAccepted, "accepted: " + string.Join(", ", decision.Events));
        Assert.Empty(decision.Events);
        var error = Assert.Single(decision.Errors, e => e.Code == code);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        return error;
    }

    // Common history pieces.
    protected static NodeDefined Node(string name) => new(name, ValueMap.Empty, Earlier);

    protected static Primitive Dummy(string id, params OperationDefinition[] ops) =>
        Primitive.Create(id, "ocf:heartbeat:Dummy", operations: ops);

    protected static PrimitiveDefined Defined(Primitive p) => new(PrimitiveData.From(p), Earlier);
}

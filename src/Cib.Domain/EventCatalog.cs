using System.Text;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Fencing;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;

namespace Cib.Domain;

/// <summary>
/// The one list of stored event types and their stable names (<c>cib.&lt;snake_case&gt;.v1</c>).
/// A stored name never changes: renaming an event is an upcast with a new version, never an edit here.
/// </summary>
public static class EventCatalog
{
    public static readonly IReadOnlyList<(Type Type, string Name)> All =
    [
        Register<ClusterPropertySet>(),
        Register<ClusterPropertyRemoved>(),
        Register<ResourceDefaultSet>(),
        Register<ResourceDefaultRemoved>(),
        Register<OperationDefaultSet>(),
        Register<OperationDefaultRemoved>(),
        Register<NodeDefined>(),
        Register<NodeRemoved>(),
        Register<NodeAttributeSet>(),
        Register<NodeAttributeRemoved>(),
        Register<NodeStandbyChanged>(),
        Register<NodeMaintenanceChanged>(),
        Register<PrimitiveDefined>(),
        Register<PrimitiveUpdated>(),
        Register<GroupDefined>(),
        Register<GroupUpdated>(),
        Register<ResourceDeleted>(),
        Register<ResourceMetaAttributeSet>(),
        Register<ResourceMetaAttributeRemoved>(),
        Register<ConstraintDefined>(),
        Register<ConstraintUpdated>(),
        Register<ConstraintDeleted>(),
        Register<NodeJoined>(),
        Register<NodeLeft>(),
        Register<NodeLost>(),
        Register<ControllerElected>(),
        Register<FencingRequested>(),
        Register<NodeFenced>(),
        Register<FencingFailed>(),
        Register<ResourceOperationSucceeded>(),
        Register<ResourceOperationFailed>(),
        Register<FailCountCleared>(),
        Register<TransitionPlanned>(),
        Register<ActionDispatched>(),
        Register<TransitionCompleted>(),
        Register<TransitionAborted>(),
        Register<FencedNodePowerOnFailed>(),
    ];

    private static readonly Dictionary<Type, string> ByType = All.ToDictionary(x => x.Type, x => x.Name);
    private static readonly Dictionary<string, Type> ByName = All.ToDictionary(x => x.Name, x => x.Type);

    public static string NameOf(Type eventType) =>
        ByType.TryGetValue(eventType, out var n) ? n : throw new InvalidOperationException($"{eventType.Name} is not a registered event");

    public static string NameOf(ICibEvent e) => NameOf(e.GetType());

    public static Type? TypeOf(string name) => ByName.GetValueOrDefault(name);

    private static (Type, string) Register<T>() where T : ICibEvent => (typeof(T), $"cib.{SnakeCase(typeof(T).Name)}.v1");

    private static string SnakeCase(string pascal)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(pascal[i]));
        }
        return sb.ToString();
    }
}

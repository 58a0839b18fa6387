using Cib.Domain;
using Cib.Domain.Fencing;
using Cib.Domain.Operations;

namespace Cib.Projections.Store;

/// <summary>Which stream an event lives in. The configuration is one stream: its version is the epoch.</summary>
public static class StreamIds
{
    public const string Configuration = "configuration";
    /// <summary>The controller role's elections (<c>ControllerElected</c>, one per term).</summary>
    public const string Controller = "controller";
    /// <summary>The users and their roles (<c>UserAdded</c>, ...): who may use the API.</summary>
    public const string Users = "users";
    public static string Node(string name) => $"node/{name}";
    public static string Resource(string id) => $"resource/{id}";
    /// <summary>Results of one resource's operations on one node: each node appends to its own streams only, so nodes never contend.</summary>
    public static string ResourceOn(string id, string node) => $"resource/{id}/{node}";
    public static string Fencing(string target) => $"fencing/{target}";
    public static string Transition(string id) => $"transition/{id}";

    /// <summary>The stream of what a node runtime reports: an operation result to its resource's stream on that node, a fence outcome to the target's.</summary>
    public static string OfNodeReport(ICibEvent e) => e switch
    {
        ResourceOperationSucceeded s => ResourceOn(s.Resource, s.Node),
        ResourceOperationFailed f => ResourceOn(f.Resource, f.Node),
        NodeFenced n => Fencing(n.Target),
        FencingFailed f => Fencing(f.Target),
        FencedNodePowerOnFailed p => Fencing(p.Target),
        _ => throw new ArgumentException($"{e.GetType().Name} is not an event the node runtime reports", nameof(e)),
    };
}

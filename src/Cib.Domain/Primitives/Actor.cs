namespace Cib.Domain.Primitives;

/// <summary>Who or what caused a change: a user, a node runtime, the controller (a transition) or the system itself.</summary>
public sealed record Actor(ActorKind Kind, string Name)
{
    public static Actor User(string name) => new(ActorKind.User, name);
    public static Actor Node(string name) => new(ActorKind.Node, name);
    public static Actor Controller(string node) => new(ActorKind.Controller, node);
    public static Actor System(string name) => new(ActorKind.System, name);

    /// <summary>"user:alice", "node:node1", "controller:node2", "system:bootstrap".</summary>
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Name}";

    public static Actor Parse(string text)
    {
        var i = text.IndexOf(':');
        if (i <= 0 || !Enum.TryParse<ActorKind>(text[..i], ignoreCase: true, out var kind))
            return User(text);
        return new Actor(kind, text[(i + 1)..]);
    }
}

public enum ActorKind { User, Node, Controller, System }

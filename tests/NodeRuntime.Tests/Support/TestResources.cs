using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using NodeRuntime.Agents;
using NodeRuntime.Execution;

namespace NodeRuntime.Tests.Support;

/// <summary>Unique resource names and a scratch directory per test, so tests sharing /run/resource-agents never collide.</summary>
public sealed class Scratch : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("hat-").FullName;
    public string Tag { get; } = Guid.NewGuid().ToString("N")[..10];

    /// <summary>A resource id no other test uses: "name-tag".</summary>
    public string Id(string name) => $"{name}-{Tag}";

    public string File(string name) => Path.Combine(Directory, name);

    public Primitive Dummy(string name, string agent = "ocf:heartbeat:Dummy", params (string Key, string Value)[] extra)
    {
        var id = Id(name);
        var parameters = ValueMap.Of([("state", File(id + ".state")), .. extra]);
        return Primitive.Create(id, agent, parameters);
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

public static class TestExecutors
{
    public const string Node = "node-test";

    public static ResourceExecutor Local(TimeProvider? time = null) => ResourceExecutor.Create(AgentHost.Local(Node, time));

    /// <summary>Writes an executable script.</summary>
    public static string Script(string path, string text)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, text.ReplaceLineEndings("\n"));
        System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }
}

/// <summary>A fact that needs root (network namespaces, sshd as root): skipped, with the reason, otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root" && geteuid() != 0) Skip = "needs root (network namespaces / sshd)";
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}

namespace TestSupport;

/// <summary>Paths of the checkout and of ../shared, found from the test's own location.</summary>
public static class Repo
{
    public static string Root { get; } = Environment.GetEnvironmentVariable("HA_REPO_ROOT") is { Length: > 0 } r ? r : Find();

    public static string Shared { get; } =
        Environment.GetEnvironmentVariable("HA_SHARED") is { Length: > 0 } s ? s : Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ha.EventSourced.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the checkout (Ha.EventSourced.sln) above " + AppContext.BaseDirectory);
    }
}

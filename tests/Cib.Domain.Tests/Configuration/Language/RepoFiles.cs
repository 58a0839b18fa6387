namespace Cib.Domain.Tests.Configuration.Language;

/// <summary>Files of the checkout (docs/examples), found from the test's own location.</summary>
internal static class RepoFiles
{
    public static string Root { get; } = Find();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Ha.EventSourced.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the checkout above " + AppContext.BaseDirectory);
    }
}

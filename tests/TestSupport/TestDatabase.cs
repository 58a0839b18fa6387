using System.Diagnostics;
using Npgsql;

namespace TestSupport;

/// <summary>
/// A fresh PostgreSQL database for a test class, on the server <c>./ha test</c> started
/// (HA_TEST_CONNECTION), or on the embedded store when a test runs on its own (<c>./ha db url</c>).
/// Dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private static readonly Lazy<string> Server = new(FindServer);

    public string ConnectionString { get; }
    public string Name { get; }

    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    public static async Task<TestDatabase> CreateAsync(string prefix = "t")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)].ToLowerInvariant();
        await ExecuteAsync(Server.Value, $"CREATE DATABASE {name}");
        var cs = new NpgsqlConnectionStringBuilder(Server.Value) { Database = name, Pooling = true, MaxPoolSize = 40 }.ConnectionString;
        return new TestDatabase(name, cs);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(Server.Value, $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }

    public static string ServerConnectionString => Server.Value;

    private static async Task ExecuteAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static string FindServer()
    {
        if (Environment.GetEnvironmentVariable("HA_TEST_CONNECTION") is { Length: > 0 } cs) return cs;
        var ha = Path.Combine(Repo.Root, "ha");
        var psi = new ProcessStartInfo(ha, "db url") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var url = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        if (p.ExitCode != 0 || url.Length == 0)
            throw new InvalidOperationException($"no test database: HA_TEST_CONNECTION is unset and '{ha} db url' failed: {p.StandardError.ReadToEnd()}");
        return new NpgsqlConnectionStringBuilder(url) { Database = "postgres" }.ConnectionString;
    }
}

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

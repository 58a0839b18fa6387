using System.Diagnostics;
using Cib.Projections.Store;
using Marten;
using Npgsql;
using Xunit;

namespace TestSupport;

/// <summary>
/// The one database harness of the tests: a fresh PostgreSQL database on the server <c>./ha test</c> started
/// (HA_TEST_CONNECTION), or on the embedded store when a test runs on its own (<c>./ha db url</c>). Empty from
/// <see cref="CreateAsync"/>, with the schema of migrations/ from <see cref="CreateWithSchemaAsync"/>; a Marten
/// store and a data source on it on first use. Dropped, with what it opened, on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private static readonly Lazy<string> Server = new(FindServer);
    private readonly Lazy<DocumentStore> _store;
    private readonly Lazy<NpgsqlDataSource> _dataSource;

    public string ConnectionString { get; }
    public string Name { get; }

    /// <summary>A Marten store on this database (the project's configuration, <see cref="CibStore"/>).</summary>
    public DocumentStore Store => _store.Value;

    /// <summary>A plain Npgsql data source on this database.</summary>
    public NpgsqlDataSource DataSource => _dataSource.Value;

    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        _store = new Lazy<DocumentStore>(() => CibStore.Create(connectionString));
        _dataSource = new Lazy<NpgsqlDataSource>(() => NpgsqlDataSource.Create(connectionString));
    }

    /// <summary>An empty database.</summary>
    public static async Task<TestDatabase> CreateAsync(string prefix = "t")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)].ToLowerInvariant();
        await ExecuteAsync(Server.Value, $"CREATE DATABASE {name}");
        var cs = new NpgsqlConnectionStringBuilder(Server.Value) { Database = name, Pooling = true, MaxPoolSize = 40 }.ConnectionString;
        return new TestDatabase(name, cs);
    }

    /// <summary>A database with the schema applied from migrations/, as a node or the API finds it.</summary>
    public static async Task<TestDatabase> CreateWithSchemaAsync(string prefix = "t")
    {
        var db = await CreateAsync(prefix);
        await SchemaMigrations.ApplyAsync(db.ConnectionString);
        return db;
    }

    /// <summary>The events of one stream, in order (their data).</summary>
    public async Task<IReadOnlyList<object>> EventsAsync(string stream)
    {
        await using var session = Store.QuerySession();
        return (await session.Events.FetchStreamAsync(stream)).Select(e => e.Data).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource.IsValueCreated) await _dataSource.Value.DisposeAsync();
        if (_store.IsValueCreated) _store.Value.Dispose();
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

/// <summary>One <see cref="TestDatabase"/> with the schema for a whole test class (<c>IClassFixture&lt;DatabaseFixture&gt;</c>).</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private TestDatabase? _db;

    public TestDatabase Database => _db ?? throw new InvalidOperationException("the fixture is not initialised");
    public DocumentStore Store => Database.Store;
    public string ConnectionString => Database.ConnectionString;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateWithSchemaAsync("fixture");

    public async Task DisposeAsync()
    {
        if (_db is not null) await _db.DisposeAsync();
    }
}

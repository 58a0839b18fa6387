using Cib.Projections.Store;
using Marten;
using Npgsql;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.Cluster;

/// <summary>A fresh database per test (membership state must not leak between tests).</summary>
public sealed class ClusterDatabase : IAsyncDisposable
{
    private TestDatabase _db = null!;

    public DocumentStore Store { get; private set; } = null!;
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public string ConnectionString => _db.ConnectionString;

    public static async Task<ClusterDatabase> CreateAsync()
    {
        var c = new ClusterDatabase { _db = await TestDatabase.CreateAsync("cluster") };
        await SchemaMigrations.ApplyAsync(c._db.ConnectionString);
        c.Store = CibStore.Create(c._db.ConnectionString);
        c.DataSource = NpgsqlDataSource.Create(c._db.ConnectionString);
        return c;
    }

    public async Task<IReadOnlyList<object>> EventsAsync(string stream)
    {
        await using var session = Store.QuerySession();
        return (await session.Events.FetchStreamAsync(stream)).Select(e => e.Data).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        Store.Dispose();
        await _db.DisposeAsync();
    }
}

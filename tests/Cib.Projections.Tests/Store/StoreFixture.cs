using Cib.Projections.Store;
using Marten;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.Store;

/// <summary>A fresh database with the schema applied from migrations/, and a Marten store on it.</summary>
public sealed class StoreFixture : IAsyncLifetime
{
    private TestDatabase? _db;

    public DocumentStore Store { get; private set; } = null!;
    public string ConnectionString => _db!.ConnectionString;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync("cibstore");
        await SchemaMigrations.ApplyAsync(_db.ConnectionString);
        Store = CibStore.Create(_db.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        Store?.Dispose();
        if (_db is not null) await _db.DisposeAsync();
    }
}

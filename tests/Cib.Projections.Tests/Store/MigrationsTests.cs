using Cib.Projections.Store;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.Store;

/// <summary>migrations/ is generated from the Marten configuration; these fail when the two drift apart.</summary>
public class MigrationsTests
{
    [Fact]
    public async Task A_database_built_from_migrations_matches_the_configured_schema()
    {
        await using var db = await TestDatabase.CreateAsync("migr");
        var applied = await SchemaMigrations.ApplyAsync(db.ConnectionString);
        Assert.NotEmpty(applied);
        using var store = CibStore.Create(db.ConnectionString);
        // Throws with the differing objects when the configured schema needs anything migrations/ does not create.
        await store.Storage.Database.AssertDatabaseMatchesConfigurationAsync();
    }

    [Fact]
    public async Task The_drift_check_notices_a_missing_migration()
    {
        await using var db = await TestDatabase.CreateAsync("migr");
        using var store = CibStore.Create(db.ConnectionString);
        await Assert.ThrowsAnyAsync<Exception>(() => store.Storage.Database.AssertDatabaseMatchesConfigurationAsync());
    }

    [Fact]
    public async Task Applying_twice_applies_nothing_the_second_time()
    {
        await using var db = await TestDatabase.CreateAsync("migr");
        await SchemaMigrations.ApplyAsync(db.ConnectionString);
        Assert.Empty(await SchemaMigrations.ApplyAsync(db.ConnectionString));
    }

    [Fact]
    public void The_embedded_migrations_are_the_files_in_migrations()
    {
        var onDisk = SchemaMigrations.FromDirectory(Path.Combine(Repo.Root, "migrations"));
        Assert.Equal(onDisk.Select(m => m.Name), SchemaMigrations.Embedded().Select(m => m.Name));
        Assert.Equal(onDisk.Select(m => m.Sql), SchemaMigrations.Embedded().Select(m => m.Sql));
        Assert.All(onDisk, m => Assert.Matches(@"^\d{4}_[a-z0-9_]+\.sql$", m.Name));
    }
}

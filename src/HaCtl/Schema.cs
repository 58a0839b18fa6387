using Cib.Projections.Store;

namespace HaCtl;

public static class Schema
{
    public static async Task<int> ApplyAsync(TextWriter stdout)
    {
        var applied = await SchemaMigrations.ApplyAsync(Store.ConnectionString());
        await stdout.WriteLineAsync(applied.Count == 0 ? "schema: up to date" : $"schema: applied {string.Join(", ", applied)}");
        return 0;
    }

    public static async Task<int> WriteAsync(string directory, TextWriter stdout)
    {
        var written = await SchemaMigrations.WriteNextAsync(Store.ConnectionString(), directory);
        await stdout.WriteLineAsync(written is null ? "migrations: no drift, nothing written" : $"migrations: wrote {written}");
        return 0;
    }
}

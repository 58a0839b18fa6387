using Cib.Projections.Store;

namespace HaCtl;

public static class Schema
{
    public static async Task<int> ApplyAsync(TextWriter stdout)
    {
        var connection = Store.ConnectionString();
        var applied = await SchemaMigrations.ApplyAsync(connection);
        await stdout.WriteLineAsync(applied.Count == 0 ? "schema: up to date" : $"schema: applied {string.Join(", ", applied)}");
        // The components' roles (decision 0010), where the server has them: what each may do in this database.
        var granted = await StoreRoles.GrantAsync(connection);
        if (granted.Count > 0) await stdout.WriteLineAsync($"schema: granted to {string.Join(", ", granted)}");
        return 0;
    }

    public static async Task<int> WriteAsync(string directory, TextWriter stdout)
    {
        var written = await SchemaMigrations.WriteNextAsync(Store.ConnectionString(), directory);
        await stdout.WriteLineAsync(written is null ? "migrations: no drift, nothing written" : $"migrations: wrote {written}");
        return 0;
    }
}

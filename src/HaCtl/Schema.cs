using Cib.Projections.Store;

namespace HaCtl;

public static class Schema
{
    public static async Task<int> ApplyAsync(string[] args)
    {
        var applied = await SchemaMigrations.ApplyAsync(Store.ConnectionString());
        Console.WriteLine(applied.Count == 0 ? "schema: up to date" : $"schema: applied {string.Join(", ", applied)}");
        return 0;
    }

    public static async Task<int> WriteAsync(string[] args)
    {
        if (args.Length != 1) throw new UsageException("expected the migrations directory");
        var written = await SchemaMigrations.WriteNextAsync(Store.ConnectionString(), args[0]);
        Console.WriteLine(written is null ? "migrations: no drift, nothing written" : $"migrations: wrote {written}");
        return 0;
    }
}

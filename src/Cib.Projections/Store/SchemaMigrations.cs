using System.Reflection;
using Marten;
using Npgsql;
using Weasel.Core;
using Weasel.Core.Migrations;

namespace Cib.Projections.Store;

/// <summary>
/// The numbered SQL files of migrations/ (embedded in this assembly), applied in order, each once,
/// recorded in <c>public.ha_schema_migrations</c>. They are generated from the Marten configuration
/// (<c>./ha migrations</c>); a test fails when the two drift apart.
/// </summary>
public static class SchemaMigrations
{
    private const string Prefix = "migrations/";

    public static IReadOnlyList<(string Name, string Sql)> Embedded()
    {
        var asm = typeof(SchemaMigrations).Assembly;
        return asm.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && IsMigration(n))
            .Order(StringComparer.Ordinal)
            .Select(n => (n[Prefix.Length..], Read(asm, n)))
            .ToList();
    }

    public static IReadOnlyList<(string Name, string Sql)> FromDirectory(string dir) =>
        Directory.GetFiles(dir, "*.sql").Where(IsMigration).Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), File.ReadAllText(f))).ToList();

    /// <summary>Applies the migrations not yet recorded; returns the names applied now.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(string connectionString, IReadOnlyList<(string Name, string Sql)>? migrations = null, CancellationToken ct = default)
    {
        migrations ??= Embedded();
        await using var source = StoreDataSource.Create(connectionString);
        await using var conn = await source.OpenConnectionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand(
            "SELECT pg_advisory_lock(4242001); CREATE TABLE IF NOT EXISTS public.ha_schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", conn))
            await lockCmd.ExecuteNonQueryAsync(ct);
        try
        {
            var done = new HashSet<string>(StringComparer.Ordinal);
            await using (var q = new NpgsqlCommand("SELECT name FROM public.ha_schema_migrations", conn))
            await using (var r = await q.ExecuteReaderAsync(ct))
                while (await r.ReadAsync(ct)) done.Add(r.GetString(0));

            var applied = new List<string>();
            foreach (var (name, sql) in migrations.Where(m => !done.Contains(m.Name)))
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                await using (var cmd = new NpgsqlCommand(sql, conn, tx)) await cmd.ExecuteNonQueryAsync(ct);
                await using (var rec = new NpgsqlCommand("INSERT INTO public.ha_schema_migrations(name) VALUES (@n)", conn, tx))
                {
                    rec.Parameters.AddWithValue("n", name);
                    await rec.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
                applied.Add(name);
            }
            return applied;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(4242001)", conn);
            await unlock.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>
    /// What a component does at start: applies the pending migrations when its connection may (a superuser or a role
    /// that may create in the database), otherwise only checks that none is pending. A component's own role (decision
    /// 0010) changes no schema: it is applied by <c>hactl schema apply</c> as the store's owner.
    /// </summary>
    public static async Task<IReadOnlyList<string>> EnsureCurrentAsync(string connectionString, CancellationToken ct = default)
    {
        var migrations = Embedded();
        await using var source = StoreDataSource.Create(connectionString);
        bool mayApply;
        var done = new HashSet<string>(StringComparer.Ordinal);
        await using (var conn = await source.OpenConnectionAsync(ct))
        {
            await using (var q = new NpgsqlCommand(
                "SELECT rolsuper OR has_database_privilege(current_database(), 'CREATE') FROM pg_roles WHERE rolname = current_user", conn))
                mayApply = (bool)(await q.ExecuteScalarAsync(ct))!;
            if (!mayApply)
            {
                await using var exists = new NpgsqlCommand("SELECT to_regclass('public.ha_schema_migrations') IS NOT NULL", conn);
                if ((bool)(await exists.ExecuteScalarAsync(ct))!)
                {
                    await using var q = new NpgsqlCommand("SELECT name FROM public.ha_schema_migrations", conn);
                    await using var r = await q.ExecuteReaderAsync(ct);
                    while (await r.ReadAsync(ct)) done.Add(r.GetString(0));
                }
            }
        }
        if (mayApply) return await ApplyAsync(connectionString, migrations, ct);
        var pending = migrations.Select(m => m.Name).Where(n => !done.Contains(n)).ToList();
        if (pending.Count > 0)
            throw new InvalidOperationException(
                $"the store's schema lacks {string.Join(", ", pending)}, and this connection may not apply migrations: apply them as the store's owner (hactl schema apply)");
        return [];
    }

    /// <summary>
    /// Writes the SQL that takes a database holding <paramref name="dir"/>'s migrations to the configured schema,
    /// as the next numbered file. Uses a scratch database on the same server. Returns the file written, or null when nothing drifts.
    /// </summary>
    public static async Task<string?> WriteNextAsync(string serverConnectionString, string dir, CancellationToken ct = default)
    {
        var scratch = $"ha_migrations_{Guid.NewGuid():N}";
        await ExecuteAsync(serverConnectionString, $"CREATE DATABASE {scratch}", ct);
        try
        {
            var cs = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = scratch, Pooling = false }.ConnectionString;
            await ApplyAsync(cs, FromDirectory(dir), ct);
            using var store = CibStore.Create(cs);
            var migration = await store.Storage.Database.CreateMigrationAsync(ct);
            if (migration.Difference == SchemaPatchDifference.None) return null;
            var next = FromDirectory(dir).Count + 1;
            var path = Path.Combine(dir, $"{next:D4}_{(next == 1 ? "initial" : "schema")}.sql");
            await store.Storage.Database.WriteMigrationFileAsync(path, ct);
            return path;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(serverConnectionString, $"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)", ct);
        }
    }

    private static async Task ExecuteAsync(string cs, string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>NNNN_name.sql files are migrations; NNNN_name.drop.sql files undo them and are never applied.</summary>
    private static bool IsMigration(string name) =>
        name.EndsWith(".sql", StringComparison.Ordinal) && !name.EndsWith(".drop.sql", StringComparison.Ordinal);

    private static string Read(Assembly asm, string name)
    {
        using var s = asm.GetManifestResourceStream(name)!;
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }
}

using System.Text.RegularExpressions;
using Npgsql;

namespace Cib.Projections.Store;

/// <summary>
/// What the components' own PostgreSQL roles may do in one database (decision 0010). The roles are the cluster's,
/// created with their passwords by whoever runs the server (<c>./ha</c> keeps them under <c>.ha/secrets/</c>); this
/// grants, in the database of the connection, what each needs and nothing more, run as the schema's owner after the
/// migrations (<c>hactl schema apply</c>). Idempotent; a role that does not exist is skipped, and so is a table the
/// schema does not have yet.
/// </summary>
public static partial class StoreRoles
{
    /// <summary>The node runtimes (the controller among them): the log, the leases, the stored status and history.</summary>
    public const string Node = "ha_node";

    /// <summary>The API: the log and the read models, the users' credentials and the API keys.</summary>
    public const string Api = "ha_api";

    /// <summary>Tables the API writes beside the log, whichever of them the schema has.</summary>
    private static readonly string[] ApiSecrets = ["ha_credentials", "ha_api_keys", "ha_revoked_sessions"];

    /// <summary>
    /// Grants <paramref name="node"/> and <paramref name="api"/> (the roles' names; tests use their own) their
    /// privileges in the connection's database. Returns the roles that exist and were granted to.
    /// </summary>
    public static async Task<IReadOnlyList<string>> GrantAsync(string ownerConnectionString, string node = Node, string api = Api,
        CancellationToken ct = default)
    {
        foreach (var role in new[] { node, api })
            if (!RoleName().IsMatch(role)) throw new ArgumentException($"'{role}' is not a role name this grants to");
        await using var source = StoreDataSource.Create(ownerConnectionString);
        await using var conn = await source.OpenConnectionAsync(ct);
        var existing = new List<string>();
        await using (var q = new NpgsqlCommand("SELECT rolname FROM pg_roles WHERE rolname = ANY($1)", conn))
        {
            q.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [node, api] });
            await using var r = await q.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) existing.Add(r.GetString(0));
        }
        var database = await ScalarAsync(conn, "SELECT quote_ident(current_database())", ct);
        var s = CibStore.DefaultSchema;
        var sql = new List<string>
        {
            // Only the roles granted here connect, and nobody creates anything: no temporary tables, nothing in public
            // (PostgreSQL 15's default, said again).
            $"REVOKE CONNECT, TEMPORARY ON DATABASE {database} FROM PUBLIC",
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        };
        var secrets = new List<string>();
        foreach (var table in ApiSecrets)
            if (await ScalarAsync(conn, $"SELECT coalesce(to_regclass('{s}.{table}')::text, '')", ct) is { Length: > 0 })
                secrets.Add($"{s}.{table}");
        // The stored history (decision 0011): the controller (a node) writes it, the API reads it.
        var history = new List<string>();
        foreach (var table in ReadModels.History.StoredHistory.Tables)
            if (await ScalarAsync(conn, $"SELECT coalesce(to_regclass('{s}.{table}')::text, '')", ct) is { Length: > 0 })
                history.Add($"{s}.{table}");
        // The agents installed on the nodes (decision 0017): each node writes its own, the API reads them.
        var agents = await ScalarAsync(conn, $"SELECT coalesce(to_regclass('{s}.ha_node_agents')::text, '')", ct) is { Length: > 0 };

        foreach (var role in existing)
        {
            // Both: connect, read and append to the log (Marten's append function, its sequence, the streams), read
            // the stored status and which migrations the schema has; see every session's transaction start (the
            // event feed waits for transactions that may still fill a hole in the sequence, whoever's they are).
            sql.Add($"GRANT CONNECT ON DATABASE {database} TO {role}");
            sql.Add($"GRANT USAGE ON SCHEMA {s} TO {role}");
            sql.Add($"GRANT SELECT ON public.ha_schema_migrations TO {role}");
            sql.Add($"GRANT SELECT, INSERT, UPDATE ON {s}.mt_events, {s}.mt_streams TO {role}");
            sql.Add($"GRANT USAGE, SELECT ON SEQUENCE {s}.mt_events_sequence TO {role}");
            sql.Add($"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {s} TO {role}");
            sql.Add($"GRANT SELECT ON {s}.ha_read_models TO {role}");
            sql.Add($"GRANT pg_read_all_stats TO {role}");
            foreach (var table in history) sql.Add($"GRANT SELECT ON {table} TO {role}");
            if (agents) sql.Add($"GRANT SELECT ON {s}.ha_node_agents TO {role}");
            if (role == node)
            {
                // The lease rows, the stored status (the controller writes it), never a secret.
                sql.Add($"GRANT SELECT, INSERT, UPDATE, DELETE ON {s}.ha_leases TO {role}");
                sql.Add($"GRANT SELECT, INSERT, UPDATE ON {s}.ha_store_liveness TO {role}");
                sql.Add($"GRANT INSERT, UPDATE ON {s}.ha_read_models TO {role}");
                foreach (var table in history) sql.Add($"GRANT INSERT, UPDATE, DELETE ON {table} TO {role}");
                if (agents) sql.Add($"GRANT INSERT, UPDATE, DELETE ON {s}.ha_node_agents TO {role}");
                foreach (var table in secrets) sql.Add($"REVOKE ALL ON {table} FROM {role}");
            }
            else
            {
                foreach (var table in secrets) sql.Add($"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}");
            }
        }
        await using var tx = await conn.BeginTransactionAsync(ct);
        foreach (var statement in sql)
        {
            await using var cmd = new NpgsqlCommand(statement, conn, tx);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return existing;
    }

    private static async Task<string> ScalarAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex RoleName();
}

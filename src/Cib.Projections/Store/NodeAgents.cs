using Npgsql;

namespace Cib.Projections.Store;

/// <summary>An agent installed on a node: its name (<c>class:[provider:]type</c>) and the stamp of its file.</summary>
public sealed record InstalledAgent(string Agent, string Stamp);

/// <summary>An agent as the nodes reported it: where it is installed, and its meta-data or why there is none.</summary>
public sealed record ReportedAgent(string Agent, IReadOnlyList<string> Nodes, bool Described, string? Error);

/// <summary>
/// The resource agents installed on each node, in <c>cib.ha_node_agents</c> (migration 0013, decision 0017). Each node
/// runtime reports its own when it starts: <see cref="ReplaceAsync"/> with what it found, then the meta-data of each agent
/// no node has described for the same stamp (<see cref="UndescribedAsync"/>, <see cref="DescribeAsync"/>). Inventory of
/// the machines, not news of the cluster: rows, not events, as the leases. The API reads it (<see cref="ListAsync"/>,
/// <see cref="MetadataAsync"/>) to offer the agents the nodes have, with their meta-data, to the console's form.
/// </summary>
public sealed class NodeAgents(NpgsqlDataSource db)
{
    /// <summary>
    /// Makes <paramref name="installed"/> the node's agents, in one transaction: the agents it no longer has go, new ones
    /// come, an agent whose stamp changed loses its meta-data (its file changed), one whose stamp did not keeps it; then
    /// every agent of the node still without meta-data takes that of another node's agent of the same name and stamp.
    /// </summary>
    public async Task ReplaceAsync(string node, IReadOnlyList<InstalledAgent> installed, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var agents = installed.Select(a => a.Agent).ToArray();
        var stamps = installed.Select(a => a.Stamp).ToArray();
        await using (var gone = new NpgsqlCommand("DELETE FROM cib.ha_node_agents WHERE node = $1 AND NOT (agent = ANY($2))", conn, tx))
        {
            gone.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
            gone.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = agents });
            await gone.ExecuteNonQueryAsync(ct);
        }
        await using (var upsert = new NpgsqlCommand(
            "INSERT INTO cib.ha_node_agents (node, agent, stamp, reported_at) SELECT $1, a, s, clock_timestamp() FROM unnest($2, $3) AS u(a, s) " +
            "ON CONFLICT (node, agent) DO UPDATE SET reported_at = excluded.reported_at, " +
            "metadata = CASE WHEN cib.ha_node_agents.stamp = excluded.stamp THEN cib.ha_node_agents.metadata END, " +
            "error = CASE WHEN cib.ha_node_agents.stamp = excluded.stamp THEN cib.ha_node_agents.error END, " +
            "stamp = excluded.stamp", conn, tx))
        {
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
            upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = agents });
            upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = stamps });
            await upsert.ExecuteNonQueryAsync(ct);
        }
        await using (var adopt = new NpgsqlCommand(Adopt + " AND mine.node = $1", conn, tx))
        {
            adopt.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
            await adopt.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>Gives agents without meta-data that of another node's agent of the same name and stamp.</summary>
    private const string Adopt =
        "UPDATE cib.ha_node_agents mine SET metadata = theirs.metadata FROM " +
        "(SELECT DISTINCT ON (agent, stamp) agent, stamp, metadata FROM cib.ha_node_agents WHERE metadata IS NOT NULL ORDER BY agent, stamp, reported_at DESC) theirs " +
        "WHERE mine.metadata IS NULL AND mine.error IS NULL AND theirs.agent = mine.agent AND theirs.stamp = mine.stamp";

    /// <summary>The node's agents that have neither meta-data nor an error yet, by name.</summary>
    public async Task<IReadOnlyList<InstalledAgent>> UndescribedAsync(string node, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT agent, stamp FROM cib.ha_node_agents WHERE node = $1 AND metadata IS NULL AND error IS NULL ORDER BY agent");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var found = new List<InstalledAgent>();
        while (await reader.ReadAsync(ct)) found.Add(new InstalledAgent(reader.GetString(0), reader.GetString(1)));
        return found;
    }

    /// <summary>
    /// Takes the meta-data of another node's agent of the same name and stamp, if one has it; true when it did (the node
    /// need not run the agent). Another node may have described it since this one reported.
    /// </summary>
    public async Task<bool> AdoptAsync(string node, InstalledAgent agent, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(Adopt + " AND mine.node = $1 AND mine.agent = $2 AND mine.stamp = $3");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent.Agent });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent.Stamp });
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>The node's agent's meta-data XML, or why it could not be read; only while its stamp is still the one read.</summary>
    public async Task DescribeAsync(string node, InstalledAgent agent, string? metadata, string? error, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("UPDATE cib.ha_node_agents SET metadata = $4, error = $5 WHERE node = $1 AND agent = $2 AND stamp = $3");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent.Agent });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent.Stamp });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)metadata ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Every agent some node reported, by name: the nodes that have it, whether its meta-data is known (from any of
    /// them), and else the error a node met reading it (null while it is still to be read).
    /// </summary>
    public async Task<IReadOnlyList<ReportedAgent>> ListAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            "SELECT agent, array_agg(node ORDER BY node), bool_or(metadata IS NOT NULL), min(error) FROM cib.ha_node_agents GROUP BY agent ORDER BY agent COLLATE \"C\"");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var found = new List<ReportedAgent>();
        while (await reader.ReadAsync(ct))
        {
            var described = reader.GetBoolean(2);
            found.Add(new ReportedAgent(reader.GetString(0), reader.GetFieldValue<string[]>(1), described,
                described || reader.IsDBNull(3) ? null : reader.GetString(3)));
        }
        return found;
    }

    /// <summary>The agent's meta-data XML as a node read it (the latest report when nodes differ), or null.</summary>
    public async Task<string?> MetadataAsync(string agent, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            "SELECT metadata FROM cib.ha_node_agents WHERE agent = $1 AND metadata IS NOT NULL ORDER BY reported_at DESC, node LIMIT 1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }
}

using Npgsql;

namespace Cib.Projections.Store;

/// <summary>
/// Npgsql data sources for the CIB's own SQL (text, integers, booleans, uuid, timestamptz, bytea, jsonb as text and
/// arrays of those), built with <see cref="NpgsqlSlimDataSourceBuilder"/>: the full builder registers every type
/// mapping Npgsql has (ranges, geometry, network, JSON POCOs, ...), which cost the node runtime ~3 MB of resident
/// memory (docs/node-runtime.md). TLS and GSSAPI/Kerberos stay available, as with the full builder. Every connection
/// the node runtime opens must come from here: one <c>new NpgsqlConnection(cs)</c> builds a full data source.
/// </summary>
public static class StoreDataSource
{
    public static NpgsqlDataSource Create(string connectionString) =>
        new NpgsqlSlimDataSourceBuilder(connectionString).EnableArrays().EnableTransportSecurity().EnableIntegratedSecurity().Build();

    /// <summary>Unpooled connections with TCP keepalives for a session that must stay the same (a lock, a LISTEN).</summary>
    public static NpgsqlDataSource Dedicated(string connectionString, string applicationName) =>
        Create(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 1, ApplicationName = applicationName }.ConnectionString);
}

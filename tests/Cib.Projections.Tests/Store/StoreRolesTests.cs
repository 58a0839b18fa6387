using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Controller;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Users;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.ReadModels.History;
using Cib.Projections.Store;
using Npgsql;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.Store;

/// <summary>
/// The components' own roles (decision 0010) on a real server: each logs in with its password (scram-sha-256 on the
/// stores ./ha starts), does its job through the project's own code, and is refused what it must not do. The roles
/// here have names of their own (the server may be the embedded store, whose ha_node and ha_api belong to ./ha) and
/// go away with the test class.
/// </summary>
public sealed class StoreRolesTests(StoreRolesTests.Roles roles) : IClassFixture<StoreRolesTests.Roles>
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private const string InsufficientPrivilege = "42501";

    private static AppendMetadata As(Actor actor) => AppendMetadata.Stamp(CommandMetadata.For(actor));

    [Fact]
    public async Task The_node_role_appends_reads_the_log_renews_its_lease_and_writes_the_stored_status()
    {
        await using var data = NpgsqlDataSource.Create(roles.NodeConnection);
        var log = new CibEventLog(data);
        var node = $"n{Guid.NewGuid():N}"[..12];
        // The controller's appends carry its term: the store's check reads the controller stream as this role.
        await log.AppendAsync(StreamIds.Controller, [new ControllerElected(node, 1, "test", At)], As(Actor.Controller(node)));
        await log.AppendAsync(StreamIds.Node(node), [new NodeJoined(node, "i1", "test", At)], As(Actor.Controller(node)), controllerTerm: 1);
        var read = await log.ReadAfterAsync(0, 1000);
        Assert.Contains(read, e => e.Data is NodeJoined j && j.Node == node);

        var leases = new Leases(data);
        await leases.RenewAsync(node, "i1", TimeSpan.FromSeconds(1));
        Assert.Contains((await leases.ObserveAsync()).Leases, l => l.Node == node);
        await leases.ReleaseAsync(node, "i1");

        var stored = new StoredStatus(data);
        var fold = LogFold.Initial(ControllerRules.Default);
        Assert.True(await stored.WriteAsync((fold with { Controller = fold.Controller with { Position = read[^1].Sequence } }).Snapshot(), controllerTerm: 1));
        Assert.Equal(read[^1].Sequence, (await stored.ReadAsync())!.Position);

        // The controller folds the stored history (decision 0011): the tables, its state row, a rebuild.
        var history = new StoredHistory(data);
        Assert.Equal(read[^1].Sequence, await history.CatchUpAsync(read[^1].Sequence));
        Assert.Equal(read[^1].Sequence, await history.RebuildAsync(read[^1].Sequence));

        // The node reports the agents installed on it (decision 0017).
        var agents = new NodeAgents(data);
        var dummy = new InstalledAgent("ocf:heartbeat:Dummy", "1:1");
        await agents.ReplaceAsync(node, [dummy]);
        await agents.DescribeAsync(node, dummy, "<resource-agent name=\"Dummy\"/>", null);
        Assert.Contains(await agents.ListAsync(), a => a.Agent == dummy.Agent && a.Nodes.Contains(node));
        await agents.ReplaceAsync(node, []);

        // The controller's election is an advisory lock; the migrations are there, and the node applies none.
        await using (var cmd = data.CreateCommand("SELECT pg_try_advisory_lock(4242999)"))
            Assert.True((bool)(await cmd.ExecuteScalarAsync())!);
        Assert.Empty(await SchemaMigrations.EnsureCurrentAsync(roles.NodeConnection));
    }

    [Fact]
    public async Task The_api_role_changes_the_configuration_adds_a_user_with_a_credential_and_reads_the_log()
    {
        using var store = CibStore.Create(roles.ApiConnection);
        var node = $"n{Guid.NewGuid():N}"[..12];
        var version = (await ConfigurationReader.LoadAsync(store)).Version;
        var result = await new ConfigurationWriter(store).ChangeAsync(
            new ChangeConfiguration(version, [new DefineNode(node)], At, Actor.User("alice"), "test"), CommandMetadata.For(Actor.User("alice")));
        Assert.Equal(version + 1, result.Version);

        var users = new UserStore(store);
        var name = $"u{Guid.NewGuid():N}"[..12];
        await users.ChangeAsync(new AddUser(name, UserRole.Operator), "correct horse battery", CommandMetadata.For(Actor.System("test")));
        Assert.Equal(UserRole.Operator, await users.VerifyAsync(name, "correct horse battery"));

        await using var data = NpgsqlDataSource.Create(roles.ApiConnection);
        Assert.Contains(await new CibEventLog(data).ReadAfterAsync(0, 1000), e => e.Data is NodeDefined d && d.Name == node);
        Assert.Null(await new StoredStatus(data).ReadAsync());
        // The history: the raw log and the stored tables, read.
        var queries = new HistoryQueries(data);
        Assert.NotEmpty((await queries.EventsAsync(new LogFilter(Actor: "alice"), new HistoryRange())).Items);
        await queries.FencingAsync(null, new HistoryRange());
        await queries.OperationsAsync(null, null, new HistoryRange());
        await queries.ChangesAsync(null, new HistoryRange());
        // The agents the nodes reported, read.
        await new NodeAgents(data).ListAsync();
        await new NodeAgents(data).MetadataAsync("ocf:heartbeat:Dummy");
    }

    [Fact]
    public async Task The_node_role_cannot_read_the_credentials()
    {
        await using var data = NpgsqlDataSource.Create(roles.NodeConnection);
        await AssertRefusedAsync(data, "SELECT hash FROM cib.ha_credentials");
        using var store = CibStore.Create(roles.NodeConnection);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => new UserStore(store).VerifyAsync("anyone", "anything"));
        Assert.Contains("permission denied", refused.ToString());
    }

    [Fact]
    public async Task The_api_role_cannot_renew_leases_or_write_the_stored_status_or_history_or_the_nodes_agents()
    {
        await using var data = NpgsqlDataSource.Create(roles.ApiConnection);
        await AssertRefusedAsync(data, "INSERT INTO cib.ha_leases(node, incarnation) VALUES ('x', 'y')");
        await AssertRefusedAsync(data, "INSERT INTO cib.ha_read_models(name, position, data) VALUES ('x', 1, '{}')");
        foreach (var table in StoredHistory.Tables) await AssertRefusedAsync(data, $"DELETE FROM cib.{table}");
        await AssertRefusedAsync(data, "INSERT INTO cib.ha_node_agents(node, agent, stamp) VALUES ('x', 'ocf:x:y', '1:1')");
    }

    [Theory]
    [InlineData("CREATE TABLE cib.intruder (i int)")]
    [InlineData("CREATE TABLE public.intruder (i int)")]
    [InlineData("CREATE TEMPORARY TABLE intruder (i int)")]
    [InlineData("DROP TABLE cib.ha_leases")]
    [InlineData("ALTER TABLE cib.mt_events ADD COLUMN intruder int")]
    [InlineData("DELETE FROM cib.mt_events")]
    [InlineData("TRUNCATE cib.mt_events")]
    [InlineData("CREATE ROLE intruder")]
    [InlineData("CREATE SCHEMA intruder")]
    public async Task Neither_role_changes_the_schema_nor_rewrites_the_log(string sql)
    {
        foreach (var cs in new[] { roles.NodeConnection, roles.ApiConnection })
        {
            await using var data = NpgsqlDataSource.Create(cs);
            await AssertRefusedAsync(data, sql);
        }
    }

    [Fact]
    public async Task A_node_sees_when_the_apis_transactions_began()
    {
        // The event feed waits for transactions of any role that may still fill a hole in the sequence.
        await using var api = new NpgsqlConnection(roles.ApiConnection);
        await api.OpenAsync();
        await using var tx = await api.BeginTransactionAsync();
        await using (var first = new NpgsqlCommand("SELECT 1", api, tx)) await first.ExecuteScalarAsync();
        await using var data = NpgsqlDataSource.Create(roles.NodeConnection);
        await using var cmd = data.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND xact_start IS NOT NULL");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = roles.Api });
        Assert.Equal(1L, (long)(await cmd.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_role_connects_only_to_a_database_granted_to_it()
    {
        await using var other = await TestDatabase.CreateWithSchemaAsync("roles");
        await StoreRoles.GrantAsync(other.ConnectionString, "ha_node_absent", "ha_api_absent");
        var cs = new NpgsqlConnectionStringBuilder(roles.NodeConnection) { Database = other.Name, Pooling = false }.ConnectionString;
        await using var conn = new NpgsqlConnection(cs);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync());
        Assert.Equal(InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task A_role_without_its_password_is_refused()
    {
        foreach (var (role, password) in new[] { (roles.Node, (string?)null), (roles.Api, null), (roles.Node, "wrong") })
        {
            var cs = new NpgsqlConnectionStringBuilder(roles.NodeConnection) { Username = role, Password = password, Pooling = false }.ConnectionString;
            await using var conn = new NpgsqlConnection(cs);
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => conn.OpenAsync());
        }
    }

    [Fact]
    public async Task A_node_on_its_role_refuses_to_start_on_a_schema_that_lacks_a_migration()
    {
        await using var db = await TestDatabase.CreateWithSchemaAsync("roles");
        await StoreRoles.GrantAsync(db.ConnectionString, roles.Node, roles.Api);
        var last = SchemaMigrations.Embedded()[^1].Name;
        await using (var cmd = db.DataSource.CreateCommand("DELETE FROM public.ha_schema_migrations WHERE name = $1"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = last });
            await cmd.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(roles.NodeConnection) { Database = db.Name }.ConnectionString;
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => SchemaMigrations.EnsureCurrentAsync(cs));
        Assert.Contains(last, refused.Message);
        Assert.Contains("hactl schema apply", refused.Message);
    }

    [Fact]
    public async Task Granting_again_changes_nothing_and_skips_roles_the_server_does_not_have()
    {
        var granted = await StoreRoles.GrantAsync(roles.Database.ConnectionString, roles.Node, roles.Api);
        Assert.Equal(new[] { roles.Api, roles.Node }.Order(StringComparer.Ordinal), granted.Order(StringComparer.Ordinal));
        Assert.Empty(await StoreRoles.GrantAsync(roles.Database.ConnectionString, "ha_node_absent", "ha_api_absent"));
        await Assert.ThrowsAsync<ArgumentException>(() => StoreRoles.GrantAsync(roles.Database.ConnectionString, "x; DROP TABLE y", roles.Api));
    }

    private static async Task AssertRefusedAsync(NpgsqlDataSource data, string sql)
    {
        await using var cmd = data.CreateCommand(sql);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        Assert.True(refused.SqlState == InsufficientPrivilege, $"{sql}: {refused.SqlState} {refused.MessageText}");
    }

    /// <summary>A database with the schema, and two login roles of this test class's own with a password, granted as ./ha grants.</summary>
    public sealed class Roles : IAsyncLifetime
    {
        private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
        private readonly string _password = Guid.NewGuid().ToString("N");
        private TestDatabase? _db;

        public string Node => $"ha_node_{_suffix}";
        public string Api => $"ha_api_{_suffix}";
        public TestDatabase Database => _db ?? throw new InvalidOperationException("not initialised");
        public string NodeConnection => As(Node);
        public string ApiConnection => As(Api);

        private string As(string role) =>
            new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Username = role, Password = _password, MaxPoolSize = 10 }.ConnectionString;

        public async Task InitializeAsync()
        {
            _db = await TestDatabase.CreateWithSchemaAsync("roles");
            foreach (var role in new[] { Node, Api })
                await ServerAsync($"SET password_encryption = 'scram-sha-256'; CREATE ROLE {role} LOGIN PASSWORD '{_password}'");
            await StoreRoles.GrantAsync(Database.ConnectionString, Node, Api);
        }

        public async Task DisposeAsync()
        {
            NpgsqlConnection.ClearAllPools();
            if (_db is not null) await _db.DisposeAsync();
            foreach (var role in new[] { Node, Api }) await ServerAsync($"DROP ROLE IF EXISTS {role}");
        }

        private static async Task ServerAsync(string sql)
        {
            await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString) { Pooling = false }.ConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}

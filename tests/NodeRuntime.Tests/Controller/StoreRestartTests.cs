using Cib.Domain;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using NodeRuntime.Controller;
using NodeRuntime.Membership;
using Cib.Projections.Store;
using Npgsql;
using TestSupport;
using Xunit;

namespace NodeRuntime.Tests.Controller;

/// <summary>
/// The store restarts under two running controllers (each in the runtime of a node, with that node's lease): every
/// session ends, the role goes to whichever takes it first, possibly the other. Whatever the old holder still believes,
/// the log must show every controller decision made by the holder of the latest term at that point.
/// </summary>
public class StoreRestartTests
{
    [Fact]
    public async Task After_store_restarts_every_controller_append_comes_from_the_latest_term()
    {
        await using var server = await PrivateServer.StartAsync();
        var cs = server.ConnectionString();
        await SchemaMigrations.ApplyAsync(cs);
        using (var store = CibStore.Create(cs))
            await new ConfigurationWriter(store).ChangeAsync(new ChangeConfiguration(0, [new DefineNode("node1"), new DefineNode("node2")],
                DateTimeOffset.UtcNow, Actor.User("admin")), CommandMetadata.For(Actor.User("admin")));

        await using var db = NpgsqlDataSource.Create(cs);
        using var stop = new CancellationTokenSource();
        var options = new ControllerOptions
        {
            LeaseTimeout = new Duration(1000), ElectionPoll = TimeSpan.FromMilliseconds(50), LeaseCheck = TimeSpan.FromMilliseconds(50),
            StartupGrace = TimeSpan.FromSeconds(1),
        };
        var controllers = new List<ClusterController>();
        var loops = new List<Task>();
        foreach (var node in new[] { "node1", "node2" })
        {
            var lease = new NodeLease(db, node, TimeProvider.System, renewalDeadline: TimeSpan.FromSeconds(1));
            var controller = new ClusterController(db, cs, node, options);
            controllers.Add(controller);
            loops.Add(Task.Run(() => lease.RunAsync(TimeSpan.FromMilliseconds(250), stop.Token)));
            loops.Add(Task.Run(() => controller.RunAsync(stop.Token)));
        }
        await Eventually.True(async () => (await JoinedAsync(db)).Count == 2, "both nodes join", 60);

        for (var restart = 1; restart <= 3; restart++)
        {
            await server.RestartAsync(TimeSpan.FromMilliseconds(restart * 600));
            await Eventually.True(async () => await LatestTermAsync(db) > restart && controllers.Any(c => c.IsActive),
                $"a controller leads again after restart {restart} (term {await LatestTermAsync(db)}; " +
                string.Join("; ", controllers.Select(c => $"active {c.IsActive}, term {c.Term}, last error {c.LastError?.GetType().Name}: {c.LastError?.Message}")) + ")", 60);
        }
        await Eventually.True(async () => (await JoinedAsync(db)).Count == 2, "both nodes are members again", 60);

        var violations = await ControllerAppendsOutsideTheirTermAsync(db);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        await stop.CancelAsync();
        await Task.WhenAll(loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    /// <summary>Events appended by a controller (actor controller:X) while the latest ControllerElected before them names another node.</summary>
    private static async Task<List<string>> ControllerAppendsOutsideTheirTermAsync(NpgsqlDataSource db)
    {
        var violations = new List<string>();
        string? holder = null;
        await using var cmd = db.CreateCommand("SELECT seq_id, type, data::text, headers ->> 'actor' FROM cib.mt_events ORDER BY seq_id");
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            var (seq, type, data, actor) = (r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3));
            if (type == EventCatalog.NameOf(typeof(ControllerElected)))
            {
                holder = System.Text.Json.JsonDocument.Parse(data).RootElement.GetProperty("node").GetString();
                continue;
            }
            if (actor is not null && actor.StartsWith("controller:", StringComparison.Ordinal) && actor != $"controller:{holder}")
                violations.Add($"{seq} {type} by {actor} while {holder} holds the latest term");
        }
        return violations;
    }

    private static async Task<long> LatestTermAsync(NpgsqlDataSource db)
    {
        try
        {
            await using var cmd = db.CreateCommand("SELECT coalesce(max((data ->> 'term')::bigint), 0) FROM cib.mt_events WHERE stream_id = 'controller'");
            return (long)(await cmd.ExecuteScalarAsync())!;
        }
        catch (NpgsqlException) { return 0; }
    }

    private static async Task<List<string>> JoinedAsync(NpgsqlDataSource db)
    {
        try
        {
            var log = new CibEventLog(db);
            var events = await log.ReadAfterAsync(0, 100_000);
            var members = new Dictionary<string, bool>(StringComparer.Ordinal);
            foreach (var e in events)
                switch (e.Data)
                {
                    case NodeJoined j: members[j.Node] = true; break;
                    case NodeLost l: members[l.Node] = false; break;
                    case NodeLeft l: members[l.Node] = false; break;
                }
            return members.Where(m => m.Value).Select(m => m.Key).ToList();
        }
        catch (NpgsqlException) { return []; }
    }
}

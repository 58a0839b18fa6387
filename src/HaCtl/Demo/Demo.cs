using Cib.Domain.Configuration;
using Cib.Domain.Primitives;
using Cib.Projections.ReadModels.ConfigurationHistory;
using Cib.Projections.Store;

namespace HaCtl;

/// <summary>The main job, for now: the example Apache cluster configuration loaded into the store, printed with its history.</summary>
public static class Demo
{
    public static async Task<int> RunAsync(string[] args)
    {
        var connection = Store.ConnectionString();
        var applied = await SchemaMigrations.ApplyAsync(connection);
        Console.WriteLine(applied.Count == 0 ? "schema: up to date" : $"schema: applied {string.Join(", ", applied)}");

        using var store = CibStore.Create(connection);
        var writer = new ConfigurationWriter(store);
        var (_, version) = await ConfigurationReader.LoadAsync(store);
        if (version == 0)
        {
            Console.WriteLine("configuration: empty, loading the example Apache cluster");
            foreach (var (reason, commands) in ExampleCluster.Changes())
            {
                var (_, current) = await ConfigurationReader.LoadAsync(store);
                var result = await writer.ChangeAsync(
                    new ChangeConfiguration(current, commands, DateTimeOffset.UtcNow, Actor.User("admin"), reason),
                    CommandMetadata.For(Actor.User("admin")));
                Console.WriteLine($"  version {result.PreviousVersion} -> {result.Version}: {reason}");
            }
        }
        else
        {
            Console.WriteLine($"configuration: version {version} already in the store, shown as it is");
        }

        var (state, now) = await ConfigurationReader.LoadAsync(store);
        Console.WriteLine();
        Console.WriteLine($"# configuration (version {now})");
        foreach (var line in ConfigurationListing.Lines(state)) Console.WriteLine(line);

        await using var session = store.QuerySession();
        var history = await ConfigurationHistory.LoadAsync(session);
        Console.WriteLine();
        Console.WriteLine($"# history ({history.Count} changes)");
        foreach (var entry in history)
        {
            Console.WriteLine($"version {entry.FromVersion} -> {entry.ToVersion}  {entry.At:yyyy-MM-dd HH:mm:ss.fff}Z  by {entry.Actor}" +
                              (entry.Reason is null ? "" : $"  \"{entry.Reason}\""));
            foreach (var d in entry.Diff) Console.WriteLine($"    {d}");
        }
        return 0;
    }
}

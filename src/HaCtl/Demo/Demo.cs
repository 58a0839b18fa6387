using Cib.Interop.Crm;
using Cib.Domain.Primitives;
using Cib.Projections.ReadModels.ConfigurationHistory;
using Cib.Projections.Store;

namespace HaCtl;

/// <summary>The main job, for now: the example Apache cluster (a crm file) loaded into the store in one change, printed with its history.</summary>
public static class Demo
{
    public const string DefaultExample = "docs/examples/apache-cluster.crm";

    public static async Task<int> RunAsync(string example, TextWriter stdout, TextWriter stderr)
    {
        var connection = Store.ConnectionString();
        var applied = await SchemaMigrations.ApplyAsync(connection);
        stdout.WriteLine(applied.Count == 0 ? "schema: up to date" : $"schema: applied {string.Join(", ", applied)}");

        using var store = CibStore.Create(connection);
        var (_, version) = await ConfigurationReader.LoadAsync(store);
        if (version == 0)
        {
            stdout.WriteLine($"configuration: empty, loading the example Apache cluster from {example}");
            var admin = Actor.User("admin");
            var result = await new ConfigurationLoader(store).LoadAsync(await File.ReadAllTextAsync(example), LoadMode.Replace,
                CommandMetadata.For(admin), expectedVersion: 0, reason: $"load the example Apache cluster ({Path.GetFileName(example)})");
            if (!result.IsApplied)
            {
                foreach (var e in result.Errors) stderr.WriteLine(e.Format(example));
                return 1;
            }
            stdout.WriteLine($"  version {result.Applied!.PreviousVersion} -> {result.Applied.Version}: {result.Commands.Count} edits in one change");
        }
        else
        {
            stdout.WriteLine($"configuration: version {version} already in the store, shown as it is");
        }

        var (state, now) = await ConfigurationReader.LoadAsync(store);
        stdout.WriteLine();
        stdout.WriteLine($"# configuration (version {now})");
        stdout.Write(CrmRenderer.Render(state));

        await using var session = store.QuerySession();
        var history = await ConfigurationHistory.LoadAsync(session);
        stdout.WriteLine();
        stdout.WriteLine($"# history ({history.Count} changes)");
        foreach (var entry in history)
        {
            stdout.WriteLine($"version {entry.FromVersion} -> {entry.ToVersion}  {entry.At:yyyy-MM-dd HH:mm:ss.fff}Z  by {entry.Actor}" +
                              (entry.Reason is null ? "" : $"  \"{entry.Reason}\""));
            foreach (var d in entry.Diff) stdout.WriteLine($"    {d}");
        }
        return 0;
    }
}

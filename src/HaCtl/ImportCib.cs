using Cib.Domain.Primitives;
using Cib.Interop.CibXml;
using Cib.Interop.Crm;
using Cib.Projections.Store;

namespace HaCtl;

/// <summary>
/// hactl configure import-cib FILE.xml [--load]: a Pacemaker CIB (cibadmin --query) read as this product's
/// configuration. Prints the canonical crm text, what was not taken over, and a summary of the status section;
/// with --load (and a store) the configuration replaces the stored one as one change through the write path.
/// </summary>
public static class ImportCib
{
    public static async Task<int> RunAsync(string path, bool load, TextWriter stdout, TextWriter stderr)
    {
        if (!File.Exists(path)) throw new UsageException($"no such file: {path}");

        var imported = CibXmlImporter.Import(await File.ReadAllTextAsync(path));
        if (imported.Error is { } error)
        {
            await stderr.WriteLineAsync($"{path}:{error.Line}:{error.Column}: {error.Message}");
            return 1;
        }
        var text = CrmRenderer.Render(imported.Configuration);
        await stdout.WriteAsync(text);
        await stdout.WriteLineAsync();
        foreach (var issue in imported.Unsupported) await stdout.WriteLineAsync($"# {path}: {issue}");
        var state = imported.State;
        var withHistory = state.Nodes.Values.Sum(n => n.Resources.Count);
        await stdout.WriteLineAsync($"# status: {state.Nodes.Count} node entries ({string.Join(", ", state.Nodes.Values.Select(n => $"{n.Name} in_ccm={n.InCluster ?? "?"} crmd={n.Crmd ?? "?"} join={n.Join ?? "?"}"))}), " +
                                    $"{withHistory} resource histories, now={DateTimeOffset.FromUnixTimeSeconds(state.NowEpochSeconds):u}, quorum={(state.HasQuorum ? "yes" : "no")}");

        if (!load) return 0;
        var result = await new ConfigurationLoader(CibStore.Create(Store.ConnectionString()))
            .LoadAsync(text, LoadMode.Replace, CommandMetadata.For(Actor.User(Environment.UserName)), reason: $"import {Path.GetFileName(path)}");
        if (result.Errors.Count > 0)
        {
            foreach (var e in result.Errors) await stderr.WriteLineAsync($"{path} (as crm): {e}");
            return 1;
        }
        await stdout.WriteLineAsync($"# loaded: version {result.Applied!.PreviousVersion} -> {result.Applied.Version}");
        return 0;
    }
}

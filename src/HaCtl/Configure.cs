using Cib.Domain.Primitives;
using Cib.Interop.CibXml;
using Cib.Interop.Crm;
using Cib.Projections.Store;

namespace HaCtl;

/// <summary>hactl configure: the crm configuration language in and out (parse, show, load, export-cib).</summary>
public static class Configure
{
    /// <summary>Offline: the canonical form of FILE on stdout, or its errors (FILE:LINE:COL: message) on stderr and exit 1.</summary>
    public static Task<int> ParseAsync(string file, TextWriter stdout, TextWriter stderr)
    {
        if (!TryRead(file, stderr, out var text)) return Task.FromResult(1);
        var result = CrmParser.Parse(text);
        if (!result.IsSuccess) return Task.FromResult(PrintErrors(file, result.Errors, stderr));
        stdout.Write(CrmRenderer.Render(result.Parsed!.Configuration));
        return Task.FromResult(0);
    }

    /// <summary>CIB XML of a crm file (offline), or of the stored configuration when no file is given and a store is set.</summary>
    public static async Task<int> ExportCibAsync(string? file, TextWriter stdout, TextWriter stderr, string? connection)
    {
        if (file is not null)
        {
            if (!TryRead(file, stderr, out var text)) return 1;
            var result = CrmParser.Parse(text);
            if (!result.IsSuccess) return PrintErrors(file, result.Errors, stderr);
            stdout.Write(CibXmlExporter.ExportText(result.Parsed!.Configuration));
            return 0;
        }
        if (connection is null) throw new UsageException("expected a FILE, or HA_CONNECTION to export the stored configuration");
        using var store = CibStore.Create(connection);
        var (state, version) = await ConfigurationReader.LoadAsync(store);
        stdout.Write(CibXmlExporter.ExportText(state, epoch: version));
        return 0;
    }

    /// <summary>The stored configuration as canonical crm text; the first line (a comment) gives its version.</summary>
    public static async Task<int> ShowAsync(TextWriter stdout, string connection)
    {
        using var store = CibStore.Create(connection);
        var (state, version) = await ConfigurationReader.LoadAsync(store);
        stdout.WriteLine($"# configuration version {version}");
        stdout.Write(CrmRenderer.Render(state));
        return 0;
    }

    /// <summary>load replace|update FILE [--expected-version N]: one atomic change; errors name FILE:LINE:COL; exit 1 when refused.</summary>
    public static async Task<int> LoadAsync(LoadMode mode, string file, long? expected, TextWriter stdout, TextWriter stderr, string connection)
    {
        if (!TryRead(file, stderr, out var text)) return 1;
        var verb = mode == LoadMode.Replace ? "replace" : "update";

        using var store = CibStore.Create(connection);
        var user = Environment.UserName is { Length: > 0 } name ? name : "admin";
        try
        {
            var result = await new ConfigurationLoader(store).LoadAsync(text, mode, CommandMetadata.For(Actor.User(user)), expected,
                $"load {verb} {Path.GetFileName(file)}");
            if (!result.IsApplied) return PrintErrors(file, result.Errors, stderr);
            var applied = result.Applied!;
            stdout.WriteLine(applied.Events.Count == 0
                ? $"load {verb} {file}: no change (version {applied.Version})"
                : $"load {verb} {file}: version {applied.PreviousVersion} -> {applied.Version} ({result.Commands.Count} edits, {applied.Events.Count} events)");
            return 0;
        }
        catch (StaleConfigurationException e)
        {
            stderr.WriteLine($"{file}: refused: {e.Message}");
            return 1;
        }
    }

    private static int PrintErrors(string file, IReadOnlyList<ConfigurationError> errors, TextWriter stderr)
    {
        foreach (var e in errors)
            stderr.WriteLine(e.Format(file));
        stderr.WriteLine($"{file}: {errors.Count} error{(errors.Count == 1 ? "" : "s")}, nothing applied");
        return 1;
    }

    /// <summary>The file's text, or its error on stderr ("FILE: cannot read: ...") and false.</summary>
    public static bool TryRead(string file, TextWriter stderr, out string text)
    {
        try
        {
            text = File.ReadAllText(file);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            stderr.WriteLine($"{file}: cannot read: {e.Message}");
            text = "";
            return false;
        }
    }
}

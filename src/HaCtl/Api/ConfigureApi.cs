using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cib.Domain.Configuration;
using Cib.Interop.Crm;
using Cib.Projections.Store;

namespace HaCtl.Api;

/// <summary>
/// <c>hactl configure show|load|verify|edit|property|rsc-defaults|op-defaults|delete</c> through the API, as the logged-in
/// user (an admin for changes). A change names the version it is based on; one that another change overtook is
/// refused (412) and shown, never applied over it.
/// </summary>
public static class ConfigureApi
{
    private const string Base = "api/v1/configuration";

    /// <summary>The crm text and its version (the ETag).</summary>
    public static async Task<(string Text, string ETag)> FetchAsync(HttpClient client)
    {
        using var response = await client.GetAsync(Base);
        var text = await ApiCommands.ReadAsync(response);
        return (text, response.Headers.ETag?.ToString() ?? throw new InvalidOperationException("the API gave no ETag"));
    }

    public static async Task<int> ShowAsync(bool json, TextWriter stdout)
    {
        using var client = ApiCommands.LoggedIn().Client();
        if (json)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, Base);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            stdout.WriteLine(await ApiCommands.ReadAsync(await client.SendAsync(request)));
            return 0;
        }
        var (text, etag) = await FetchAsync(client);
        stdout.WriteLine($"# configuration version {etag.Trim('"')}");
        stdout.Write(text);
        return 0;
    }

    /// <summary>load replace|update FILE: based on --expected-version, else on the version read just before.</summary>
    public static async Task<int> LoadAsync(string mode, string file, long? expected, bool json, TextWriter stdout, TextWriter stderr)
    {
        if (!Configure.TryRead(file, stderr, out var text)) return 1;
        using var client = ApiCommands.LoggedIn().Client();
        var version = expected is { } v ? $"\"{v}\"" : (await FetchAsync(client)).ETag;
        return await PutAsync(client, mode, file, text, version, json, stdout, stderr);
    }

    public static async Task<int> VerifyAsync(string? file, bool json, TextWriter stdout, TextWriter stderr)
    {
        var text = "";
        if (file is not null && !Configure.TryRead(file, stderr, out text)) return 1;
        using var client = ApiCommands.LoggedIn().Client();
        var answer = await ApiCommands.ReadAsync(await client.PostAsync($"{Base}/verify", new StringContent(text, Encoding.UTF8, "text/plain")));
        if (json) { stdout.WriteLine(answer); return 0; }
        using var verify = JsonDocument.Parse(answer);
        var root = verify.RootElement;
        var name = file ?? "configuration";
        foreach (var e in root.GetProperty("errors").EnumerateArray())
            stderr.WriteLine($"{name}:{e.GetProperty("line").GetInt32()}:{e.GetProperty("column").GetInt32()}: {e.GetProperty("message").GetString()}");
        if (!root.GetProperty("valid").GetBoolean())
        {
            stderr.WriteLine($"{name}: not valid");
            return 1;
        }
        var changes = root.GetProperty("changes").EnumerateArray().Select(c => c.GetString()).ToList();
        stdout.WriteLine(file is null ? $"the stored configuration (version {root.GetProperty("version").GetInt64()}) is valid"
            : $"{file}: valid; {changes.Count} change{(changes.Count == 1 ? "" : "s")} to version {root.GetProperty("version").GetInt64()}");
        foreach (var c in changes) stdout.WriteLine($"  {c}");
        var transition = root.GetProperty("transition").EnumerateArray().Select(t => t.GetString()).ToList();
        stdout.WriteLine(transition.Count == 0 ? "the cluster would do nothing" : "the cluster would:");
        foreach (var t in transition) stdout.WriteLine($"  {t}");
        return 0;
    }

    /// <summary>
    /// edit: the crm text in $EDITOR (else $VISUAL, else vi); saved unchanged, nothing happens; changed, it replaces the
    /// configuration it was read from. When another change came first it is not applied: the other change is shown and
    /// the edited text kept in a file to merge.
    /// </summary>
    public static async Task<int> EditAsync(bool json, TextWriter stdout, TextWriter stderr)
    {
        using var client = ApiCommands.LoggedIn().Client();
        var (original, etag) = await FetchAsync(client);
        var file = Path.Combine(Path.GetTempPath(), $"hactl-configure-{Environment.ProcessId}-{etag.Trim('"')}.crm");
        await File.WriteAllTextAsync(file, original);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var editor = Environment.GetEnvironmentVariable("EDITOR") is { Length: > 0 } e ? e : Environment.GetEnvironmentVariable("VISUAL") is { Length: > 0 } v ? v : "vi";
        // As git and crontab do: the editor is a shell command line, the file its last argument.
        using (var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", editor + " \"$1\"", "hactl-editor", file]) { UseShellExecute = false })!)
        {
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                stderr.WriteLine($"hactl configure edit: the editor ({editor}) exited with {process.ExitCode}; nothing applied (your text: {file})");
                return 1;
            }
        }
        var edited = await File.ReadAllTextAsync(file);
        if (edited == original)
        {
            File.Delete(file);
            stdout.WriteLine($"no change (version {etag.Trim('"')})");
            return 0;
        }
        var code = await PutAsync(client, "replace", file, edited, etag, json, stdout, stderr, conflict: async current =>
        {
            // What the other change did, from the text this edit started from to the stored one now.
            stderr.WriteLine($"hactl configure edit: the configuration changed since version {etag.Trim('"')}; your edit was not applied. The other change:");
            foreach (var line in Describe(original, current)) stderr.WriteLine($"  {line}");
            stderr.WriteLine($"your text is kept in {file}: merge it into the current configuration (hactl configure edit again) or load it with hactl configure load replace {file}");
        });
        if (code == 0) File.Delete(file);
        else stderr.WriteLine($"your text is in {file}");
        return code;
    }

    /// <summary>property / rsc-defaults / op-defaults NAME=VALUE (or --delete NAME).</summary>
    public static async Task<int> SetValueAsync(ParseResult parse, string section, string assignment, bool delete, TextWriter stdout)
    {
        var (name, value) = delete ? (assignment, null) : assignment.IndexOf('=') is var eq and > 0
            ? (assignment[..eq], assignment[(eq + 1)..])
            : throw new UsageException($"expected NAME=VALUE, got '{assignment}'");
        var path = $"{Base}/{section}/{Uri.EscapeDataString(name)}";
        return value is null
            ? await ApiCommands.SendAsync(parse, HttpMethod.Delete, path, null, stdout)
            : await ApiCommands.SendAsync(parse, HttpMethod.Put, path, JsonContent.Create(new { value }), stdout);
    }

    public static Task<int> DeleteAsync(ParseResult parse, string id, TextWriter stdout) =>
        ApiCommands.SendAsync(parse, HttpMethod.Delete, $"{Base}/objects/{Uri.EscapeDataString(id)}", null, stdout);

    private static async Task<int> PutAsync(HttpClient client, string mode, string file, string text, string etag, bool json, TextWriter stdout, TextWriter stderr,
        Func<string, Task>? conflict = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"{Base}?mode={mode}") { Content = new StringContent(text, Encoding.UTF8, "text/plain") };
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.PreconditionFailed && conflict is not null)
        {
            await conflict((await FetchAsync(client)).Text);
            return 1;
        }
        if (response.StatusCode == HttpStatusCode.BadRequest && TryErrors(body, out var errors))
        {
            foreach (var (line, column, message) in errors) stderr.WriteLine($"{file}:{line}:{column}: {message}");
            stderr.WriteLine($"{file}: {errors.Count} error{(errors.Count == 1 ? "" : "s")}, nothing applied");
            return 1;
        }
        await ApiProblemException.ThrowIfFailedAsync(response);
        if (json) { stdout.WriteLine(body); return 0; }
        using var loaded = JsonDocument.Parse(body);
        var root = loaded.RootElement;
        var events = root.GetProperty("events").GetInt32();
        stdout.WriteLine(events == 0
            ? $"load {mode} {file}: no change (version {root.GetProperty("version").GetInt64()})"
            : $"load {mode} {file}: version {root.GetProperty("previousVersion").GetInt64()} -> {root.GetProperty("version").GetInt64()} ({root.GetProperty("changes").GetArrayLength()} edits, {events} events)");
        return 0;
    }

    private static bool TryErrors(string body, out List<(int Line, int Column, string Message)> errors)
    {
        errors = [];
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (!problem.RootElement.TryGetProperty("errors", out var list) || list.ValueKind != JsonValueKind.Array) return false;
            foreach (var e in list.EnumerateArray())
                if (e.TryGetProperty("line", out var line) && e.TryGetProperty("column", out var column))
                    errors.Add((line.GetInt32(), column.GetInt32(), e.GetProperty("message").GetString() ?? ""));
            return errors.Count > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The edits from one crm text to another, in the configuration language's words.</summary>
    private static IEnumerable<string> Describe(string from, string to)
    {
        var (a, b) = (CrmParser.Parse(from), CrmParser.Parse(to));
        if (!a.IsSuccess || !b.IsSuccess) return ["(the texts could not be compared)"];
        var commands = ConfigurationDiff.Between(a.Parsed!.Configuration, b.Parsed!.Configuration);
        return commands.Count == 0 ? ["(no difference in content)"] : commands.Select(CommandText.Describe);
    }
}

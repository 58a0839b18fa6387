using System.Diagnostics;
using System.Text;

namespace LabSupport;

public sealed record CommandResult(string CommandLine, int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;
    public override string ToString() => $"{CommandLine} exited {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

public static class Command
{
    /// <summary>
    /// Runs a program and collects its output. A daemon it starts (apache) may keep the pipes open: after the
    /// program exits we wait for its output only briefly.
    /// </summary>
    public static async Task<CommandResult> RunAsync(string program, IEnumerable<string> args, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        var line = program + " " + string.Join(' ', psi.ArgumentList);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + line);
        p.StandardInput.Close();
        var output = new StringBuilder();
        var error = new StringBuilder();
        var readOut = Pump(p.StandardOutput, output);
        var readErr = Pump(p.StandardError, error);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            return new CommandResult(line, -1, Snapshot(output), Snapshot(error) + $"\n(timed out after {timeout})");
        }
        await Task.WhenAny(Task.WhenAll(readOut, readErr), Task.Delay(TimeSpan.FromSeconds(2)));
        return new CommandResult(line, p.ExitCode, Snapshot(output), Snapshot(error));
    }

    public static async Task<CommandResult> Checked(this Task<CommandResult> run)
    {
        var r = await run;
        return r.Succeeded ? r : throw new InvalidOperationException(r.ToString());
    }

    private static string Snapshot(StringBuilder b) { lock (b) return b.ToString(); }

    private static async Task Pump(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0) lock (into) into.Append(buffer, 0, n);
    }
}

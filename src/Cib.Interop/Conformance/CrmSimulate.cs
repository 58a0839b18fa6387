using System.Diagnostics;

namespace Cib.Interop.Conformance;

/// <summary>The oracle: Debian's crm_simulate (pacemaker-cli-utils), fed a CIB on standard input (<c>crm_simulate -p -S</c>).</summary>
public static class CrmSimulate
{
    public sealed record Result(IReadOnlyList<string> Lines, string? Error);

    public static string? Path { get; } =
        new[] { "/usr/sbin/crm_simulate", "/usr/bin/crm_simulate" }.FirstOrDefault(File.Exists);

    /// <summary>The folded lines of crm_simulate's "Transition Summary:" for <paramref name="xml"/>.</summary>
    public static Result Summary(string xml)
    {
        if (Path is null) return new Result([], "crm_simulate is not installed (./ha deps installs pacemaker-cli-utils)");
        var psi = new ProcessStartInfo(Path, ["-p", "-S"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(xml);
        process.StandardInput.Close();
        process.WaitForExit();
        var text = output.Result;
        if (!text.Contains("Transition Summary:", StringComparison.Ordinal))
            return new Result([], $"exit {process.ExitCode}: {error.Result.Trim()}");
        return new Result(ConformanceRunner.ExpectedLines(text), null);
    }
}

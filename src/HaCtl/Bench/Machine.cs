using System.Globalization;
using System.Runtime.InteropServices;

namespace HaCtl.Bench;

/// <summary>What a benchmark ran on: cores, CPU model, memory, OS, .NET, and the load average (the machine is shared).</summary>
public static class Machine
{
    public static string Describe()
    {
        var cpu = Field("/proc/cpuinfo", "model name", ':') ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKb = Field("/proc/meminfo", "MemTotal", ':') is { } m && long.TryParse(m.Split(' ')[0], out var kb) ? kb : 0;
        var os = Field("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"') ?? RuntimeInformation.OSDescription;
        return string.Create(CultureInfo.InvariantCulture,
            $"machine: cores={Environment.ProcessorCount} cpu=\"{cpu}\" memory_gb={memKb / 1024.0 / 1024.0:F1} os=\"{os}\" kernel={Environment.OSVersion.Version} dotnet=\"{RuntimeInformation.FrameworkDescription}\" {Load()}");
    }

    /// <summary>"load=1.02,0.75,0.60" (1, 5 and 15 minutes), or "load=?" where /proc/loadavg is not there.</summary>
    public static string Load()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"load={parts[0]},{parts[1]},{parts[2]}";
        }
        catch (IOException)
        {
            return "load=?";
        }
        catch (UnauthorizedAccessException)
        {
            return "load=?";
        }
    }

    private static string? Field(string file, string key, char separator)
    {
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var i = line.IndexOf(separator);
                if (i > 0 && line[..i].Trim() == key) return line[(i + 1)..].Trim();
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}

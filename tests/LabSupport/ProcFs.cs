namespace LabSupport;

/// <summary>Reads what the kernel says about processes and namespaces, through /proc only.</summary>
public static class ProcFs
{
    public static bool IsLiveProcess(int pid, string comm)
    {
        try
        {
            if (File.ReadAllText($"/proc/{pid}/comm").Trim() != comm) return false;
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 2)[0];
            return state is not ("Z" or "X");
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>The namespace a process is in ("pid:[4026532]"), or null when it is gone.</summary>
    public static string? Namespace(int pid, string kind)
    {
        try { return new FileInfo($"/proc/{pid}/ns/{kind}").LinkTarget; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>How many processes named <paramref name="comm"/> each PID namespace holds.</summary>
    public static Dictionary<string, int> CountByPidNamespace(string comm)
    {
        var counts = new Dictionary<string, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]) || !int.TryParse(name, out var pid)) continue;
            if (!IsLiveProcess(pid, comm)) continue;
            if (Namespace(pid, "pid") is { } ns) counts[ns] = counts.GetValueOrDefault(ns) + 1;
        }
        return counts;
    }

    public static string? ReadOrNull(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The IPv4 addresses local to a network namespace, from its /proc/PID/net/fib_trie.</summary>
    public static IReadOnlySet<string> LocalAddresses(string fibTrie)
    {
        var local = new HashSet<string>();
        string? leaf = null;
        foreach (var raw in fibTrie.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("|-- ", StringComparison.Ordinal)) leaf = line[4..].Trim();
            else if (line.StartsWith("+-- ", StringComparison.Ordinal) || line.EndsWith(':')) leaf = null;
            else if (leaf is not null && line.StartsWith("/32 host LOCAL", StringComparison.Ordinal)) local.Add(leaf);
        }
        return local;
    }

    /// <summary>Mount points in a /proc/PID/mounts text whose source or target matches.</summary>
    public static bool HasMount(string mounts, string? device, string mountPoint) =>
        mounts.Split('\n').Select(l => l.Split(' ')).Any(f => f.Length > 2 && (f[1] == mountPoint || (device is not null && f[0] == device)));
}

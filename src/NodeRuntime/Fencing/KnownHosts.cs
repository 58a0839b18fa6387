using System.Security.Cryptography;
using System.Text;

namespace NodeRuntime.Fencing;

/// <summary>
/// An OpenSSH known_hosts file: which host keys to trust for which host. Hosts are written as
/// <c>name</c> for port 22 and <c>[name]:port</c> otherwise, plain or hashed (<c>|1|salt|hash</c>).
/// A key is trusted only when it is listed for the host; a host listed with another key of the
/// same type has a changed key (refused, as ssh refuses it).
/// </summary>
public sealed class KnownHosts
{
    private readonly List<Entry> _entries;

    private KnownHosts(List<Entry> entries) => _entries = entries;

    public int Count => _entries.Count;

    public static KnownHosts Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"known-hosts file {path} not found", path);
        return Parse(File.ReadAllText(path));
    }

    public static KnownHosts Parse(string text)
    {
        var entries = new List<Entry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var fields = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields[0].StartsWith('@'))
            {
                // @revoked keys are never trusted; @cert-authority lines are not supported: skip both.
                continue;
            }
            if (fields.Length < 3) continue;
            byte[] key;
            try { key = Convert.FromBase64String(fields[2]); }
            catch (FormatException) { continue; }
            entries.Add(new Entry(fields[0], fields[1], key));
        }
        return new KnownHosts(entries);
    }

    public static string HostPattern(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    public HostKeyCheck Check(string host, int port, string keyType, byte[] key)
    {
        var name = HostPattern(host, port);
        var forHost = _entries.Where(e => e.Matches(name)).ToList();
        if (forHost.Any(e => e.KeyType == keyType && e.Key.AsSpan().SequenceEqual(key))) return HostKeyCheck.Trusted;
        return forHost.Any(e => e.KeyType == keyType) ? HostKeyCheck.Changed : HostKeyCheck.Unknown;
    }

    private sealed record Entry(string Hosts, string KeyType, byte[] Key)
    {
        public bool Matches(string name)
        {
            if (Hosts.StartsWith("|1|", StringComparison.Ordinal))
            {
                var parts = Hosts.Split('|');
                if (parts.Length != 4) return false;
                try
                {
                    using var hmac = new HMACSHA1(Convert.FromBase64String(parts[2]));
                    return Convert.ToBase64String(hmac.ComputeHash(Encoding.ASCII.GetBytes(name))) == parts[3];
                }
                catch (FormatException) { return false; }
            }
            var matched = false;
            foreach (var pattern in Hosts.Split(','))
            {
                var negated = pattern.StartsWith('!');
                var p = negated ? pattern[1..] : pattern;
                if (!Glob(p, name)) continue;
                if (negated) return false;
                matched = true;
            }
            return matched;
        }

        private static bool Glob(string pattern, string text)
        {
            if (!pattern.Contains('*') && !pattern.Contains('?')) return string.Equals(pattern, text, StringComparison.OrdinalIgnoreCase);
            var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$";
            return System.Text.RegularExpressions.Regex.IsMatch(text, regex, System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        }
    }
}

public enum HostKeyCheck { Trusted, Unknown, Changed }

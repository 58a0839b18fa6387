namespace NodeRuntime.Fencing;

/// <summary>
/// <c>qemu+ssh://[user@]host[:port]/system</c>: where the hypervisor is and, as <see cref="LocalUri"/>,
/// the URI virsh uses on the hypervisor itself (<c>qemu:///system</c>).
/// </summary>
public sealed record HypervisorUri(string Driver, string User, string Host, int Port, string Path)
{
    public string LocalUri => $"{Driver}://{Path}";

    public static bool TryParse(string? text, out HypervisorUri uri, out string error)
    {
        uri = new HypervisorUri("qemu", "root", "", 22, "/system");
        error = "";
        if (string.IsNullOrWhiteSpace(text)) { error = "hypervisor_uri is empty"; return false; }
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0) { error = $"hypervisor_uri '{text}' has no scheme (expected qemu+ssh://[user@]host[:port]/system)"; return false; }
        var schemes = text[..scheme].Split('+');
        if (schemes.Length != 2 || schemes[1] != "ssh")
        {
            error = $"hypervisor_uri '{text}': only the ssh transport is supported (driver+ssh://...)";
            return false;
        }
        var rest = text[(scheme + 3)..];
        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "/system" : rest[slash..];
        var query = path.IndexOf('?');
        if (query >= 0) path = path[..query];
        var user = "root";
        var at = authority.LastIndexOf('@');
        if (at >= 0) { user = authority[..at]; authority = authority[(at + 1)..]; }
        var port = 22;
        string host;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0) { error = $"hypervisor_uri '{text}': unclosed '[' in host"; return false; }
            host = authority[1..close];
            var after = authority[(close + 1)..];
            if (after.StartsWith(':') && !int.TryParse(after[1..], out port)) { error = $"hypervisor_uri '{text}': bad port"; return false; }
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            if (colon >= 0 && !int.TryParse(authority[(colon + 1)..], out port)) { error = $"hypervisor_uri '{text}': bad port '{authority[(colon + 1)..]}'"; return false; }
        }
        if (host.Length == 0) { error = $"hypervisor_uri '{text}' has no host"; return false; }
        if (port is <= 0 or > 65535) { error = $"hypervisor_uri '{text}': port {port} out of range"; return false; }
        uri = new HypervisorUri(schemes[0], user.Length == 0 ? "root" : user, host, port, path);
        return true;
    }
}

using System.Security.Cryptography;
using System.Text;
using NodeRuntime.Fencing;

namespace NodeRuntime.Tests.Fencing;

public sealed class KnownHostsAndUriTests
{
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("host-key-blob");
    private static readonly byte[] Other = Encoding.ASCII.GetBytes("another-key");

    [Fact]
    public void Plain_entries_match_by_host_and_port_and_a_different_key_of_the_same_type_is_a_change()
    {
        var hosts = KnownHosts.Parse($"# comment\n[10.77.0.254]:2222,hv ssh-ed25519 {Convert.ToBase64String(Key)}\n");
        Assert.Equal(HostKeyCheck.Trusted, hosts.Check("10.77.0.254", 2222, "ssh-ed25519", Key));
        Assert.Equal(HostKeyCheck.Trusted, hosts.Check("hv", 22, "ssh-ed25519", Key));
        Assert.Equal(HostKeyCheck.Changed, hosts.Check("10.77.0.254", 2222, "ssh-ed25519", Other));
        Assert.Equal(HostKeyCheck.Unknown, hosts.Check("10.77.0.254", 22, "ssh-ed25519", Key));
        Assert.Equal(HostKeyCheck.Unknown, hosts.Check("10.77.0.254", 2222, "ssh-rsa", Key));
    }

    [Fact]
    public void Hashed_entries_match_and_revoked_lines_never_do()
    {
        var salt = RandomNumberGenerator.GetBytes(20);
        var hash = new HMACSHA1(salt).ComputeHash(Encoding.ASCII.GetBytes("[127.0.0.1]:2200"));
        var hosts = KnownHosts.Parse(
            $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(hash)} ssh-ed25519 {Convert.ToBase64String(Key)}\n" +
            $"@revoked 127.0.0.2 ssh-ed25519 {Convert.ToBase64String(Other)}\n");
        Assert.Equal(HostKeyCheck.Trusted, hosts.Check("127.0.0.1", 2200, "ssh-ed25519", Key));
        Assert.Equal(HostKeyCheck.Unknown, hosts.Check("127.0.0.2", 22, "ssh-ed25519", Other));
    }

    [Theory]
    [InlineData("qemu+ssh://root@10.77.0.254:2222/system", "root", "10.77.0.254", 2222, "qemu:///system")]
    [InlineData("qemu+ssh://hv/system", "root", "hv", 22, "qemu:///system")]
    [InlineData("qemu+ssh://admin@[fd00::1]:22/session?keyfile=x", "admin", "fd00::1", 22, "qemu:///session")]
    public void Hypervisor_uris_parse(string text, string user, string host, int port, string local)
    {
        Assert.True(HypervisorUri.TryParse(text, out var uri, out var error), error);
        Assert.Equal((user, host, port, local), (uri.User, uri.Host, uri.Port, uri.LocalUri));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("qemu:///system", "only the ssh transport")]
    [InlineData("qemu+tls://h/system", "only the ssh transport")]
    [InlineData("qemu+ssh://h:notaport/system", "bad port")]
    [InlineData("qemu+ssh:///system", "no host")]
    public void Bad_uris_say_what_is_wrong(string text, string message)
    {
        Assert.False(HypervisorUri.TryParse(text, out _, out var error));
        Assert.Contains(message, error);
    }
}

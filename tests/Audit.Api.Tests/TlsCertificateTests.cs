using System.Security.Cryptography.X509Certificates;
using Audit.Api.Security;
using Xunit;

namespace Audit.Api.Tests;

public sealed class TlsCertificateTests
{
    [Fact]
    public void A_certificate_is_generated_once_owner_only_for_this_host_and_localhost_and_kept()
    {
        var dir = Directory.CreateTempSubdirectory("ha-api-cert-").FullName;
        try
        {
            using var first = TlsCertificate.Load(null, dir);
            var file = Path.Combine(dir, TlsCertificate.GeneratedFile);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.True(first.HasPrivateKey);
            Assert.True(first.MatchesHostname("localhost"));
            Assert.True(first.MatchesHostname(System.Net.Dns.GetHostName()));
            Assert.True(first.NotAfter > DateTime.UtcNow.AddYears(4));
            using var again = TlsCertificate.Load(null, dir);
            Assert.Equal(first.Thumbprint, again.Thumbprint);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

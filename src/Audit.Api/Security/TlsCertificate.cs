using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Audit.Api.Security;

/// <summary>
/// The API's TLS certificate: the admin's (a PKCS#12 file without password), else one generated on first start and kept in
/// the data directory (mode 0600): self-signed, ECDSA P-256, for this host's name, localhost and its addresses, valid 5 years.
/// Clients pin it or the admin replaces it.
/// </summary>
public static class TlsCertificate
{
    public const string GeneratedFile = "api-certificate.pfx";

    public static X509Certificate2 Load(string? path, string dataDir)
    {
        if (path is not null) return X509CertificateLoader.LoadPkcs12FromFile(path, null);
        var generated = Path.Combine(dataDir, GeneratedFile);
        if (File.Exists(generated)) return X509CertificateLoader.LoadPkcs12FromFile(generated, null);
        Directory.CreateDirectory(dataDir);
        var bytes = Generate(Dns.GetHostName()).Export(X509ContentType.Pkcs12);
        // Created owner-only from the first byte: the private key is never readable by others, not even for a moment.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(generated, options)) file.Write(bytes);
        return X509CertificateLoader.LoadPkcs12(bytes, null);
    }

    /// <summary>The certificate's SHA-256 as colon-separated hex pairs (as <c>openssl x509 -fingerprint -sha256</c> prints it).</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', Convert.ToHexString(SHA256.HashData(certificate.RawData)).Chunk(2).Select(c => new string(c)));

    public static X509Certificate2 Generate(string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(5));
    }
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace HaCtl.Api;

/// <summary>
/// Where hactl talks to the API and as whom: the URL, the pinned certificate (its SHA-256, when the system does not trust it:
/// the API's self-signed one) and the bearer token, in <c>$XDG_CONFIG_HOME/ha/hactl.json</c> (else <c>~/.config/ha</c>),
/// owner-only. <c>HA_URL</c> overrides the URL; <c>HA_HACTL_CONFIG</c> the file.
/// </summary>
public sealed record ApiSession(string Url, string? Fingerprint, string? Token, string? User)
{
    public static string FilePath() =>
        Environment.GetEnvironmentVariable("HA_HACTL_CONFIG") is { Length: > 0 } path ? path
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"), "ha", "hactl.json");

    public static ApiSession? Load()
    {
        var path = FilePath();
        var session = File.Exists(path) ? JsonSerializer.Deserialize<ApiSession>(File.ReadAllText(path), Json) : null;
        return Environment.GetEnvironmentVariable("HA_URL") is { Length: > 0 } url
            ? (session ?? new ApiSession(url, null, null, null)) with { Url = url }
            : session;
    }

    public void Save()
    {
        var path = FilePath();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(path, options)) JsonSerializer.Serialize(file, this, Json);
        // A file that existed with a wider mode keeps it on create: narrow it.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>The API's JSON: camelCase, enums by name.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>The SHA-256 of a certificate as hex pairs (what <c>openssl x509 -fingerprint -sha256</c> prints).</summary>
    public static string FingerprintOf(X509Certificate certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())).Chunk(2).Select(c => new string(c)).Aggregate((a, b) => a + ":" + b);

    /// <summary>
    /// An HTTP client for this session: the system's trust, else the pinned fingerprint; <paramref name="seen"/> gets the
    /// certificate the server showed (to tell the user what to pin).
    /// </summary>
    public HttpClient Client(Action<string>? seen = null)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null) return false;
                var fingerprint = FingerprintOf(certificate);
                seen?.Invoke(fingerprint);
                return errors == SslPolicyErrors.None || string.Equals(fingerprint, Fingerprint, StringComparison.OrdinalIgnoreCase);
            },
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(Url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        if (Token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return client;
    }
}

/// <summary>An answer of the API that is not a success: its problem's status, code and detail.</summary>
public sealed class ApiProblemException(int status, string code, string detail) : Exception($"{detail} ({code}, HTTP {status})")
{
    public int Status { get; } = status;
    public string Code { get; } = code;

    public static async Task ThrowIfFailedAsync(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode) return;
        var text = await response.Content.ReadAsStringAsync();
        string code = "error", detail = text;
        try
        {
            using var json = JsonDocument.Parse(text);
            code = json.RootElement.TryGetProperty("code", out var c) ? c.GetString() ?? code : code;
            detail = json.RootElement.TryGetProperty("detail", out var d) && d.GetString() is { } s ? s
                : json.RootElement.TryGetProperty("title", out var t) ? t.GetString() ?? text : text;
        }
        catch (JsonException)
        {
        }
        throw new ApiProblemException((int)response.StatusCode, code, detail);
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response)
    {
        await ThrowIfFailedAsync(response);
        return (await response.Content.ReadFromJsonAsync<T>(ApiSession.Json))!;
    }
}

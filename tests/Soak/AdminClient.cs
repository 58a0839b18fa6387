using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using LabSupport;
using Polly;
using Polly.Retry;

namespace Soak;

/// <summary>
/// An admin of the soak's cluster at the HTTP API of a node (HTTPS on 7630, each node's own self-signed certificate,
/// pinned by the fingerprint its API logs; each node its own token). A node that does not answer is skipped for the next.
/// </summary>
public sealed partial class AdminClient(Lab lab, string user, string password) : IDisposable
{
    private readonly Dictionary<string, HttpClient> _clients = [];

    /// <summary>
    /// An admin whose command is refused (the store failing over, the node just crashed) tries again, as a person would,
    /// for up to 30 s: only then is the command counted as not done.
    /// </summary>
    private static readonly ResiliencePipeline Patient = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<InvalidOperationException>(),
            MaxRetryAttempts = 60,
            Delay = TimeSpan.FromMilliseconds(500),
            BackoffType = DelayBackoffType.Constant,
        })
        .AddTimeout(TimeSpan.FromSeconds(30))
        .Build();

    /// <summary>The call at the first node (in the order given) whose API answers it, tried again for up to 30 s.</summary>
    public Task<T> OnAnyNodeAsync<T>(IEnumerable<string> nodes, Func<HttpClient, Task<T>> call, CancellationToken ct = default)
    {
        var list = nodes.ToList();
        return Patient.ExecuteAsync(async token => await OnceOnAnyNodeAsync(list, call, token), ct).AsTask();
    }

    private async Task<T> OnceOnAnyNodeAsync<T>(IReadOnlyList<string> nodes, Func<HttpClient, Task<T>> call, CancellationToken ct)
    {
        var errors = new List<string>();
        foreach (var node in nodes)
        {
            try { return await call(await ClientAsync(node, ct)); }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException or JsonException)
            {
                errors.Add($"{node}: {e.Message}");
                Forget(node);
            }
        }
        throw new InvalidOperationException("no node's API answered: " + string.Join("; ", errors));
    }

    /// <summary>POST a command; the answer's status must be a success.</summary>
    public static async Task<string> PostAsync(HttpClient http, string path, object? body = null)
    {
        using var response = body is null ? await http.PostAsync(path, null) : await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? text : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
    }

    /// <summary>Replaces one configuration object with <paramref name="edit"/> of its crm text, as of the version read (If-Match).</summary>
    public static async Task<string> EditObjectAsync(HttpClient http, string id, Func<string, string> edit)
    {
        using var get = await http.GetAsync($"api/v1/configuration/objects/{id}");
        var text = await get.Content.ReadAsStringAsync();
        if (!get.IsSuccessStatusCode) throw new InvalidOperationException($"GET object {id}: {(int)get.StatusCode} {text}");
        using var put = new HttpRequestMessage(HttpMethod.Put, $"api/v1/configuration/objects/{id}") { Content = new StringContent(edit(text)) };
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        if (get.Headers.ETag is { } etag) put.Headers.IfMatch.Add(etag);
        using var response = await http.SendAsync(put);
        var answer = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? answer : throw new InvalidOperationException($"PUT object {id}: {(int)response.StatusCode} {answer}");
    }

    public static async Task<JsonElement> StatusAsync(HttpClient http)
    {
        using var response = await http.GetAsync("api/v1/status");
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET status: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<HttpClient> ClientAsync(string node, CancellationToken ct)
    {
        if (_clients.TryGetValue(node, out var known)) return known;
        var fingerprint = Fingerprint(node) ?? throw new InvalidOperationException($"{node}'s API has logged no certificate yet");
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null &&
                Convert.ToHexString(cert.GetCertHash(HashAlgorithmName.SHA256)) == fingerprint.Replace(":", "", StringComparison.Ordinal) },
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri($"https://{Lab.Address(node)}:7630/"), Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await http.PostAsJsonAsync("api/v1/auth/token", new { name = user, password }, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"login at {node}: {(int)response.StatusCode} {text}");
            var token = JsonDocument.Parse(text).RootElement.GetProperty("accessToken").GetString();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        catch
        {
            http.Dispose();
            throw;
        }
        _clients[node] = http;
        return http;
    }

    private void Forget(string node)
    {
        if (_clients.Remove(node, out var http)) http.Dispose();
    }

    /// <summary>The SHA-256 the node's API logged for its certificate at its latest start.</summary>
    private string? Fingerprint(string node)
    {
        var log = Path.Combine(lab.StateDirectory, "nodes", node, "api.log");
        var text = ProcFs.ReadOrNull(log);
        return text is null ? null : FingerprintPattern().Matches(text).LastOrDefault()?.Groups[1].Value;
    }

    public void Dispose()
    {
        foreach (var http in _clients.Values) http.Dispose();
        _clients.Clear();
    }

    [GeneratedRegex(@"SHA-256 ([0-9A-F:]{95})")]
    private static partial Regex FingerprintPattern();
}

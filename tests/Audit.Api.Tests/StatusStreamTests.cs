using System.Net.Http.Headers;
using System.Text.Json;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Projections.Store;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>The status stream: the current status first, then each change, ids being log positions; Last-Event-ID resumes.</summary>
public sealed class StatusStreamTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record Event(long Id, JsonElement Status);

    /// <summary>Reads server-sent events off the response as they come.</summary>
    private sealed class Reader(Stream stream) : IDisposable
    {
        private readonly StreamReader _reader = new(stream);

        public async Task<Event> NextAsync(TimeSpan within)
        {
            using var timeout = new CancellationTokenSource(within);
            long id = -1;
            string? data = null;
            while (true)
            {
                var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException();
                if (line.StartsWith("id: ", StringComparison.Ordinal)) id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
                else if (line.Length == 0 && data is not null) return new Event(id, JsonDocument.Parse(data).RootElement);
            }
        }

        public void Dispose() => _reader.Dispose();
    }

    private async Task<Reader> OpenAsync(HttpClient client, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/status/stream");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } id) request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new Reader(await response.Content.ReadAsStreamAsync());
    }

    private Task JoinAsync(string node) => new CibEventLog(api.Db.DataSource).AppendAsync(StreamIds.Node(node),
        [new NodeJoined(node, $"{node}-i", "lease", DateTimeOffset.UtcNow)], AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller("node1"))));

    private static bool Online(Event e, string node) =>
        e.Status.GetProperty("nodes").EnumerateArray().Any(n => n.GetProperty("name").GetString() == node && n.GetProperty("state").GetString() == "online");

    [Fact]
    public async Task A_watcher_gets_the_status_then_each_change_and_resumes_after_the_last_it_saw()
    {
        var client = await api.ClientAsAsync("aude");
        using var stream = await OpenAsync(client);
        var first = await stream.NextAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(first.Id, first.Status.GetProperty("position").GetInt64());

        await JoinAsync("alpha");
        var next = await stream.NextAsync(TimeSpan.FromSeconds(30));
        while (!Online(next, "alpha")) next = await stream.NextAsync(TimeSpan.FromSeconds(30));
        Assert.True(next.Id > first.Id);

        // A watcher that saw that far gets nothing old, and the next change.
        using var resumed = await OpenAsync(client, next.Id);
        await JoinAsync("beta");
        var after = await resumed.NextAsync(TimeSpan.FromSeconds(30));
        Assert.True(after.Id > next.Id);
        while (!Online(after, "beta")) after = await resumed.NextAsync(TimeSpan.FromSeconds(30));
        Assert.True(Online(after, "alpha"));
    }

    [Fact]
    public async Task The_stream_needs_a_user()
    {
        await Problem.AssertAsync(await api.CreateClient().GetAsync("/api/v1/status/stream"), 401, "unauthenticated");
    }
}

using System.Net;
using System.Text.Json;
using Cib.Projections.ReadModels.History;
using CsvHelper;
using TestSupport;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>
/// <c>/api/v1/history/...</c> as an auditor: the stored history and the raw log as JSON and as CSV (read back with
/// CsvHelper), paged by the <c>next</c> cursor and the <c>Link</c> header, every event exactly once; bad input is a 400
/// problem with a code.
/// </summary>
public sealed class HistoryApiTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    async Task IAsyncLifetime.InitializeAsync()
    {
        // One class, one database: the scenario once, folded up to the log's end (as the controller does behind its stored status).
        if (await new HistoryQueries(api.Db.DataSource).ChangesAsync(null, new HistoryRange()) is { AsOf: > 0 }) return;
        await new HistoryScenario(api.Db).AllAsync();
        var end = await new HistoryQueries(api.Db.DataSource).LogPositionAsync();
        await new StoredHistory(api.Db.DataSource).CatchUpAsync(end);
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;

    private static List<Dictionary<string, string>> ParseCsv(string text)
    {
        using var csv = CsvReader.Create(new StringReader(text));
        csv.ReadHeader();
        var headers = csv.Headers.ToList();
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read()) rows.Add(headers.Select((h, i) => (h, csv.GetString(i))).ToDictionary(x => x.h, x => x.Item2));
        return rows;
    }

    [Fact]
    public async Task Fencing_history_as_json_and_as_csv_say_the_same()
    {
        using var client = await api.ClientAsAsync("aude");
        var response = await client.GetAsync("/api/v1/history/fencing");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var items = json.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(6, items.Count);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("next").ValueKind);
        Assert.True(json.RootElement.GetProperty("asOf").GetInt64() > 0);
        Assert.Equal(json.RootElement.GetProperty("asOf").GetInt64(), json.RootElement.GetProperty("logPosition").GetInt64());
        Assert.Equal(["succeeded", "failed", "failed", "gave-up", "fenced", "succeeded"], items.Select(i => i.GetProperty("result").GetString()));

        foreach (var ask in new Func<Task<HttpResponseMessage>>[]
                 {
                     () => client.GetAsync("/api/v1/history/fencing?format=csv"),
                     () => client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/v1/history/fencing") { Headers = { { "Accept", "text/csv" } } }),
                 })
        {
            var csv = await ask();
            Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
            var rows = ParseCsv(await csv.Content.ReadAsStringAsync());
            Assert.Equal(items.Select(i => i.GetProperty("requestId").GetString()), rows.Select(r => r["requestId"]));
            Assert.Equal(items.Select(i => i.GetProperty("origin").GetString()), rows.Select(r => r["origin"]));
            Assert.Equal(items.Select(i => i.TryGetProperty("durationMs", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt64().ToString() : ""),
                rows.Select(r => r["durationMs"]));
        }
        var node3 = ParseCsv(await client.GetStringAsync("/api/v1/history/fencing?target=node3&format=csv"));
        Assert.Equal(3, node3.Count);
        // Current: the stored history with the log after it; here nothing is after it.
        using var current = JsonDocument.Parse(await client.GetStringAsync("/api/v1/history/fencing?current=true"));
        Assert.Equal(6, current.RootElement.GetProperty("items").GetArrayLength());
        Assert.Equal(current.RootElement.GetProperty("logPosition").GetInt64(), current.RootElement.GetProperty("asOf").GetInt64());
    }

    [Fact]
    public async Task Operations_and_changes_filtered_and_as_csv()
    {
        using var client = await api.ClientAsAsync("aude");
        using var operations = JsonDocument.Parse(await client.GetStringAsync("/api/v1/history/operations?resource=web&node=node2"));
        Assert.Equal([0, 1, 2, 0, 0], operations.RootElement.GetProperty("items").EnumerateArray().Select(o => o.GetProperty("failCount").GetInt32()));
        var csv = ParseCsv(await client.GetStringAsync("/api/v1/history/operations?resource=web&format=csv"));
        Assert.Equal(["succeeded", "failed", "failed", "fail-count-cleared", "history-cleared"], csv.Select(r => r["kind"]));
        Assert.Equal("process gone", csv[1]["exitReason"]);

        using var changes = JsonDocument.Parse(await client.GetStringAsync("/api/v1/history/changes?actor=alice"));
        var change = Assert.Single(changes.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal("ticket 7", change.GetProperty("reason").GetString());
        var diff = ParseCsv(await client.GetStringAsync("/api/v1/history/changes?actor=user:alice&format=csv"));
        // A list is one cell, its lines joined by newlines (quoted in the CSV).
        Assert.StartsWith("+ node node1\n+ node node2\n", Assert.Single(diff)["diff"], StringComparison.Ordinal);
        Assert.Empty(JsonDocument.Parse(await client.GetStringAsync("/api/v1/history/changes?actor=bob")).RootElement.GetProperty("items").EnumerateArray());
        var until = Uri.EscapeDataString(HistoryScenario.T0.AddMinutes(4).AddSeconds(30).ToString("O"));
        using var early = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/history/operations?until={until}"));
        Assert.Single(early.RootElement.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Paging_the_log_through_the_link_header_returns_every_event_exactly_once()
    {
        using var client = await api.ClientAsAsync("aude");
        var seen = new List<long>();
        var url = "/api/v1/history/events?limit=4";
        var pages = 0;
        while (url is not null)
        {
            var response = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var items = page.RootElement.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()).ToList();
            Assert.True(items.Count <= 4);
            seen.AddRange(items);
            pages++;
            var link = response.Headers.TryGetValues("Link", out var links) ? links.Single() : null;
            if (page.RootElement.GetProperty("next").ValueKind == JsonValueKind.Null) Assert.Null(link);
            else Assert.Contains($"after={page.RootElement.GetProperty("next").GetInt64()}", link);
            url = link is null ? null : link[1..link.IndexOf('>')];
        }
        using var all = JsonDocument.Parse(await client.GetStringAsync("/api/v1/history/events?limit=10000"));
        var everything = all.RootElement.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(everything, seen);
        Assert.Equal(seen.Distinct().Order(), seen);
        Assert.True(pages > 3);

        // Filtered, and as CSV: the data as its JSON.
        var fenced = ParseCsv(await client.GetStringAsync("/api/v1/history/events?type=NodeFenced&format=csv"));
        Assert.Equal(2, fenced.Count);
        Assert.All(fenced, r => Assert.Equal("cib.node_fenced.v1", r["type"]));
        Assert.Equal("node2", JsonDocument.Parse(fenced[0]["data"]).RootElement.GetProperty("target").GetString());
        using var prefix = JsonDocument.Parse(await client.GetStringAsync("/api/v1/history/events?stream=fencing/*&actor=otto"));
        Assert.Single(prefix.RootElement.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Failover_incidents_as_json_and_as_csv_say_the_same()
    {
        using var client = await api.ClientAsAsync("aude");
        var response = await client.GetAsync("/api/v1/history/failovers");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var items = json.RootElement.GetProperty("items").EnumerateArray().ToList();
        // The scenario's events carry no causation ids: each fence is an incident of its own; the crash's fence of node2 is the first.
        Assert.True(items.Count >= 2);
        var first = items[0];
        Assert.Equal(("fence", "node2", "t1/1", "ipmi-2", "node1", "succeeded", 1_234L, "recovered"),
            (first.GetProperty("trigger").GetString(), first.GetProperty("subject").GetString(), first.GetProperty("fenceRequestId").GetString(),
             first.GetProperty("fenceDevice").GetString(), first.GetProperty("fenceExecutor").GetString(), first.GetProperty("fenceResult").GetString(),
             first.GetProperty("fenceDurationMs").GetInt64(), first.GetProperty("status").GetString()));
        Assert.Contains(items, i => i.GetProperty("trigger").GetString() == "monitor-failure" && i.GetProperty("subject").GetString() == "web");

        var rows = ParseCsv(await client.GetStringAsync("/api/v1/history/failovers?format=csv"));
        Assert.Equal(items.Select(i => i.GetProperty("incidentId").GetString()), rows.Select(r => r["incidentId"]));
        Assert.Equal(items.Select(i => i.GetProperty("status").GetString()), rows.Select(r => r["status"]));
        Assert.Equal(items.Select(i => i.GetProperty("trigger").GetString()), rows.Select(r => r["trigger"]));

        using var web = JsonDocument.Parse(await client.GetStringAsync("/api/v1/history/failovers?resource=web"));
        var only = Assert.Single(web.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(("monitor-failure", "open"), (only.GetProperty("trigger").GetString(), only.GetProperty("status").GetString()));
        Assert.Equal(["web"], only.GetProperty("resources").EnumerateArray().Select(r => r.GetString()));
        var since = Uri.EscapeDataString(HistoryScenario.T0.AddMinutes(4).ToString("O"));
        Assert.Single(ParseCsv(await client.GetStringAsync($"/api/v1/history/failovers?since={since}&format=csv")));
    }

    [Theory]
    [InlineData("failovers?since=yesterday", "time-invalid")]
    [InlineData("events?since=yesterday", "time-invalid")]
    [InlineData("fencing?until=2026-13-01", "time-invalid")]
    [InlineData("changes?since=2026-11-30T10:00:00Z&until=2026-11-30T09:00:00Z", "time-range-invalid")]
    [InlineData("operations?limit=0", "limit-out-of-range")]
    [InlineData("events?limit=10001", "limit-out-of-range")]
    [InlineData("events?limit=many", "limit-out-of-range")]
    [InlineData("events?after=-1", "cursor-invalid")]
    [InlineData("fencing?format=xml", "format-unknown")]
    public async Task Bad_input_is_a_400_problem_with_a_code(string query, string code)
    {
        using var client = await api.ClientAsAsync("aude");
        await Problem.AssertAsync(await client.GetAsync($"/api/v1/history/{query}"), 400, code);
    }
}

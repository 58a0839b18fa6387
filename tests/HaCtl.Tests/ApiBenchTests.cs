using HaCtl.Bench;
using Xunit;

namespace HaCtl.Tests;

/// <summary>hactl bench api's pure parts: percentiles, the open-loop schedule, the last line and the load loops' counting (no wall time asserted).</summary>
public sealed class ApiBenchTests
{
    [Fact]
    public void Percentiles_are_nearest_rank_over_every_sample()
    {
        var hundred = Enumerable.Range(1, 100).Select(i => (double)i).ToList();
        Assert.Equal(50, Latencies.Percentile(hundred, 50));
        Assert.Equal(99, Latencies.Percentile(hundred, 99));
        Assert.Equal(100, Latencies.Percentile(hundred, 100));
        Assert.Equal(1, Latencies.Percentile(hundred, 0));
        // Ten samples: p99 is the largest, p50 the fifth.
        var ten = new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
        Assert.Equal(10, Latencies.Percentile(ten, 99));
        Assert.Equal(5, Latencies.Percentile(ten, 50));
        Assert.Equal(0, Latencies.Percentile([], 99));
        Assert.Throws<ArgumentOutOfRangeException>(() => Latencies.Percentile(ten, 101));
    }

    [Fact]
    public void A_summary_sorts_its_samples_and_counts_errors_apart()
    {
        var latencies = new Latencies();
        foreach (var ms in new[] { 9.0, 1, 5, 3, 7 }) latencies.Add(ms);
        latencies.AddError();
        var s = latencies.Summarize();
        Assert.Equal((5, 1, 5.0, 9.0, 9.0, 9.0), (s.Count, s.Errors, s.P50, s.P90, s.P99, s.Max));
        Assert.Equal("p50_ms=5.00 p90_ms=9.00 p99_ms=9.00 max_ms=9.00", s.Text());
        Assert.Equal("x_p50_ms=5.00 x_p90_ms=9.00 x_p99_ms=9.00 x_max_ms=9.00", s.Text("x_"));
    }

    [Fact]
    public void The_schedule_spaces_requests_evenly_from_the_start()
    {
        Assert.Equal(0, FixedRate.DueTicks(0, 200, 1_000_000_000));
        Assert.Equal(5_000_000, FixedRate.DueTicks(1, 200, 1_000_000_000));
        Assert.Equal(15_000_000_000, FixedRate.DueTicks(3000, 200, 1_000_000_000));
        Assert.Equal(3000, FixedRate.Requests(200, 15));
        Assert.Equal(1, FixedRate.Requests(0.5, 2));
    }

    [Fact]
    public void The_last_line_is_the_issues_format()
    {
        Assert.Equal("api: status_rps=199.9 status_p99_ms=4.25 command_p99_ms=12.50", ApiBench.LastLine(199.94, 4.251, 12.5));
    }

    [Fact]
    public async Task The_fixed_rate_run_sends_every_scheduled_request_once_and_counts_failures_as_errors()
    {
        var sent = 0;
        var (fromSchedule, service, achieved, queued) = await ApiBench.FixedRateAsync(() =>
        {
            var n = Interlocked.Increment(ref sent);
            return n % 10 == 0 ? Task.FromException<bool>(new HttpRequestException("refused")) : Task.FromResult(n % 10 != 5);
        }, clients: 3, rate: 100, seconds: 1);
        Assert.Equal(100, sent);
        Assert.Equal(80, fromSchedule.Count);
        Assert.Equal(20, fromSchedule.Errors);
        Assert.Equal(80, service.Count);
        Assert.True(achieved > 0);
        Assert.InRange(queued, 0, 100);
    }

    [Fact]
    public async Task The_closed_loop_run_counts_what_its_clients_sent()
    {
        var sent = 0;
        var (latencies, rps) = await ApiBench.ClosedLoopAsync(async () =>
        {
            Interlocked.Increment(ref sent);
            await Task.Yield();
            return true;
        }, clients: 2, seconds: 1);
        Assert.Equal(sent, latencies.Count);
        Assert.Equal(0, latencies.Errors);
        Assert.True(rps > 0);
    }

    [Theory]
    [InlineData("ha_bench_api", true)]
    [InlineData("x; DROP DATABASE ha", false)]
    [InlineData("Upper", false)]
    public void The_scratch_database_is_a_plain_name(string name, bool plain) => Assert.Equal(plain, ApiBench.DatabaseName().IsMatch(name));

    [Fact]
    public async Task Bad_settings_are_usage_errors()
    {
        var stderr = new StringWriter();
        Assert.Equal(2, await Cli.RunAsync(["bench", "api", "--clients", "0", "--api-binary", "x", "--data-dir", "d"], new StringWriter(), stderr));
        Assert.Contains("--clients must be positive", stderr.ToString());
        Assert.Equal(2, await Cli.RunAsync(["bench", "api", "--data-dir", "d"], new StringWriter(), new StringWriter()));
    }
}

using System.Globalization;

namespace HaCtl.Bench;

/// <summary>
/// Latency samples of one benchmark phase, in milliseconds, with exact nearest-rank percentiles over every sample (a
/// phase has at most some tens of thousands: sorting them is cheaper than any error a histogram's buckets would add).
/// Thread-safe to add to.
/// </summary>
public sealed class Latencies
{
    private readonly List<double> _ms = [];
    private int _errors;

    public int Count { get { lock (_ms) return _ms.Count; } }
    public int Errors => Volatile.Read(ref _errors);

    public void Add(double ms)
    {
        lock (_ms) _ms.Add(ms);
    }

    public void AddError() => Interlocked.Increment(ref _errors);

    /// <summary>The nearest-rank percentile <paramref name="p"/> of the samples so far (0 for none).</summary>
    public double At(double p)
    {
        double[] sorted;
        lock (_ms) sorted = [.. _ms];
        Array.Sort(sorted);
        return Percentile(sorted, p);
    }

    /// <summary>The sorted samples and what is said of them.</summary>
    public Summary Summarize()
    {
        double[] sorted;
        lock (_ms) sorted = [.. _ms];
        Array.Sort(sorted);
        return new Summary(sorted.Length, Errors, Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 99),
            sorted.Length == 0 ? 0 : sorted[^1]);
    }

    /// <summary>
    /// The nearest-rank percentile of ascending <paramref name="sorted"/>: the smallest sample such that at least
    /// <paramref name="p"/> % of the samples are at or below it (0 for no samples).
    /// </summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 100);
        if (sorted.Count == 0) return 0;
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    public sealed record Summary(int Count, int Errors, double P50, double P90, double P99, double Max)
    {
        /// <summary>"p50_ms=1.23 p90_ms=... p99_ms=... max_ms=..." with two decimals, invariant culture.</summary>
        public string Text(string prefix = "") => string.Create(CultureInfo.InvariantCulture,
            $"{prefix}p50_ms={P50:F2} {prefix}p90_ms={P90:F2} {prefix}p99_ms={P99:F2} {prefix}max_ms={Max:F2}");
    }
}

/// <summary>An open-loop schedule: request <c>i</c> (from 0) is due <c>i / rate</c> seconds after the start, whether or not earlier ones have returned.</summary>
public static class FixedRate
{
    /// <summary>When request <paramref name="index"/> is due, in <see cref="System.Diagnostics.Stopwatch"/> ticks after the start.</summary>
    public static long DueTicks(long index, double ratePerSecond, long ticksPerSecond) =>
        (long)Math.Round(index * (double)ticksPerSecond / ratePerSecond);

    /// <summary>How many requests the schedule holds for <paramref name="seconds"/> at <paramref name="ratePerSecond"/>.</summary>
    public static int Requests(double ratePerSecond, double seconds) => (int)Math.Round(ratePerSecond * seconds);
}

using System.Diagnostics;
using System.Globalization;

namespace Cib.Projections.ReadModels.History;

/// <summary>
/// Where the stored history's writer spends its batches' time, cumulative over the writer's life: per phase of a batch
/// (the state row locked and the events read, their fold with the rows it updates read, the replay snapshots' fold,
/// the one round trip that writes it all, the commit). A diagnostic for <c>./ha bench store</c>; it changes nothing written.
/// </summary>
public sealed class FoldTimings
{
    public enum Phase { Begin, Fold, Snapshots, Write, Commit }

    private readonly long[] _ticks = new long[Enum.GetValues<Phase>().Length];
    private long _batches, _events;

    internal Lapper Start() => new(this, Stopwatch.GetTimestamp());

    internal void Add(int events)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _events, events);
    }

    /// <summary>Starts counting again (a phase of a benchmark).</summary>
    public void Reset()
    {
        for (var i = 0; i < _ticks.Length; i++) Interlocked.Exchange(ref _ticks[i], 0);
        Interlocked.Exchange(ref _batches, 0);
        Interlocked.Exchange(ref _events, 0);
    }

    public long Batches => Interlocked.Read(ref _batches);

    public long Events => Interlocked.Read(ref _events);

    public TimeSpan Of(Phase phase) => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks[(int)phase]));

    /// <summary>One line: batches, events, and each phase's total and share.</summary>
    public override string ToString()
    {
        var total = Enum.GetValues<Phase>().Sum(p => Of(p).TotalMilliseconds);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Batches} batches, {Events} events, {total:F0} ms: ")
            + string.Join(", ", Enum.GetValues<Phase>().Select(p => string.Create(CultureInfo.InvariantCulture,
                $"{p.ToString().ToLowerInvariant()} {Of(p).TotalMilliseconds:F0} ms")));
    }

    internal struct Lapper(FoldTimings timings, long started)
    {
        private long _last = started;

        public void Lap(Phase phase)
        {
            var now = Stopwatch.GetTimestamp();
            Interlocked.Add(ref timings._ticks[(int)phase], now - _last);
            _last = now;
        }
    }
}

namespace LabSupport;

/// <summary>What the observer saw of one node at one instant.</summary>
public sealed record NodeSample(string Node, bool Alive, bool LinkUp, bool HoldsVip, bool HoldsMount, int ApacheProcesses)
{
    public bool RunsApache => ApacheProcesses > 0;
}

/// <summary>One inspection of every node; <see cref="At"/> is time since the observer started.</summary>
public sealed record Sample(TimeSpan At, IReadOnlyList<NodeSample> Nodes)
{
    public NodeSample this[string node] => Nodes.Single(n => n.Node == node);
}

/// <summary>
/// One HTTP GET of the VIP: sent at; answered at (null when nothing answered: timeout, unreachable); whether
/// the page came back. A refused connection is an answer (a host holds the VIP) without the page: what a
/// VIP-only group looks like.
/// </summary>
public sealed record Probe(TimeSpan SentAt, TimeSpan? AnsweredAt, bool Served, string Outcome)
{
    public bool Answered => AnsweredAt is not null;
}

/// <summary>An instant at which more than one node held something only one may hold.</summary>
public sealed record DoubleHolding(TimeSpan At, string What, IReadOnlyList<string> Nodes)
{
    public override string ToString() => $"{At.TotalMilliseconds:F0} ms: {What} held by {string.Join(", ", Nodes)}";
}

/// <summary>The observer's record, with the questions an end-to-end test asks of it.</summary>
public sealed class Timeline(DateTimeOffset startedAt, IReadOnlyList<Sample> samples, IReadOnlyList<Probe> probes, TimeSpan duration)
{
    public DateTimeOffset StartedAt { get; } = startedAt;
    public IReadOnlyList<Sample> Samples { get; } = samples;
    public IReadOnlyList<Probe> Probes { get; } = probes;
    public TimeSpan Duration { get; } = duration;

    /// <summary>Samples per second over the span from the first sample to the last.</summary>
    public double SamplesPerSecond => Rate(Samples.Select(s => s.At).ToList());

    /// <summary>Probes sent per second over the span from the first probe to the last.</summary>
    public double ProbesPerSecond => Rate(Probes.Select(p => p.SentAt).Order().ToList());

    private static double Rate(IReadOnlyList<TimeSpan> instants) =>
        instants.Count < 2 || instants[^1] <= instants[0] ? 0 : (instants.Count - 1) / (instants[^1] - instants[0]).TotalSeconds;

    /// <summary>Largest gap between consecutive samples: the blind spot of "at no instant".</summary>
    public TimeSpan LargestSampleGap =>
        Samples.Count < 2 ? Duration : Samples.Zip(Samples.Skip(1), (a, b) => b.At - a.At).Max();

    /// <summary>
    /// Every sample in which two or more live nodes held the VIP, the shared mount or a running apache.
    /// A node whose PID 1 is dead holds nothing, whatever its network namespace still has configured.
    /// </summary>
    public IReadOnlyList<DoubleHolding> DoubleHoldings()
    {
        var found = new List<DoubleHolding>();
        foreach (var s in Samples)
        {
            Check(s, "the VIP", n => n.HoldsVip);
            Check(s, "the shared mount", n => n.HoldsMount);
            Check(s, "a running apache", n => n.RunsApache);
        }
        return found;

        void Check(Sample s, string what, Func<NodeSample, bool> holds)
        {
            var holders = s.Nodes.Where(n => n.Alive && holds(n)).Select(n => n.Node).ToList();
            if (holders.Count > 1) found.Add(new DoubleHolding(s.At, what, holders));
        }
    }

    /// <summary>
    /// The longest stretch during which two or more live nodes held what <paramref name="holds"/> tests: from the first
    /// sample that saw it held twice to the first that did not (zero when it never was).
    /// </summary>
    public TimeSpan LongestHeldTwice(Func<NodeSample, bool> holds)
    {
        var longest = TimeSpan.Zero;
        TimeSpan? since = null;
        foreach (var s in Samples)
        {
            var twice = s.Nodes.Count(n => n.Alive && holds(n)) > 1;
            if (twice && since is null) since = s.At;
            else if (!twice && since is { } from)
            {
                if (s.At - from > longest) longest = s.At - from;
                since = null;
            }
        }
        if (since is { } open && Duration - open > longest) longest = Duration - open;
        return longest;
    }

    /// <summary>The first probe sent at or after <paramref name="after"/> that got the page.</summary>
    public Probe? FirstServedAfter(TimeSpan after) => Probes.Where(p => p.SentAt >= after && p.Served).MinBy(p => p.AnsweredAt);

    /// <summary>The first probe sent at or after <paramref name="after"/> that some host holding the VIP answered (page or not).</summary>
    public Probe? FirstAnsweredAfter(TimeSpan after) => Probes.Where(p => p.SentAt >= after && p.Answered).MinBy(p => p.AnsweredAt);

    /// <summary>The first probe sent at or after <paramref name="after"/> that did not get the page.</summary>
    public Probe? FirstFailedAfter(TimeSpan after) => Probes.Where(p => p.SentAt >= after && !p.Served).MinBy(p => p.SentAt);

    /// <summary>The first sample at or after <paramref name="after"/> that satisfies <paramref name="condition"/>.</summary>
    public Sample? FirstSample(TimeSpan after, Func<Sample, bool> condition) => Samples.FirstOrDefault(s => s.At >= after && condition(s));

    /// <summary>A readable summary: rates, holders over time (changes only), probes' outcome changes.</summary>
    public string Describe()
    {
        var lines = new List<string>
        {
            $"observer: {Samples.Count} samples ({SamplesPerSecond:F1}/s, largest gap {LargestSampleGap.TotalMilliseconds:F0} ms), " +
            $"{Probes.Count} probes ({ProbesPerSecond:F1}/s) over {Duration.TotalSeconds:F1} s from {StartedAt:O}",
        };
        string? last = null;
        foreach (var s in Samples)
        {
            var state = string.Join(" | ", s.Nodes.Select(n =>
                $"{n.Node}:{(n.Alive ? "up" : "down")}{(n.LinkUp ? "" : ",cut")}{(n.HoldsVip ? ",vip" : "")}{(n.HoldsMount ? ",mount" : "")}{(n.RunsApache ? $",apache×{n.ApacheProcesses}" : "")}"));
            if (state != last) lines.Add($"  {s.At.TotalMilliseconds,8:F0} ms  {state}");
            last = state;
        }
        string? served = null;
        foreach (var p in Probes.OrderBy(p => p.SentAt))
        {
            var outcome = p.Served ? "served" : p.Answered ? "answered" : "silent";
            if (outcome != served) lines.Add($"  {p.SentAt.TotalMilliseconds,8:F0} ms  VIP {outcome} ({p.Outcome})");
            served = outcome;
        }
        return string.Join('\n', lines);
    }
}

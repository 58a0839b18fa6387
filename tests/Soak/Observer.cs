using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using LabSupport;

namespace Soak;

/// <summary>What the observer saw of one node at one instant, through the kernel only.</summary>
public sealed record NodeState(string Node, bool Alive, bool LinkUp, bool Runtime, IReadOnlySet<string> Addresses, bool Mount, int Apache,
    IReadOnlySet<string> Dummies)
{
    public override string ToString() =>
        $"{Node}:{(Alive ? "up" : "down")}{(LinkUp ? "" : ",cut")}{(Alive && !Runtime ? ",no-runtime" : "")}" +
        string.Concat(Addresses.Where(a => a != Lab.Address(Node)).Order().Select(a => "," + a)) +
        (Mount ? ",mount" : "") + (Apache > 0 ? ",apache" : "") + string.Concat(Dummies.Order().Select(d => "," + d));
}

public sealed record Observation(TimeSpan At, IReadOnlyList<NodeState> Nodes);

/// <summary>One ARP request for a VIP from the root namespace: the nodes whose MAC answered.</summary>
public sealed record ArpAnswer(TimeSpan At, string Address, IReadOnlyList<string> Nodes, IReadOnlyList<string> UnknownMacs);

public sealed record PageAnswer(TimeSpan SentAt, bool Served, string Outcome);

/// <summary>
/// The soak's observer. It shares no code with the product and never asks it: every 100 ms it reads each node through
/// the kernel (its PID 1 alive, its host-side link, the addresses of its network namespace, its mounts, the apache2 and
/// ha-node processes of its PID namespace, the Dummy agents' state files in its private /run); every 100 ms it GETs the
/// page from the VIP over HTTP; every 500 ms it sends ARP requests for every VIP on the bridge (arping) and maps each
/// answering MAC to its node. What it saw is judged by <see cref="Judge"/>.
/// </summary>
public sealed partial class SoakObserver : IAsyncDisposable
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ArpInterval = TimeSpan.FromMilliseconds(500);
    private const string DummyStateDirectory = "run/resource-agents";

    private readonly Lab _lab;
    private readonly IReadOnlyList<string> _nodes;
    private readonly IReadOnlyList<string> _vips;
    private readonly string? _device;
    private readonly Dictionary<string, string> _macs;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http;
    private readonly List<Observation> _samples = [];
    private readonly List<PageAnswer> _pages = [];
    private readonly List<ArpAnswer> _arps = [];
    private readonly List<Task> _loops = [];
    private readonly List<Task> _inflight = [];
    private readonly List<string> _errors = [];

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public TimeSpan Now => _clock.Elapsed;

    public SoakObserver(Lab lab, IReadOnlyList<string> vips)
    {
        _lab = lab;
        _nodes = lab.Nodes;
        _vips = vips;
        _device = File.Exists(Path.Combine(lab.StateDirectory, "disk", "device")) ? lab.DiskDevice : null;
        _macs = _nodes.ToDictionary(n => MacOf(n), n => n, StringComparer.OrdinalIgnoreCase);
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(1), PooledConnectionLifetime = TimeSpan.Zero })
        { Timeout = TimeSpan.FromSeconds(1) };
        _loops.Add(Every(SampleInterval, () => { var s = Inspect(); lock (_samples) _samples.Add(s); }));
        _loops.Add(Every(SampleInterval, () =>
        {
            var t = ProbePageAsync();
            lock (_inflight) { _inflight.RemoveAll(x => x.IsCompleted); _inflight.Add(t); }
        }));
        _loops.Add(Every(ArpInterval, () => { foreach (var vip in _vips) { var a = Arp(vip); if (a is not null) lock (_arps) _arps.Add(a); } }));
    }

    public Observation Latest { get { lock (_samples) return _samples.Count > 0 ? _samples[^1] : Inspect(); } }

    public IReadOnlyList<Observation> Samples { get { lock (_samples) return _samples.ToList(); } }

    /// <summary>The observations from <paramref name="from"/> on: a recent window without copying the whole run.</summary>
    public IReadOnlyList<Observation> SamplesSince(TimeSpan from)
    {
        lock (_samples)
        {
            var first = _samples.FindLastIndex(o => o.At < from) + 1;
            return _samples.GetRange(first, _samples.Count - first);
        }
    }

    /// <summary>The page probes sent from <paramref name="from"/> on, in the order sent.</summary>
    public IReadOnlyList<PageAnswer> PagesSince(TimeSpan from) { lock (_pages) return _pages.Where(p => p.SentAt >= from).OrderBy(p => p.SentAt).ToList(); }
    public IReadOnlyList<PageAnswer> Pages { get { lock (_pages) return _pages.OrderBy(p => p.SentAt).ToList(); } }
    public IReadOnlyList<ArpAnswer> Arps { get { lock (_arps) return _arps.ToList(); } }

    /// <summary>What the observer could not read, in its own words (the first 20): a blind spot the report shows.</summary>
    public IReadOnlyList<string> Errors { get { lock (_errors) return _errors.ToList(); } }

    /// <summary>A one-line account of the observation: how much, how often, its largest blind gap.</summary>
    public string Describe()
    {
        var samples = Samples;
        var gap = samples.Zip(samples.Skip(1), (a, b) => b.At - a.At).DefaultIfEmpty().Max();
        return $"observer: {samples.Count} observations of every node (largest gap {gap.TotalMilliseconds:F0} ms), {Pages.Count} page probes, " +
               $"{Arps.Count} ARP requests, {Errors.Count} read errors over {Now.TotalMinutes:F1} min";
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_loops);
        Task[] pending;
        lock (_inflight) pending = _inflight.ToArray();
        await Task.WhenAll(pending);
        _http.Dispose();
        _stop.Dispose();
    }

    private Task Every(TimeSpan interval, Action action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var next = _clock.Elapsed;
            while (!_stop.IsCancellationRequested)
            {
                try { action(); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // A node vanishing mid-read, a helper that did not start: this round is lost, the next one goes on.
                    lock (_errors) if (_errors.Count < 20) _errors.Add($"{_clock.Elapsed.TotalSeconds:F1} s: {e.GetType().Name}: {e.Message}");
                }
                next += interval;
                var now = _clock.Elapsed;
                if (next < now) next = now;
                else if (_stop.Token.WaitHandle.WaitOne(next - now)) break;
            }
            done.SetResult();
        }) { IsBackground = true, Priority = ThreadPriority.AboveNormal, Name = "soak observer" };
        thread.Start();
        return done.Task;
    }

    private Observation Inspect()
    {
        var at = _clock.Elapsed;
        var apache = ProcFs.CountByPidNamespace("apache2");
        var runtimes = ProcFs.CountByPidNamespace("ha-node");
        var nodes = new List<NodeState>(_nodes.Count);
        foreach (var node in _nodes)
        {
            var link = ProcFs.ReadOrNull($"/sys/class/net/{Lab.HostLink(node)}/operstate")?.Trim() == "up";
            if (_lab.TiniPid(node) is not { } pid)
            {
                nodes.Add(new NodeState(node, false, link, false, new HashSet<string>(), false, 0, new HashSet<string>()));
                continue;
            }
            var fib = ProcFs.ReadOrNull($"/proc/{pid}/net/fib_trie") ?? "";
            var mounts = ProcFs.ReadOrNull($"/proc/{pid}/mounts") ?? "";
            var pidNs = ProcFs.Namespace(pid, "pid");
            var dummies = new HashSet<string>();
            try
            {
                foreach (var f in Directory.EnumerateFiles($"/proc/{pid}/root/{DummyStateDirectory}", "Dummy-*.state"))
                    dummies.Add(Path.GetFileName(f)["Dummy-".Length..^".state".Length]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            var alive = ProcFs.IsLiveProcess(pid, "tini");
            nodes.Add(new NodeState(node, alive, link, alive && pidNs is not null && runtimes.GetValueOrDefault(pidNs) > 0,
                alive ? ProcFs.LocalAddresses(fib).ToHashSet() : new HashSet<string>(),
                alive && ProcFs.HasMount(mounts, _device, Lab.SharedMount),
                alive && pidNs is not null ? apache.GetValueOrDefault(pidNs) : 0,
                alive ? dummies : new HashSet<string>()));
        }
        return new Observation(at, nodes);
    }

    private async Task ProbePageAsync()
    {
        var sent = _clock.Elapsed;
        PageAnswer answer;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{Lab.Vip}/");
            request.Headers.ConnectionClose = true;
            using var response = await _http.SendAsync(request, _stop.Token);
            var body = await response.Content.ReadAsStringAsync(_stop.Token);
            answer = new PageAnswer(sent, response.StatusCode == HttpStatusCode.OK && body.Contains("served from the shared disk", StringComparison.Ordinal),
                $"HTTP {(int)response.StatusCode}");
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { return; }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { answer = new PageAnswer(sent, false, e.GetType().Name); }
        lock (_pages) _pages.Add(answer);
    }

    /// <summary>
    /// Two broadcast ARP requests for <paramref name="address"/> on the lab's bridge, 100 ms apart, up to 400 ms of answers.
    /// Every holder answers each request; the distinct MACs say who holds it.
    /// </summary>
    private ArpAnswer? Arp(string address)
    {
        var at = _clock.Elapsed;
        var psi = new ProcessStartInfo("arping", ["-b", "-c", "2", "-i", "0.1", "-w", "0.4", "-I", Lab.Bridge, address])
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi);
        if (p is null) return null;
        var output = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        var macs = MacPattern().Matches(output).Select(m => m.Groups[1].Value).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return new ArpAnswer(at, address,
            macs.Where(_macs.ContainsKey).Select(m => _macs[m]).Order().ToList(),
            macs.Where(m => !_macs.ContainsKey(m)).ToList());
    }

    private static string MacOf(string node)
    {
        var psi = new ProcessStartInfo("ip", ["-n", Lab.Namespace(node), "-o", "link", "show", "dev", "eth0"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("ip did not start");
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return EtherPattern().Match(output) is { Success: true } m ? m.Groups[1].Value
            : throw new InvalidOperationException($"no MAC for {node}'s eth0: {output}");
    }

    [GeneratedRegex(@"reply from [0-9.]+ \[([0-9A-Fa-f:]{17})\]")]
    private static partial Regex MacPattern();

    [GeneratedRegex(@"link/ether ([0-9a-f:]{17})")]
    private static partial Regex EtherPattern();
}

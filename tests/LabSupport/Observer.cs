using System.Diagnostics;
using System.Net;

namespace LabSupport;

/// <summary>
/// An independent observer of the lab: it never asks the product. Every <see cref="Interval"/> it GETs the
/// VIP over HTTP from the root namespace (fresh connection each time, no proxy) and inspects every node
/// through the kernel: the node's PID 1 (alive), its host-side link (cut), the addresses of its network
/// namespace (/proc/PID/net/fib_trie), its mounts (/proc/PID/mounts) and the apache2 processes in its
/// PID namespace. <see cref="StopAsync"/> returns the <see cref="Timeline"/>.
/// </summary>
public sealed class Observer : IAsyncDisposable
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(50);

    private readonly Lab _lab;
    private readonly IReadOnlyList<string> _nodes;
    private readonly string? _device;
    private readonly string _pageMarker;
    private readonly Stopwatch _clock = new();
    private readonly List<Sample> _samples = [];
    private readonly List<Probe> _probes = [];
    private readonly List<Task> _inflight = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http;
    private DateTimeOffset _startedAt;
    private TimeSpan? _stoppedAt;
    private Task? _sampling, _probing;

    public TimeSpan Interval { get; }
    public TimeSpan ProbeTimeout { get; }

    /// <summary>Time since the observer started: marks to compare the timeline with (e.g. the instant of a crash).</summary>
    public TimeSpan Now => _clock.Elapsed;

    private Observer(Lab lab, TimeSpan interval, TimeSpan probeTimeout, string pageMarker)
    {
        _lab = lab;
        _nodes = lab.Nodes;
        _device = File.Exists(Path.Combine(lab.StateDirectory, "disk", "device")) ? lab.DiskDevice : null;
        _pageMarker = pageMarker;
        Interval = interval;
        ProbeTimeout = probeTimeout;
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = probeTimeout,
            PooledConnectionLifetime = TimeSpan.Zero,
        }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// Starts observing the lab's nodes. The page counts as served when its body contains <paramref name="pageMarker"/>.
    /// Without <paramref name="probeVip"/> only the nodes are inspected (a cluster with a VIP and no web server).
    /// </summary>
    public static Observer Start(Lab lab, TimeSpan? interval = null, TimeSpan? probeTimeout = null, string pageMarker = "served from the shared disk",
        bool probeVip = true)
    {
        var o = new Observer(lab, interval ?? DefaultInterval, probeTimeout ?? TimeSpan.FromMilliseconds(1000), pageMarker);
        o._startedAt = DateTimeOffset.UtcNow;
        o._clock.Start();
        o._sampling = o.Every(() => { var s = o.Inspect(); lock (o._samples) o._samples.Add(s); }, "lab observer: nodes");
        if (probeVip)
            o._probing = o.Every(() => { var t = o.ProbeAsync(); lock (o._inflight) { o._inflight.RemoveAll(x => x.IsCompleted); o._inflight.Add(t); } }, "lab observer: VIP");
        return o;
    }

    /// <summary>The timeline so far (a copy), without stopping.</summary>
    public Timeline Snapshot()
    {
        lock (_samples) lock (_probes)
            return new Timeline(_startedAt, _samples.ToList(), _probes.ToList(), _stoppedAt ?? _clock.Elapsed);
    }

    /// <summary>Waits until a sample taken after now satisfies <paramref name="condition"/>; false on timeout.</summary>
    public async Task<bool> WaitForAsync(Func<Sample, bool> condition, TimeSpan timeout)
    {
        var from = Now;
        var deadline = from + timeout;
        while (Now < deadline)
        {
            lock (_samples) if (_samples.Any(s => s.At >= from && condition(s))) return true;
            await Task.Delay(Interval);
        }
        return false;
    }

    /// <summary>Waits until a probe sent after now is answered (the page or a refused connection); false on timeout.</summary>
    public async Task<bool> WaitForAnswerAsync(TimeSpan timeout)
    {
        var from = Now;
        var deadline = from + timeout;
        while (Now < deadline)
        {
            lock (_probes) if (_probes.Any(p => p.SentAt >= from && p.Answered)) return true;
            await Task.Delay(Interval);
        }
        return false;
    }

    /// <summary>Waits until a probe sent after now has <paramref name="served"/> as its outcome; false on timeout.</summary>
    public async Task<bool> WaitForPageAsync(bool served, TimeSpan timeout)
    {
        var from = Now;
        var deadline = from + timeout;
        while (Now < deadline)
        {
            lock (_probes) if (_probes.Any(p => p.SentAt >= from && p.Served == served)) return true;
            await Task.Delay(Interval);
        }
        return false;
    }

    public async Task<Timeline> StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stoppedAt = _clock.Elapsed;
            _stop.Cancel();
        }
        try { await Task.WhenAll(_sampling ?? Task.CompletedTask, _probing ?? Task.CompletedTask); } catch (OperationCanceledException) { }
        Task[] pending;
        lock (_inflight) pending = _inflight.ToArray();
        await Task.WhenAll(pending);
        _clock.Stop();
        return Snapshot();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a thread of its own at fixed instants (start + k × interval), so a busy
    /// thread pool (the test, the product, dotnet test on 2 cores) does not stretch the gaps; when late, it
    /// runs at once and goes on from there.
    /// </summary>
    private Task Every(Action action, string name)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                var next = _clock.Elapsed;
                while (!_stop.IsCancellationRequested)
                {
                    action();
                    next += Interval;
                    var now = _clock.Elapsed;
                    if (next < now) next = now;
                    else if (_stop.Token.WaitHandle.WaitOne(next - now)) break;
                }
                done.SetResult();
            }
            catch (Exception e) { done.SetException(e); }
        }) { IsBackground = true, Name = name, Priority = ThreadPriority.AboveNormal };
        thread.Start();
        return done.Task;
    }

    private Sample Inspect()
    {
        var at = _clock.Elapsed;
        var apache = ProcFs.CountByPidNamespace("apache2");
        var nodes = new List<NodeSample>(_nodes.Count);
        foreach (var node in _nodes)
        {
            var link = ProcFs.ReadOrNull($"/sys/class/net/{Lab.HostLink(node)}/operstate")?.Trim() == "up";
            if (_lab.TiniPid(node) is not { } pid)
            {
                nodes.Add(new NodeSample(node, false, link, false, false, 0));
                continue;
            }
            var fib = ProcFs.ReadOrNull($"/proc/{pid}/net/fib_trie") ?? "";
            var mounts = ProcFs.ReadOrNull($"/proc/{pid}/mounts") ?? "";
            var pidNs = ProcFs.Namespace(pid, "pid");
            var alive = ProcFs.IsLiveProcess(pid, "tini");
            nodes.Add(new NodeSample(node, alive, link,
                alive && ProcFs.LocalAddresses(fib).Contains(Lab.Vip),
                alive && ProcFs.HasMount(mounts, _device, Lab.SharedMount),
                alive && pidNs is not null ? apache.GetValueOrDefault(pidNs) : 0));
        }
        return new Sample(at, nodes);
    }

    private async Task ProbeAsync()
    {
        var sent = _clock.Elapsed;
        Probe probe;
        using var cts = new CancellationTokenSource(ProbeTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{Lab.Vip}/");
            request.Headers.ConnectionClose = true;
            using var response = await _http.SendAsync(request, cts.Token);
            var body = await response.Content.ReadAsStringAsync(cts.Token);
            var served = response.StatusCode == HttpStatusCode.OK && body.Contains(_pageMarker, StringComparison.Ordinal);
            probe = new Probe(sent, _clock.Elapsed, served, $"HTTP {(int)response.StatusCode}");
        }
        catch (OperationCanceledException) { probe = new Probe(sent, null, false, "timeout"); }
        catch (HttpRequestException e) when (e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused })
        {
            probe = new Probe(sent, _clock.Elapsed, false, "connection refused");
        }
        catch (HttpRequestException e) { probe = new Probe(sent, null, false, e.HttpRequestError.ToString()); }
        lock (_probes) _probes.Add(probe);
    }
}

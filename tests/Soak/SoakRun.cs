using System.Diagnostics;
using System.Globalization;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels;
using Cib.Projections.Store;
using LabSupport;

namespace Soak;

/// <summary>The soak's settings (./ha soak's options).</summary>
public sealed record SoakOptions(int Faults = 200, int Seed = 1, int Nodes = 3, bool Replicated = true, int Vips = 2, int Dummies = 3,
    bool KeepLab = false)
{
    public IReadOnlyList<FaultKind> Kinds => Replicated ? Enum.GetValues<FaultKind>() : Enum.GetValues<FaultKind>().Where(k => k != FaultKind.StorePrimaryLoss).ToArray();
}

/// <summary>A violation of a promise, with what the run had done just before and what the log recorded around it.</summary>
public sealed record Violation(string What, TimeSpan At, int? AfterFault, IReadOnlyList<string> Around);

/// <summary>Faults injected between two instants at which the cluster had settled; the instant it settled again.</summary>
public sealed record Window(IReadOnlyList<Injected> Faults, TimeSpan? SettledAt);

public sealed record SoakReport(SoakOptions Options, IReadOnlyList<Injected> Faults, IReadOnlyDictionary<int, TimeSpan> Recovery,
    IReadOnlyList<Violation> Violations, int Acknowledged, IReadOnlyList<long> Lost, string Replay, string Text)
{
    public TimeSpan MaxRecovery => Recovery.Values.DefaultIfEmpty().Max();
    public string LastLine => $"soak: faults={Faults.Count} violations={Violations.Count} lost_events={Lost.Count} max_recovery_ms={(long)MaxRecovery.TotalMilliseconds}";
}

/// <summary>
/// ./ha soak: brings the lab up (N nodes, the replicated store or the embedded one, the API on every node), loads the
/// soak's cluster (the lab's Apache group with fencing, <see cref="SoakOptions.Vips"/> more VIPs and
/// <see cref="SoakOptions.Dummies"/> Dummy resources), starts the observer and the ledger, then injects the plan's faults:
/// each after the cluster settled (every primitive active once, the page served, for 2 s; every machine up with its link
/// and runtime; the product's status with every node online; after a store fault, every store member back), or, when the
/// plan says so, overlapping the previous one. At the end it checks the ledger and the log's replay and writes the report.
/// </summary>
public sealed class SoakRun(SoakOptions options, TextWriter log)
{
    private const string AdminUser = "soak";

    public async Task<SoakReport> RunAsync()
    {
        var lab = new Lab();
        var directory = Path.Combine(lab.Root, ".ha", "soak", $"seed-{options.Seed}");
        Directory.CreateDirectory(directory);
        var started = DateTimeOffset.UtcNow;
        log.WriteLine($"soak: seed={options.Seed} faults={options.Faults} nodes={options.Nodes} store={(options.Replicated ? "replicated" : "single")}; {Machine()}");
        var password = await UpAsync(lab, directory);
        var primitives = Judge.Primitives(options.Vips, options.Dummies);
        var violations = new List<Violation>();
        var injected = new List<Injected>();
        var windows = new List<Window>();
        using var store = new StoreReader(lab.StoreUrl);
        using var admin = new AdminClient(lab, AdminUser, password);
        var observer = new SoakObserver(lab, [Lab.Vip, .. Enumerable.Range(1, options.Vips).Select(Judge.VipAddress)]);
        IReadOnlyList<long> lost = [];
        int acknowledged;
        string replay;
        try
        {
            var settle = new Settler(lab, observer, admin, store, primitives, log);
            if (!await settle.UntilSettledAsync(TimeSpan.FromSeconds(240), storeFaulted: false))
                throw new InvalidOperationException("the soak's cluster never settled before the first fault: " + settle.LastReason);
            await using var ledger = Ledger.Start(Hactl(lab), lab.StoreUrl, directory);
            var injector = new Injector(lab, observer, admin, store, primitives, log);
            var plan = FaultPlan.Draw(options.Seed, options.Faults, options.Kinds);
            var window = new List<Injected>();
            var aborted = false;
            foreach (var fault in plan)
            {
                if (!fault.Overlaps && window.Count > 0)
                {
                    var settled = await CloseWindowAsync(window);
                    if (settled is null && !await RepairAsync(settle, lab, admin, violations, window)) { aborted = true; break; }
                }
                await Task.Delay(fault.Lead);
                Injected i;
                try { i = await injector.InjectAsync(fault); }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException or Polly.Timeout.TimeoutRejectedException)
                {
                    violations.Add(new Violation($"fault {fault.Index} ({Faults.Name(fault.Kind)}) could not be injected: {e.Message}", observer.Now, fault.Index, []));
                    continue;
                }
                injected.Add(i);
                window.Add(i);
                log.WriteLine($"soak: {observer.Now.TotalSeconds,8:F1} s  fault {fault.Index,3} {Faults.Name(fault.Kind),-18} {(fault.Overlaps ? "overlapping " : "")}{i.Target}: {i.Detail}");
            }
            if (!aborted && window.Count > 0 && await CloseWindowAsync(window) is null) await RepairAsync(settle, lab, admin, violations, window);
            await ledger.DisposeAsync();
            acknowledged = ledger.Acknowledged().Count;
            lost = await ledger.MissingAsync(store);
            if (lost.Count > 0) violations.Add(new Violation($"{lost.Count} acknowledged appends missing from the log at the end: {string.Join(", ", lost.Take(20))}", observer.Now, null, []));
            replay = await ReplayAsync(lab, violations, observer.Now);

            async Task<TimeSpan?> CloseWindowAsync(List<Injected> w)
            {
                await Task.WhenAll(w.Select(x => x.End.ContinueWith(t =>
                {
                    if (t.Exception is { } e) violations.Add(new Violation($"fault {x.Fault.Index}'s end failed: {e.InnerException?.Message}", observer.Now, x.Fault.Index, []));
                })));
                var due = w.Max(x => x.At + x.Fault.Bound);
                var storeFaulted = w.Any(x => x.Fault.Kind == FaultKind.StorePrimaryLoss);
                var limit = due - observer.Now + TimeSpan.FromSeconds(90);
                var ok = await settle.UntilSettledAsync(limit > TimeSpan.FromSeconds(30) ? limit : TimeSpan.FromSeconds(30), storeFaulted);
                TimeSpan? at = ok ? observer.Now : null;
                windows.Add(new Window(w.ToList(), at));
                if (!ok)
                    violations.Add(new Violation($"the cluster did not settle after fault{(w.Count > 1 ? "s" : "")} {string.Join(", ", w.Select(x => x.Fault.Index))}: {settle.LastReason}",
                        observer.Now, w[^1].Fault.Index, []));
                if (storeFaulted && (await ledger.MissingAsync(store)) is { Count: > 0 } missing)
                    violations.Add(new Violation($"after the store failover of fault {w.First(x => x.Fault.Kind == FaultKind.StorePrimaryLoss).Fault.Index}: {missing.Count} acknowledged appends missing: {string.Join(", ", missing.Take(20))}",
                        observer.Now, w[^1].Fault.Index, []));
                w.Clear();
                return at;
            }
        }
        finally
        {
            await observer.DisposeAsync();
        }

        var recovery = Recoveries(observer, primitives, windows, violations);
        violations.AddRange(DoubleActives(observer, primitives, injected));
        foreach (var v in violations.ToList())
        {
            if (v.Around.Count > 0) continue;
            var wall = observer.StartedAt + v.At;
            var around = await store.EventsBetweenAsync(wall - TimeSpan.FromSeconds(5), wall + TimeSpan.FromSeconds(5), Ledger.Property);
            violations[violations.IndexOf(v)] = v with { Around = around };
        }
        var text = Report.Write(options, started, injected, recovery, violations, acknowledged, lost, replay, Machine(), observer.Describe(), observer.Errors);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.txt"), text);
        KeepLogs(lab, directory);
        if (violations.Count > 0)
        {
            // The whole log, as hactl prints it, for whoever looks into a violation after the lab (and its store) is gone.
            var printed = await Command.RunAsync(Hactl(lab), ["log", "--store"], new Dictionary<string, string> { ["HA_CONNECTION"] = lab.StoreUrl }, TimeSpan.FromMinutes(5));
            await File.WriteAllTextAsync(Path.Combine(directory, "logs", "log.txt"), printed.Output + printed.Error);
        }
        var report = new SoakReport(options, injected, recovery, violations.OrderBy(v => v.At).ToList(), acknowledged, lost, replay, text);
        if (!options.KeepLab) await lab.DownAsync();
        return report;
    }

    /// <summary>Lab up, the soak's configuration loaded, its admin created. Returns the admin's password.</summary>
    private async Task<string> UpAsync(Lab lab, string directory)
    {
        string[] args = options.Replicated ? ["up", options.Nodes.ToString(CultureInfo.InvariantCulture), "--store", "replicated"] : ["up", options.Nodes.ToString(CultureInfo.InvariantCulture)];
        var env = new Dictionary<string, string> { ["HA_LAB_API"] = "1", ["HA_LAB_DATABASE"] = "ha_soak" };
        var up = await lab.RunLabAsync(args, env, TimeSpan.FromSeconds(300));
        if (!up.Succeeded) throw new InvalidOperationException(up.ToString());
        var configuration = SoakCluster.Configuration(await File.ReadAllTextAsync(Path.Combine(lab.StateDirectory, "apache-cluster.crm")), options.Vips, options.Dummies);
        var file = Path.Combine(directory, "cluster.crm");
        await File.WriteAllTextAsync(file, configuration);
        var hactl = new Dictionary<string, string> { ["HA_CONNECTION"] = lab.StoreUrl };
        await Command.RunAsync(Path.Combine(lab.Root, "ha"), ["hactl", "configure", "load", "replace", file, "--store"], hactl, TimeSpan.FromSeconds(120)).Checked();
        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var add = new ProcessStartInfo(Path.Combine(lab.Root, "ha"), ["hactl", "user", "add", AdminUser, "--role", "admin", "--store"])
        { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        add.Environment["HA_CONNECTION"] = lab.StoreUrl;
        using var p = Process.Start(add) ?? throw new InvalidOperationException("hactl user add did not start");
        await p.StandardInput.WriteLineAsync(password);
        p.StandardInput.Close();
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException("hactl user add soak: " + error);
        log.WriteLine($"soak: lab up ({options.Nodes} nodes); configuration {file}; admin '{AdminUser}' created");
        return password;
    }

    /// <summary>
    /// After a window that did not settle in time: what a person would do to get the cluster back (the fence device
    /// serving, links healed, machines booted, runtimes started, store members back, nodes online, the move cleared), then
    /// a settle again. False when even that fails: the run stops there.
    /// </summary>
    private async Task<bool> RepairAsync(Settler settle, Lab lab, AdminClient admin, List<Violation> violations, List<Injected> window)
    {
        log.WriteLine($"soak: repairing the cluster by hand: {settle.LastReason}");
        await lab.RunLabAsync(["hypervisor", "accept"]);
        foreach (var n in settle.Observer.Latest.Nodes)
        {
            if (!n.Alive) await lab.RunLabAsync(["boot", n.Node], null, TimeSpan.FromSeconds(90));
            else if (!n.LinkUp) await lab.RunLabAsync(["heal", n.Node]);
            else if (!n.Runtime) await lab.RunLabAsync(["runtime", "start", n.Node]);
        }
        if (options.Replicated)
            foreach (var m in (await lab.StoreStatusAsync()).Members.Where(m => !m.Up || m.Link != "up"))
                await lab.RunLabAsync(["store", "heal", m.Name], null, TimeSpan.FromSeconds(90));
        await Task.Delay(TimeSpan.FromSeconds(10));
        var live = settle.Observer.Latest.Nodes.Where(n => n.Alive && n.Runtime).Select(n => n.Node).ToList();
        try
        {
            foreach (var node in lab.Nodes) await admin.OnAnyNodeAsync(live, http => AdminClient.PostAsync(http, $"api/v1/nodes/{node}/online"));
            await admin.OnAnyNodeAsync(live, http => AdminClient.PostAsync(http, "api/v1/resources/apache-group/clear"));
            await admin.OnAnyNodeAsync(live, http => AdminClient.PostAsync(http, "api/v1/cluster/cleanup"));
        }
        catch (Exception e) when (e is InvalidOperationException or Polly.Timeout.TimeoutRejectedException) { log.WriteLine("soak: repair: " + e.Message); }
        if (await settle.UntilSettledAsync(TimeSpan.FromSeconds(180), options.Replicated)) return true;
        violations.Add(new Violation("the cluster did not recover even after the repair; the run stops here: " + settle.LastReason, settle.Observer.Now, window.LastOrDefault()?.Fault.Index, []));
        return false;
    }

    /// <summary>
    /// The log replays to the same transitions (every recorded controller decision decided again from the log alone,
    /// TransitionPlanner.ReplayAsync) and the same read models (the stored status and history folded again from the log
    /// and compared, ReadModelCheck: hactl history verify).
    /// </summary>
    private static async Task<string> ReplayAsync(Lab lab, List<Violation> violations, TimeSpan now)
    {
        using var documents = CibStore.Create(lab.StoreUrl + ";Command Timeout=300");
        var (count, mismatches) = await TransitionPlanner.ReplayAsync(documents);
        foreach (var m in mismatches.Take(10))
            violations.Add(new Violation($"transition {m.TransitionId} (step {m.Step}) replays differently from the log", now, null, []));
        await using var db = Npgsql.NpgsqlDataSource.Create(lab.StoreUrl + ";Command Timeout=300");
        var models = await new ReadModelCheck(db).RunAsync();
        if (models.Status.Verdict != ReadModelVerdict.Same)
            violations.Add(new Violation($"the stored status is not the log's fold ({models.Status.Verdict}): {string.Join("; ", models.Status.Differences.Take(10))}", now, null, []));
        if (models.History.Verdict != ReadModelVerdict.Same)
            violations.Add(new Violation($"the stored history is not the log's fold ({models.History.Verdict}): {string.Join("; ", models.History.Differences.Take(10).Select(t => $"{t.Table}: {t.DifferingRows} rows differ (first: {string.Join(", ", t.FirstKeys)})"))}", now, null, []));
        return $"transitions: {count} replayed, {mismatches.Count} differ; read models: status {models.Status.Verdict.ToString().ToLowerInvariant()} " +
               $"at {models.Status.Position}, history {models.History.Verdict.ToString().ToLowerInvariant()} at {models.History.Position}";
    }

    /// <summary>
    /// Recovery per fault: from its injection to the last instant, before its window settled, at which the service became
    /// whole again (zero when the service stayed whole). A window whose service was whole again only after every fault's
    /// bound (counted from that fault's injection) had passed is a violation.
    /// </summary>
    private static Dictionary<int, TimeSpan> Recoveries(SoakObserver observer, IReadOnlyList<Watched> primitives, List<Window> windows, List<Violation> violations)
    {
        var whole = WholeSeries(observer.Samples, observer.Pages, primitives);
        var recovery = new Dictionary<int, TimeSpan>();
        for (var k = 0; k < windows.Count; k++)
        {
            var w = windows[k];
            // A window that did not settle ends where the next one begins (after the repair), not at the end of the run.
            var end = w.SettledAt ?? (k + 1 < windows.Count ? windows[k + 1].Faults[0].At : observer.Now);
            foreach (var f in w.Faults)
                recovery[f.Fault.Index] = Judge.LastRecovery(whole, f.At, end) is { } back ? back - f.At : TimeSpan.Zero;
            if (Judge.LastRecovery(whole, w.Faults[0].At, end) is { } last && last > w.Faults.Max(f => f.At + f.Fault.Bound))
                violations.Add(new Violation($"the service was whole again only {(last - w.Faults[^1].At).TotalSeconds:F1} s after fault {w.Faults[^1].Fault.Index}, past its bound",
                    last, w.Faults[^1].Fault.Index, []));
        }
        return recovery;
    }

    internal static List<(TimeSpan At, bool Whole)> WholeSeries(IReadOnlyList<Observation> samples, IReadOnlyList<PageAnswer> pagesBySent, IReadOnlyList<Watched> primitives)
    {
        var series = new List<(TimeSpan, bool)>(samples.Count);
        var p = -1;
        foreach (var o in samples)
        {
            while (p + 1 < pagesBySent.Count && pagesBySent[p + 1].SentAt <= o.At) p++;
            var served = p >= 0 && pagesBySent[p].Served && pagesBySent[p].SentAt >= o.At - TimeSpan.FromSeconds(1);
            series.Add((o.At, Judge.NotWhole(o, served, primitives) is null));
        }
        return series;
    }

    /// <summary>Every primitive active on two live nodes (kernel samples and ARP answers), consecutive instants merged.</summary>
    private static IEnumerable<Violation> DoubleActives(SoakObserver observer, IReadOnlyList<Watched> primitives, IReadOnlyList<Injected> injected)
    {
        var samples = observer.Samples;
        var found = samples.SelectMany(o => Judge.DoubleActives(o, primitives)).ToList();
        var s = 0;
        foreach (var a in observer.Arps.OrderBy(a => a.At))
        {
            while (s + 1 < samples.Count && samples[s + 1].At <= a.At) s++;
            if (samples.Count > 0 && Judge.ArpDouble(a, samples[s], primitives) is { } d) found.Add(d);
        }
        DoubleActive? open = null;
        var last = TimeSpan.Zero;
        foreach (var d in found.OrderBy(d => d.Resource).ThenBy(d => d.At))
        {
            if (open is not null && (open.Resource != d.Resource || d.At - last > TimeSpan.FromSeconds(1)))
            {
                yield return ToViolation(open, last);
                open = null;
            }
            open ??= d;
            last = d.At;
        }
        if (open is not null) yield return ToViolation(open, last);

        Violation ToViolation(DoubleActive first, TimeSpan until) =>
            new($"double active: {first} until {until.TotalSeconds:F1} s", first.At, injected.LastOrDefault(i => i.At <= first.At)?.Fault.Index, []);
    }

    /// <summary>The nodes' logs (runtime, API, apache), the hypervisor's and the store members', kept with the report: the lab's go with it.</summary>
    private static void KeepLogs(Lab lab, string directory)
    {
        var logs = Path.Combine(directory, "logs");
        if (Directory.Exists(logs)) Directory.Delete(logs, recursive: true);
        foreach (var file in new[] { "nodes", "store", "hypervisor" }.Select(d => Path.Combine(lab.StateDirectory, d)).Where(Directory.Exists)
                     .SelectMany(d => Directory.EnumerateFiles(d, "*.log", SearchOption.AllDirectories)))
        {
            var to = Path.Combine(logs, Path.GetRelativePath(lab.StateDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to, overwrite: true);
        }
    }

    private static string Hactl(Lab lab) => Path.Combine(lab.Root, "src", "HaCtl", "bin", "Release", "net10.0", "hactl");

    internal static string Machine()
    {
        var memory = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        return $"machine: {Environment.ProcessorCount} cores, {(memory is null ? "?" : $"{long.Parse(memory) / 1024 / 1024.0:F1} GB")}, {Environment.OSVersion.VersionString}, load {load}";
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using HaCtl.Bench;
using Cib.Projections.Policy;

namespace HaCtl;

/// <summary>
/// hactl bench planner: times Plan() on generated clusters (median of several runs, process peak memory) and,
/// with --peer, crm_simulate -R -x on the same cluster written as CIB XML, bounded by a time limit.
/// </summary>
public static class BenchCommand
{
    public static readonly string DefaultSizes = "3x10,16x200,32x1000,64x5000,100x10000";

    /// <summary>What to time: cluster sizes (nodes x resources), group size, phases, and whether to run crm_simulate too.</summary>
    public sealed record Settings(IReadOnlyList<(int Nodes, int Resources)> Sizes, int Groups, IReadOnlyList<string> Phases,
        bool Peer = false, int PeerTimeout = 120, string? CibDirectory = null);

    public static Command Create()
    {
        var sizes = new Option<string>("--sizes")
        {
            Description = "clusters to generate, NODESxRESOURCES, comma separated", HelpName = "NxR,...", DefaultValueFactory = _ => DefaultSizes,
        };
        sizes.Validators.Add(r =>
        {
            if (!TryParseSizes(r.GetValueOrDefault<string>(), out _, out var bad)) r.AddError($"'{bad}' is not a size (NODESxRESOURCES)");
        });
        var groups = new Option<int>("--groups") { Description = "resources per group (0: no groups)", HelpName = "G" };
        var phases = new Option<string>("--phases")
        {
            Description = "cold (nothing runs), steady (all placed), lost (a node lost)", HelpName = "PHASE,...",
            DefaultValueFactory = _ => string.Join(',', BenchCluster.Phases),
        };
        phases.Validators.Add(r =>
        {
            if (SplitList(r.GetValueOrDefault<string>()).Any(p => !BenchCluster.Phases.Contains(p))) r.AddError("phases are cold, steady, lost");
        });
        var peer = new Option<bool>("--peer") { Description = "also time crm_simulate -R -x on the same cluster written as CIB XML" };
        var peerTimeout = new Option<int>("--peer-timeout")
        {
            Description = "limit of one crm_simulate run", HelpName = "SECONDS", DefaultValueFactory = _ => 120,
        };
        var writeCib = new Option<string?>("--write-cib") { Description = "write each generated cluster as CIB XML into DIR", HelpName = "DIR" };
        var planner = new Command("planner", "time the policy engine on generated clusters (and crm_simulate with --peer)")
        {
            sizes, groups, phases, peer, peerTimeout, writeCib,
        };
        planner.SetBody((parse, stdout, stderr) =>
        {
            TryParseSizes(parse.GetValue(sizes), out var parsed, out _);
            var settings = new Settings(parsed, parse.GetValue(groups), SplitList(parse.GetValue(phases)),
                parse.GetValue(peer), parse.GetValue(peerTimeout), parse.GetValue(writeCib));
            return Task.FromResult(Run(settings, stdout));
        });
        return new Command("bench", "benchmarks that print numbers") { planner, ApiCommand(), StoreCommand(), AppendsCommand() };
    }

    /// <summary>hactl bench api: see <see cref="ApiBench"/>. ./ha bench api passes the API program, the example and the data directory.</summary>
    private static Command ApiCommand()
    {
        static Option<int> Positive(string name, string description, string helpName, int value)
        {
            var option = new Option<int>(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => value };
            option.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int>() <= 0) r.AddError($"{name} must be positive");
            });
            return option;
        }
        var clients = Positive("--clients", "concurrent clients (connections) at most", "N", 8);
        var rate = Positive("--rate", "status requests a second of the fixed-rate run", "R", 200);
        var seconds = Positive("--seconds", "length of each status run", "S", 15);
        var warmup = Positive("--warmup", "unmeasured fixed-rate status requests first, for this long", "S", 2);
        var commands = Positive("--commands", "clean-up commands sent one after the other (measured)", "N", 300);
        var peer = new Option<bool>("--peer") { Description = "also time crm_mon -1 and crm resource cleanup in a Pacemaker peer node (./ha finds it)" };
        var peerPid = new Option<int?>("--peer-pid") { Description = "the init PID of the peer node to run them in (set by ./ha when the peer is up)", HelpName = "PID" };
        var peerRuns = Positive("--peer-runs", "runs of each peer command", "N", 20);
        var peerResource = new Option<string>("--peer-resource") { Description = "the peer's resource to clean up", HelpName = "ID", DefaultValueFactory = _ => "vip" };
        var apiBinary = new Option<string>("--api-binary") { Description = "the API program (src/Audit.Api's build)", HelpName = "PATH", Required = true };
        var example = new Option<string>("--example") { Description = "the cluster to load", HelpName = "FILE.crm", DefaultValueFactory = _ => Demo.DefaultExample };
        var dataDir = new Option<string>("--data-dir") { Description = "the API's certificate and keys go under DIR/api", HelpName = "DIR", Required = true };
        var database = new Option<string>("--database")
        {
            Description = "the scratch database on HA_CONNECTION's server, dropped and created anew", HelpName = "NAME", DefaultValueFactory = _ => "ha_bench_api",
        };
        var logLevel = new Option<string?>("--api-log-level")
        {
            Description = "the API's Logging:LogLevel:Default (Warning: no line per request); unset: as ./ha api runs it", HelpName = "LEVEL",
        };
        logLevel.AcceptOnlyFromAmong("Trace", "Debug", "Information", "Warning", "Error", "Critical", "None");
        var api = new Command("api", "the HTTP API under load: status GET at a fixed rate and flat out, the clean-up command, on a scratch database")
        {
            clients, rate, seconds, warmup, commands, peer, peerPid, peerRuns, peerResource, apiBinary, example, dataDir, database, logLevel,
        };
        api.SetBody((parse, stdout, stderr) => ApiBench.RunAsync(new ApiBench.Settings(
            Store.ConnectionString(), Path.GetFullPath(parse.GetValue(apiBinary)!), Path.GetFullPath(parse.GetValue(example)!), Path.GetFullPath(parse.GetValue(dataDir)!),
            parse.GetValue(clients), parse.GetValue(rate), parse.GetValue(seconds), parse.GetValue(warmup), parse.GetValue(commands),
            parse.GetValue(database)!, parse.GetValue(peer) || parse.GetValue(peerPid) is not null, parse.GetValue(peerPid), parse.GetValue(peerRuns),
            parse.GetValue(peerResource)!, parse.GetValue(logLevel)), stdout, stderr));
        return api;
    }

    /// <summary>hactl bench store: see <see cref="StoreBench"/>.</summary>
    private static Command StoreCommand()
    {
        static Option<T> Positive<T>(string name, string description, string helpName, T value) where T : struct, IComparable<T>
        {
            var option = new Option<T>(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => value };
            option.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<T>().CompareTo(default) <= 0) r.AddError($"{name} must be positive");
            });
            return option;
        }
        var events = Positive("--events", "events the simulated cluster writes (10000000 for the goal)", "N", 1_000_000L);
        var seed = Positive("--seed", "the simulation's seed (the same seed writes the same log)", "S", 1);
        var reuse = new Option<bool>("--reuse") { Description = "keep a scratch database that already holds at least N events of this seed (skip the load)" };
        var appenders = Positive("--appenders", "node outboxes appending at once in the append phase", "N", 8);
        var appendSeconds = Positive("--append-seconds", "length of the append phase (measured)", "S", 20);
        var warmup = new Option<int>("--warmup-seconds")
        {
            Description = "appends at the offered rate before the measured append phase, not counted (the history's writer warm, as a running controller's is)",
            HelpName = "S", DefaultValueFactory = _ => 5,
        };
        warmup.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0) r.AddError("--warmup-seconds must be 0 or more");
        });
        var offered = new Option<int>("--offered")
        {
            Description = "events per second the nodes' monitors report in the append phase, all outboxes together (0: flat out)", HelpName = "R",
            DefaultValueFactory = _ => 5_000,
        };
        offered.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0) r.AddError("--offered must be 0 (flat out) or more");
        });
        var queries = Positive("--queries", "queries of each history query phase", "N", 200);
        var replays = Positive("--replays", "transitions in the middle of the log to replay", "N", 5);
        var database = new Option<string>("--database")
        {
            Description = "the scratch database on HA_CONNECTION's server, dropped and created anew (unless --reuse)", HelpName = "NAME",
            DefaultValueFactory = _ => "ha_bench_store",
        };
        var store = new Command("store", "the event log and its read models at scale, on a scratch database")
        {
            events, seed, reuse, appenders, appendSeconds, warmup, offered, queries, replays, database,
        };
        store.SetBody((parse, stdout, stderr) => StoreBench.RunAsync(new StoreBench.Settings(Store.ConnectionString(), parse.GetValue(events), parse.GetValue(seed),
            parse.GetValue(database)!, parse.GetValue(reuse), parse.GetValue(appenders), parse.GetValue(appendSeconds), parse.GetValue(queries),
            parse.GetValue(replays), parse.GetValue(offered), parse.GetValue(warmup)), stdout, stderr));
        return store;
    }

    /// <summary>hactl bench appends: see <see cref="AppendLoop"/> (the admin of ./ha bench store-failover).</summary>
    private static Command AppendsCommand()
    {
        var name = new Option<string>("--name") { Description = "the cluster property set to 1, 2, 3, ...", HelpName = "NAME", Required = true };
        var ledger = new Option<string>("--ledger") { Description = "acknowledged changes, one line each: ACK_MS NUMBER ack START_MS", HelpName = "FILE", Required = true };
        var stop = new Option<string>("--stop-file") { Description = "stop once this file exists", HelpName = "FILE", Required = true };
        var deadline = new Option<int>("--deadline-ms") { Description = "one attempt's time limit", HelpName = "MS", DefaultValueFactory = _ => 10_000 };
        var pause = new Option<int>("--pause-ms") { Description = "pause after each attempt", HelpName = "MS", DefaultValueFactory = _ => 100 };
        foreach (var o in new[] { deadline, pause })
            o.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int>() <= 0) r.AddError($"{o.Name} must be positive");
            });
        var appends = new Command("appends", "an admin's change appended in a loop by one long-lived client, each acknowledged one kept in a ledger (store failover bench)")
        {
            name, ledger, stop, deadline, pause,
        };
        appends.SetBody((parse, stdout, stderr) => AppendLoop.RunAsync(new AppendLoop.Settings(Store.ConnectionString(), parse.GetValue(name)!,
            parse.GetValue(ledger)!, parse.GetValue(stop)!, TimeSpan.FromMilliseconds(parse.GetValue(deadline)),
            TimeSpan.FromMilliseconds(parse.GetValue(pause))), stderr));
        return appends;
    }

    private static string[] SplitList(string? text) => (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);

    private static bool TryParseSizes(string? text, out List<(int Nodes, int Resources)> sizes, out string? bad)
    {
        sizes = [];
        bad = null;
        foreach (var s in SplitList(text))
        {
            var p = s.Split('x');
            if (p.Length != 2 || !int.TryParse(p[0], out var n) || !int.TryParse(p[1], out var r) || n <= 0 || r <= 0)
            {
                bad = s;
                return false;
            }
            sizes.Add((n, r));
        }
        return true;
    }

    public static int Run(Settings settings, TextWriter output)
    {
        var (parsed, groups, phases, peer, peerTimeout, cibDir) = settings;
        if (peer) output.WriteLine($"peer: crm_simulate -R -x, each run limited to {peerTimeout} s");

        foreach (var (n, r) in parsed)
            foreach (var phase in phases)
            {
                var cluster = new BenchCluster(n, r, groups, phase);
                var state = cluster.State();
                if (cibDir is not null) File.WriteAllText(Path.Combine(cibDir, $"bench-{n}x{r}-{phase}.xml"), cluster.ToCibXml());
                var runs = r >= 5000 ? 3 : r >= 1000 ? 5 : 11;
                var times = new List<double>();
                var actions = 0;
                for (var k = 0; k < runs; k++)
                {
                    var sw = Stopwatch.StartNew();
                    var plan = PolicyEngine.Plan(state);
                    sw.Stop();
                    times.Add(sw.Elapsed.TotalMilliseconds);
                    actions = plan.Actions.Count;
                }
                var median = Median(times);
                var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"planner: nodes={n} resources={r} groups={groups} phase={phase} median_ms={median:F1} peak_mb={peakMb:F0} actions={actions}"));
                if (peer) RunPeer(cluster, median, peerTimeout, output);
            }
        return 0;
    }

    private static void RunPeer(BenchCluster cluster, double ours, int timeoutSeconds, TextWriter output)
    {
        var prefix = $"peer: nodes={cluster.Nodes} resources={cluster.Resources} groups={cluster.GroupSize} phase={cluster.Phase}";
        if (!File.Exists("/usr/sbin/crm_simulate") && !File.Exists("/usr/bin/crm_simulate"))
        {
            output.WriteLine($"{prefix} skipped=crm_simulate not installed");
            return;
        }
        var file = Path.Combine(Path.GetTempPath(), $"hactl-bench-{cluster.Nodes}x{cluster.Resources}-{cluster.Phase}-{Environment.ProcessId}.xml");
        File.WriteAllText(file, cluster.ToCibXml());
        try
        {
            var times = new List<double>();
            double peak = 0;
            var runs = 3;
            for (var k = 0; k < runs; k++)
            {
                var psi = new ProcessStartInfo("/usr/bin/time", ["-f", "%M", "crm_simulate", "-R", "-x", file])
                {
                    RedirectStandardOutput = true, RedirectStandardError = true,
                };
                var sw = Stopwatch.StartNew();
                using var p = Process.Start(psi)!;
                var stdout = p.StandardOutput.ReadToEndAsync();
                var stderr = p.StandardError.ReadToEndAsync();
                if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
                {
                    p.Kill(entireProcessTree: true);
                    output.WriteLine($"{prefix} skipped=did not finish within {timeoutSeconds} s");
                    return;
                }
                sw.Stop();
                times.Add(sw.Elapsed.TotalMilliseconds);
                var lines = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                if (lines.Length > 0 && double.TryParse(lines[^1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var kb))
                    peak = Math.Max(peak, kb / 1024.0);
                _ = stdout.Result;
                if (sw.Elapsed.TotalSeconds > timeoutSeconds / 3.0) break;
            }
            var median = Median(times);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{prefix} median_ms={median:F1} peak_mb={peak:F0} ratio={median / Math.Max(ours, 0.001):F1}"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}

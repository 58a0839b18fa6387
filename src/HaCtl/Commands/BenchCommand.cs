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

    public static IEnumerable<Cli.Command> All =>
    [
        new("bench planner", "[--sizes NxR,...] [--groups G] [--phases cold,steady,lost] [--peer] [--peer-timeout SECONDS] [--write-cib DIR]",
            "time the policy engine on generated clusters (and crm_simulate with --peer)", args => Task.FromResult(Run(args, Console.Out))),
    ];

    public static int Run(string[] args, TextWriter output)
    {
        var sizes = DefaultSizes;
        var groups = 0;
        var phases = BenchCluster.Phases;
        var peer = false;
        var peerTimeout = 120;
        string? cibDir = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--sizes": sizes = Value(); break;
                case "--groups": groups = int.TryParse(Value(), out var g) ? g : throw new UsageException("--groups takes a number"); break;
                case "--phases": phases = Value().Split(',', StringSplitOptions.RemoveEmptyEntries); break;
                case "--peer": peer = true; break;
                case "--write-cib": cibDir = Value(); break;
                case "--peer-timeout": peerTimeout = int.TryParse(Value(), out var t) ? t : throw new UsageException("--peer-timeout takes seconds"); break;
                default: throw new UsageException($"unknown option {args[i]}");
            }
        }
        var parsed = sizes.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s =>
        {
            var p = s.Split('x');
            return p.Length == 2 && int.TryParse(p[0], out var n) && int.TryParse(p[1], out var r) && n > 0 && r > 0
                ? (n, r) : throw new UsageException($"'{s}' is not a size (NODESxRESOURCES)");
        }).ToList();
        if (phases.Any(p => !BenchCluster.Phases.Contains(p))) throw new UsageException("phases are cold, steady, lost");
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

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Text.Json;
using Regex = System.Text.RegularExpressions.Regex;
using Cib.Domain.Controller;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Users;
using Cib.Interop.Crm;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;
using HaCtl.Api;
using Npgsql;

namespace HaCtl.Bench;

/// <summary>
/// <c>hactl bench api</c>: the HTTP API as a client sees it. A database of its own on the given server (dropped and created
/// anew each run), the example Apache cluster loaded through the configuration loader, its nodes joined and its operation
/// results appended as the nodes would, the stored status written as the controller writes it (the fold of the log), an
/// operator created through the user store; then the real API program started as a child process (HTTPS with its
/// generated certificate, pinned), and: <c>GET /api/v1/status</c> at a fixed rate (open loop, latency from each request's
/// scheduled start, so queueing counts), the same with N clients as fast as they go (closed loop), and
/// <c>POST /api/v1/resources/{id}/cleanup</c> one after the other (the 200 comes after its events are committed).
/// With a Pacemaker peer node's PID: <c>crm_mon -1</c> and a resource clean-up inside that node, timed the same way.
/// Prints numbers; asserts nothing but that the answers were answers.
/// </summary>
public static partial class ApiBench
{
    public const string User = "bench";
    public const string CleanupTarget = "apache-group";

    public sealed record Settings(
        string Connection, string ApiBinary, string Example, string DataDir,
        int Clients = 8, double Rate = 200, int Seconds = 15, int WarmupSeconds = 2, int Commands = 300,
        string Database = "ha_bench_api", bool Peer = false, int? PeerPid = null, int PeerRuns = 20, string PeerResource = "vip",
        string? ApiLogLevel = null);

    /// <summary>The last line: what the issue's goals are checked against.</summary>
    public static string LastLine(double statusRps, double statusP99, double commandP99) => string.Create(CultureInfo.InvariantCulture,
        $"api: status_rps={statusRps:F1} status_p99_ms={statusP99:F2} command_p99_ms={commandP99:F2}");

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    public static partial Regex DatabaseName();

    public static async Task<int> RunAsync(Settings s, TextWriter output, TextWriter error)
    {
        if (!DatabaseName().IsMatch(s.Database)) throw new UsageException($"'{s.Database}' is not a plain database name (a-z, 0-9, _)");
        if (!File.Exists(s.ApiBinary)) throw new UsageException($"no API program at {s.ApiBinary} (./ha bench api builds it)");
        if (!File.Exists(s.Example)) throw new UsageException($"no example configuration at {s.Example}");

        output.WriteLine(Machine.Describe());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"settings: clients={s.Clients} rate={s.Rate:F0}/s seconds={s.Seconds} warmup_s={s.WarmupSeconds} commands={s.Commands} database={s.Database} example={Path.GetFileName(s.Example)}"));

        var cs = await RecreateDatabaseAsync(s.Connection, s.Database);
        await SchemaMigrations.ApplyAsync(cs);
        var password = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18));
        var seeded = await SeedAsync(cs, s.Example, password);
        output.WriteLine($"cluster: nodes={seeded.Nodes} resources={seeded.Resources} events={seeded.Events} stored_status_position={seeded.Position} user={User}(operator)");

        Directory.CreateDirectory(s.DataDir);
        var port = FreePort();
        await using var api = await ApiProcess.StartAsync(s.ApiBinary, cs, Path.Combine(s.DataDir, "api"), port, s.ApiLogLevel, error);
        using var client = Client(api.Fingerprint, port, s.Clients);
        var token = await LoginAsync(client, password);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        output.WriteLine($"api: {api.Binary} on https://127.0.0.1:{port} (pid {api.Pid}, log level {s.ApiLogLevel ?? "as configured: Information"}, console to {api.LogFile}), certificate SHA-256 pinned, logged in as {User}");

        // What a status answer holds, once: the seeded cluster as the API shows it.
        using var first = await client.GetAsync("api/v1/status");
        var firstBody = await first.Content.ReadAsByteArrayAsync();
        if (first.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET /api/v1/status: {(int)first.StatusCode} {System.Text.Encoding.UTF8.GetString(firstBody)}");
        using (var view = JsonDocument.Parse(firstBody))
            output.WriteLine($"status: {firstBody.Length} bytes of JSON, nodes={view.RootElement.GetProperty("nodes").GetArrayLength()} resources={view.RootElement.GetProperty("resources").GetArrayLength()} position={view.RootElement.GetProperty("position").GetInt64()}");

        async Task<bool> GetStatus()
        {
            using var response = await client.GetAsync("api/v1/status");
            await response.Content.LoadIntoBufferAsync();
            return response.StatusCode == HttpStatusCode.OK;
        }

        // One request at a time: what a request costs without contention, the HTTPS stack alone (/healthz) and the status.
        async Task<bool> GetHealth()
        {
            using var response = await client.GetAsync("healthz");
            await response.Content.LoadIntoBufferAsync();
            return response.StatusCode == HttpStatusCode.OK;
        }
        foreach (var (name, send) in new[] { ("GET /healthz", (Func<Task<bool>>)GetHealth), ("GET /api/v1/status", GetStatus) })
        {
            for (var i = 0; i < 50; i++) await send();
            var one = new Latencies();
            for (var i = 0; i < 200; i++)
            {
                var sent = Stopwatch.GetTimestamp();
                if (await send()) one.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                else one.AddError();
            }
            var o = one.Summarize();
            output.WriteLine($"one_at_a_time: {name} requests={o.Count} errors={o.Errors} {o.Text()}");
        }

        // Status at a fixed rate: a warm-up (connections opened, code jitted), then the measured run.
        await FixedRateAsync(GetStatus, s.Clients, s.Rate, s.WarmupSeconds);
        var (fixedRun, service, achieved, queued) = await FixedRateAsync(GetStatus, s.Clients, s.Rate, s.Seconds);
        var f = fixedRun.Summarize();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"status_fixed: GET /api/v1/status target_rps={s.Rate:F0} achieved_rps={achieved:F1} requests={f.Count} errors={f.Errors} queued={queued} {f.Text()} (queued: from the scheduled start) {service.Summarize().Text("service_")}"));

        // Status as fast as N clients go.
        var (maxRun, maxRps) = await ClosedLoopAsync(GetStatus, s.Clients, s.Seconds);
        var m = maxRun.Summarize();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"status_max: GET /api/v1/status clients={s.Clients} status_max_rps={maxRps:F1} requests={m.Count} errors={m.Errors} {m.Text()}"));
        output.WriteLine($"machine: after the status runs {Machine.Load()}");

        // Commands one after the other, each with its own Idempotency-Key; a few first, unmeasured.
        var run = Guid.NewGuid().ToString("N")[..8];
        await using var data = NpgsqlDataSource.Create(cs);
        var log = new CibEventLog(data);
        var before = await EventFeed.HeadAsync(data);
        var warm = Math.Min(10, s.Commands);
        for (var i = 0; i < warm; i++) await CleanupAsync(client, $"bench-{run}-warm-{i}");
        var commands = new Latencies();
        for (var i = 0; i < s.Commands; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var ok = await CleanupAsync(client, $"bench-{run}-{i}");
            if (ok) commands.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            else commands.AddError();
        }
        var cleared = (await log.ReadAfterAsync(before, int.MaxValue)).Count(e => e.Data is FailCountCleared);
        var c = commands.Summarize();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"command: POST /api/v1/resources/{CleanupTarget}/cleanup sequential samples={c.Count} errors={c.Errors} {c.Text()} events_in_log={cleared} (expected {(warm + s.Commands) * seeded.GroupMembers})"));

        if (s.Peer) await PeerAsync(s, output);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"goals: status p99 <= 10 ms at 200/s: {(f.P99 <= 10 && achieved >= 0.99 * s.Rate && s.Rate >= 200 ? "met" : "not met")} ({f.P99:F2} ms at {achieved:F1}/s); command p99 <= 50 ms: {(c.P99 <= 50 && c.Errors == 0 ? "met" : "not met")} ({c.P99:F2} ms); {Machine.Load()}"));
        output.WriteLine(LastLine(achieved, f.P99, c.P99));
        return f.Errors + m.Errors + c.Errors == 0 ? 0 : 1;
    }

    private static async Task<bool> CleanupAsync(HttpClient client, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/resources/{CleanupTarget}/cleanup");
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK) return false;
        using var answer = JsonDocument.Parse(body);
        return !answer.RootElement.GetProperty("repeated").GetBoolean() && answer.RootElement.GetProperty("events").GetArrayLength() > 0;
    }

    /// <summary>
    /// <paramref name="rate"/> requests a second for <paramref name="seconds"/>, by at most <paramref name="clients"/> at once:
    /// each request is due at its place in the schedule; one that finds every client busy starts late, and its latency counts
    /// from when it was due. Returns those latencies, the service times (from the actual send), the achieved rate, and how many
    /// requests found every client busy.
    /// </summary>
    public static async Task<(Latencies FromSchedule, Latencies Service, double AchievedRps, int Queued)> FixedRateAsync(
        Func<Task<bool>> send, int clients, double rate, int seconds)
    {
        var total = FixedRate.Requests(rate, seconds);
        var fromSchedule = new Latencies();
        var service = new Latencies();
        long next = -1, lastEnd = 0, queued = 0;
        var start = Stopwatch.GetTimestamp();
        async Task Client()
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= total) return;
                var due = start + FixedRate.DueTicks(i, rate, Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                var idle = wait > TimeSpan.Zero;
                if (idle) await Task.Delay(wait);
                else Interlocked.Increment(ref queued);
                var sent = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    ok = await send();
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }
                var end = Stopwatch.GetTimestamp();
                InterlockedMax(ref lastEnd, end);
                if (!ok)
                {
                    fromSchedule.AddError();
                    continue;
                }
                // A request that found every client busy waited from when it was due; one whose client was idle and
                // waiting for it was sent on time but for the timer's slack (about a millisecond), which is ours, not the API's.
                fromSchedule.Add(Stopwatch.GetElapsedTime(idle ? sent : due, end).TotalMilliseconds);
                service.Add(Stopwatch.GetElapsedTime(sent, end).TotalMilliseconds);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(Client)));
        var elapsed = Stopwatch.GetElapsedTime(start, Interlocked.Read(ref lastEnd)).TotalSeconds;
        return (fromSchedule, service, elapsed > 0 ? fromSchedule.Count / elapsed : 0, (int)Interlocked.Read(ref queued));
    }

    /// <summary>Each of <paramref name="clients"/> sends, waits for the answer and sends again, for <paramref name="seconds"/>.</summary>
    public static async Task<(Latencies Latencies, double Rps)> ClosedLoopAsync(Func<Task<bool>> send, int clients, int seconds)
    {
        var latencies = new Latencies();
        var start = Stopwatch.GetTimestamp();
        var stopAt = start + seconds * Stopwatch.Frequency;
        async Task Client()
        {
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var sent = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    ok = await send();
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }
                if (ok) latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                else latencies.AddError();
            }
        }
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(Client)));
        return (latencies, latencies.Count / Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }

    // ------------------------------------------------------------------ setup

    /// <summary>The scratch database dropped and created anew on <paramref name="connection"/>'s server; its connection string.</summary>
    internal static async Task<string> RecreateDatabaseAsync(string connection, string database)
    {
        await using (var admin = new NpgsqlConnection(connection))
        {
            await admin.OpenAsync();
            foreach (var sql in new[] { $"DROP DATABASE IF EXISTS {database} WITH (FORCE)", $"CREATE DATABASE {database}" })
            {
                await using var cmd = new NpgsqlCommand(sql, admin);
                await cmd.ExecuteNonQueryAsync();
            }
        }
        return new NpgsqlConnectionStringBuilder(connection) { Database = database }.ConnectionString;
    }

    private sealed record Seeded(int Nodes, int Resources, int GroupMembers, long Events, long Position);

    /// <summary>
    /// The example loaded as <c>hactl configure load</c> loads it; node1 elected controller; every node joined; each
    /// primitive probed on every node, its group started on the first node and the rest on the last, each with its
    /// recurring monitor reporting, appended to the streams the nodes append to; then the stored status as the controller
    /// writes it (the fold of the whole log, under the term it was elected with); and the operator the requests log in as.
    /// </summary>
    private static async Task<Seeded> SeedAsync(string cs, string example, string password)
    {
        using var store = CibStore.Create(cs);
        var admin = CommandMetadata.For(Actor.User("admin"));
        var loaded = await new ConfigurationLoader(store).LoadAsync(await File.ReadAllTextAsync(example), LoadMode.Replace, admin,
            expectedVersion: 0, reason: $"bench api: load {Path.GetFileName(example)}");
        if (!loaded.IsApplied)
            throw new InvalidOperationException($"the example did not load: {string.Join("; ", loaded.Errors.Select(e => e.Format(example)))}");
        var (configuration, _) = await ConfigurationReader.LoadAsync(store);
        var nodes = configuration.Nodes.Keys.ToList();
        if (nodes.Count == 0) throw new InvalidOperationException("the example defines no nodes");
        if (configuration.Resources.GetValueOrDefault(CleanupTarget) is not Group target)
            throw new InvalidOperationException($"the example has no group '{CleanupTarget}' (the clean-up command's target)");

        await using var data = NpgsqlDataSource.Create(cs);
        var log = new CibEventLog(data);
        var at = DateTimeOffset.UtcNow.AddMinutes(-10);
        var controller = nodes[0];
        await log.AppendAsync(StreamIds.Controller, [new ControllerElected(controller, 1, "bench api: seeded", at)], Stamp(controller));
        foreach (var node in nodes)
            await log.AppendAsync(StreamIds.Node(node), [new NodeJoined(node, $"{node}-bench", "bench api: seeded", at)], Stamp(node));

        var grouped = configuration.Resources.Values.OfType<Group>().SelectMany(g => g.Members).ToHashSet(StringComparer.Ordinal);
        var action = 0;
        foreach (var primitive in configuration.Resources.Values.OfType<Primitive>())
        {
            var home = grouped.Contains(primitive.Id) ? nodes[0] : nodes[^1];
            foreach (var node in nodes)
            {
                var events = new List<object>
                {
                    new ResourceOperationSucceeded(primitive.Id, node, "monitor", 0, OcfRc.NotRunning, new OperationOrigin("bench-1", ++action), 12, null, null, at.AddSeconds(1)),
                };
                if (node == home)
                {
                    events.Add(new ResourceOperationSucceeded(primitive.Id, node, "start", 0, OcfRc.Success, new OperationOrigin("bench-2", ++action), 150, null, null, at.AddSeconds(2)));
                    if (primitive.Operations.FirstOrDefault(o => o.Name == "monitor" && o.Interval.Milliseconds > 0) is { } monitor)
                        events.Add(new ResourceOperationSucceeded(primitive.Id, node, "monitor", monitor.Interval.Milliseconds, OcfRc.Success, new OperationOrigin(null, null), 20, null, null, at.AddSeconds(3)));
                }
                await log.AppendAsync(StreamIds.ResourceOn(primitive.Id, node), events, Stamp(node));
            }
        }

        var all = await log.ReadAfterAsync(0, int.MaxValue);
        var fold = all.Aggregate(LogFold.Initial(ControllerRules.Default), (f, e) => f.Apply(e.Data, e.Sequence, e.Id));
        if (!await new StoredStatus(data).WriteAsync(fold.Snapshot(), controllerTerm: 1))
            throw new InvalidOperationException("the stored status was not written");

        await new UserStore(store).ChangeAsync(new AddUser(User, UserRole.Operator), password, admin);
        return new Seeded(nodes.Count, configuration.Resources.Values.OfType<Primitive>().Count(), target.Members.Count, all.Count, fold.Position);
    }

    private static AppendMetadata Stamp(string node) => AppendMetadata.Stamp(CommandMetadata.For(Actor.Node(node)), "bench api: seeded");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One connection pool of at most <paramref name="clients"/> HTTP/1.1 connections, the API's certificate pinned.</summary>
    private static HttpClient Client(string fingerprint, int port, int clients)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null && string.Equals(ApiSession.FingerprintOf(certificate), fingerprint, StringComparison.OrdinalIgnoreCase),
            },
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    private static async Task<string> LoginAsync(HttpClient client, string password)
    {
        var response = await client.PostAsJsonAsync("api/v1/auth/token", new { name = User, password });
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"login as {User}: {(int)response.StatusCode} {body}");
        using var token = JsonDocument.Parse(body);
        return token.RootElement.GetProperty("accessToken").GetString() ?? throw new InvalidOperationException("login: no accessToken");
    }

    // ------------------------------------------------------------------ the peer

    /// <summary>
    /// <c>crm_mon -1</c> and a clean-up of <see cref="Settings.PeerResource"/> inside the peer node whose init has
    /// <see cref="Settings.PeerPid"/> (./ha finds it as lab/failover.sh does), each <see cref="Settings.PeerRuns"/> times.
    /// </summary>
    private static async Task PeerAsync(Settings s, TextWriter output)
    {
        if (s.PeerPid is not { } pid)
        {
            output.WriteLine("peer: not up (./ha lab peer pacemaker up)");
            return;
        }
        // crmsh's "crm resource cleanup" where it is installed; else what it runs, crm_resource --cleanup.
        string[] cleanup = File.Exists("/usr/sbin/crm") || File.Exists("/usr/bin/crm")
            ? ["crm", "resource", "cleanup", s.PeerResource]
            : ["crm_resource", "--cleanup", "--resource", s.PeerResource];
        foreach (var (name, command) in new[] { ("crm_mon_1", new[] { "crm_mon", "-1" }), ("resource_cleanup", cleanup) })
        {
            var times = new Latencies();
            for (var i = 0; i < s.PeerRuns; i++)
            {
                if (await TimeInNodeAsync(pid, command) is { } ms) times.Add(ms);
                else times.AddError();
            }
            var t = times.Summarize();
            output.WriteLine($"peer: {name} `{string.Join(' ', command)}` in the node of pid {pid} runs={t.Count} errors={t.Errors} {t.Text()}");
        }
    }

    private static async Task<double?> TimeInNodeAsync(int pid, string[] command)
    {
        var psi = new ProcessStartInfo("nsenter", ["-t", pid.ToString(CultureInfo.InvariantCulture), "-a", "--", .. command])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        var started = Stopwatch.GetTimestamp();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("nsenter did not start");
        var drain = Task.WhenAll(p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync());
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await p.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            return null;
        }
        await drain;
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return p.ExitCode == 0 ? ms : null;
    }

    // ------------------------------------------------------------------ the API program

    /// <summary>
    /// The API program as <c>./ha api</c> runs it, on the bench database, HTTPS on <c>port</c>; its console (every request
    /// logged at Information, as the program does by default) goes to <c>api.log</c> beside its data, as a service manager's
    /// journal would take it, so that this process spends nothing reading it. Stopped on dispose.
    /// </summary>
    private sealed class ApiProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private ApiProcess(Process process, string binary, string logFile)
        {
            _process = process;
            Binary = binary;
            LogFile = logFile;
        }

        public string Binary { get; }
        public string LogFile { get; }
        public string Fingerprint { get; private set; } = "";
        public int Pid => _process.Id;

        public static async Task<ApiProcess> StartAsync(string binary, string cs, string dataDir, int port, string? logLevel, TextWriter error)
        {
            Directory.CreateDirectory(dataDir);
            var logFile = Path.Combine(dataDir, "api.log");
            string[] args = [$"--Api:DataDir={dataDir}", $"--Api:Port={port}", .. logLevel is null ? Array.Empty<string>() : [$"--Logging:LogLevel:Default={logLevel}"]];
            // exec: the shell only opens the log file; the PID is the API's.
            var psi = new ProcessStartInfo("/bin/sh", ["-c", "exec \"$0\" \"$@\" >\"$HA_BENCH_API_LOG\" 2>&1", binary, .. args]) { UseShellExecute = false };
            psi.Environment["HA_CONNECTION"] = cs;
            psi.Environment["HA_BENCH_API_LOG"] = logFile;
            File.Delete(logFile);
            var process = Process.Start(psi) ?? throw new InvalidOperationException($"{binary} did not start");
            var api = new ApiProcess(process, binary, logFile);
            try
            {
                api.Fingerprint = await api.FingerprintAsync();
                await api.WaitHealthyAsync(port);
                return api;
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                await api.DisposeAsync();
                if (File.Exists(logFile))
                    foreach (var line in File.ReadLines(logFile).TakeLast(40)) await error.WriteLineAsync($"api| {line}");
                throw new InvalidOperationException($"the API did not come up: {e.Message}", e);
            }
        }

        /// <summary>The certificate's SHA-256 as the program prints it when it starts ("... SHA-256 AB:CD:...").</summary>
        private async Task<string> FingerprintAsync()
        {
            var deadline = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                if (_process.HasExited) throw new InvalidOperationException($"it exited with {_process.ExitCode}");
                if (File.Exists(LogFile))
                {
                    using var reader = new StreamReader(new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                    while (await reader.ReadLineAsync() is { } line)
                        if (line.LastIndexOf("SHA-256 ", StringComparison.Ordinal) is var i and >= 0) return line[(i + 8)..].Trim();
                }
                await Task.Delay(100);
            }
            throw new TimeoutException("it printed no certificate fingerprint within 60 s");
        }

        private async Task WaitHealthyAsync(int port)
        {
            using var probe = Client(Fingerprint, port, 1);
            var deadline = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                if (_process.HasExited) throw new InvalidOperationException($"it exited with {_process.ExitCode}");
                try
                {
                    using var response = await probe.GetAsync("healthz");
                    if (response.StatusCode == HttpStatusCode.OK) return;
                }
                catch (HttpRequestException)
                {
                }
                await Task.Delay(100);
            }
            throw new TimeoutException("/healthz did not answer 200 within 60 s");
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}

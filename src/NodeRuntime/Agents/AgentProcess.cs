using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace NodeRuntime.Agents;

/// <summary>How one run of an agent program ended.</summary>
public sealed record AgentProcessResult(int ExitCode, bool TimedOut, bool CouldNotStart, string StdoutTail, string StderrTail, long DurationMs, string? StartError = null)
{
    /// <summary>stdout and stderr tails together, for the result event.</summary>
    public string? OutputTail =>
        (StdoutTail.Length, StderrTail.Length) switch
        {
            (0, 0) => null,
            (_, 0) => StdoutTail,
            (0, _) => StderrTail,
            _ => StdoutTail + "\n--- stderr ---\n" + StderrTail,
        };
}

/// <summary>
/// Runs an agent program in its own session and process group (through <c>setsid</c>), so that a
/// timeout can kill the agent and everything it forked in one signal. The full stdout is kept only
/// when asked (meta-data); otherwise only the tail, which goes into the result event.
/// </summary>
public static class AgentProcess
{
    public const int DefaultTailBytes = 2048;
    private const string Setsid = "/usr/bin/setsid";
    /// <summary>
    /// After the agent exited: output written before the exit is already in the pipes and is read at once, so the rest
    /// is awaited only while it keeps coming (<see cref="OutputQuiet"/>), up to a cap. Only a child that inherited the
    /// pipes keeps them open (IPaddr2 sends its gratuitous ARPs in the background for a second), and the result must
    /// not wait for that child. Meta-data is read whole, so its cap is longer.
    /// </summary>
    private static readonly TimeSpan OutputQuiet = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan OutputGrace = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan FullOutputGrace = TimeSpan.FromSeconds(2);

    public static async Task<AgentProcessResult> RunAsync(
        string program, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout, CancellationToken ct, string? stdin = null, int tailBytes = DefaultTailBytes, bool keepFullStdout = false)
    {
        var psi = new ProcessStartInfo(Setsid)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        psi.ArgumentList.Add(program);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        // Agents get a clean, predictable environment (as Pacemaker's executor gives them), not ours.
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        psi.Environment["LANG"] = "C";
        psi.Environment["LC_ALL"] = "C";
        foreach (var (k, v) in environment) psi.Environment[k] = v;

        var clock = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new AgentProcessResult(-1, false, true, "", "", clock.ElapsedMilliseconds, e.Message);
        }

        using (process)
        {
            var stdout = new TailBuffer(keepFullStdout ? int.MaxValue : tailBytes);
            var stderr = new TailBuffer(tailBytes);
            var readOut = PumpAsync(process.StandardOutput.BaseStream, stdout);
            var readErr = PumpAsync(process.StandardError.BaseStream, stderr);
            try
            {
                if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
                process.StandardInput.Close();
            }
            catch (IOException) { /* the agent exited without reading its input */ }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(timeout);
            var timedOut = false;
            try
            {
                // Waits for the process only, not for EOF on its pipes: a daemon the agent started may keep them open.
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = !ct.IsCancellationRequested;
                KillGroup(process.Id);
                try { await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)); }
                catch (TimeoutException) { /* unkillable (D state): report the timeout anyway */ }
                if (ct.IsCancellationRequested && !timedOut) throw;
            }
            var elapsed = clock.ElapsedMilliseconds;
            // Output written before exit is already in the pipes: this normally ends at once with EOF. Only a
            // child that inherited the pipes (a daemon that did not close stdio) keeps them open; cap that wait.
            var pgid = process.Id;
            await DrainAsync(Task.WhenAll(readOut, readErr), () => stdout.Received + stderr.Received, () => GroupAlive(pgid),
                keepFullStdout ? FullOutputGrace : OutputGrace);
            return new AgentProcessResult(timedOut ? -1 : process.ExitCode, timedOut, false, stdout.Text(), stderr.Text(), elapsed);
        }
    }

    /// <summary>
    /// Until both pipes are at EOF, or the cap passed. While something of the agent's process group still runs (a child
    /// that may hold the pipes open), also until nothing more arrived for <see cref="OutputQuiet"/>. When the whole group
    /// is gone, nobody can write any more and EOF is near: "quiet" would only mean that the reader has not been
    /// scheduled yet (a loaded machine), so the tail is read to the end.
    /// </summary>
    private static async Task DrainAsync(Task eof, Func<long> received, Func<bool> groupAlive, TimeSpan cap)
    {
        var clock = Stopwatch.StartNew();
        var last = -1L;
        while (!eof.IsCompleted && clock.Elapsed < cap)
        {
            var now = received();
            if (now == last && clock.Elapsed >= OutputQuiet && groupAlive()) return;
            last = now;
            await Task.WhenAny(eof, Task.Delay(OutputQuiet, CancellationToken.None));
        }
    }

    /// <summary>Whether any process of the group <paramref name="pgid"/> still exists (signal 0 checks without signalling).</summary>
    private static bool GroupAlive(int pgid) => kill(-pgid, 0) == 0;

    /// <summary>SIGKILL to the whole process group: setsid made the agent's pid its group id.</summary>
    internal static void KillGroup(int pid)
    {
        if (kill(-pid, SigKill) != 0)
            kill(pid, SigKill);
    }

    private const int SigKill = 9;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private static async Task PumpAsync(Stream stream, TailBuffer into)
    {
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0) into.Append(buffer.AsSpan(0, n));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { /* process gone */ }
    }

    /// <summary>Keeps the last N bytes written (thread-safe: one writer, read after).</summary>
    private sealed class TailBuffer(int limit)
    {
        private readonly List<byte> _bytes = [];
        private readonly Lock _gate = new();
        private long _received;

        /// <summary>Bytes appended so far (all of them, not only the kept tail).</summary>
        public long Received => Interlocked.Read(ref _received);

        public void Append(ReadOnlySpan<byte> data)
        {
            Interlocked.Add(ref _received, data.Length);
            lock (_gate)
            {
                if (data.Length >= limit) { _bytes.Clear(); _bytes.AddRange(data[^limit..].ToArray()); return; }
                var overflow = _bytes.Count + data.Length - limit;
                if (overflow > 0) _bytes.RemoveRange(0, overflow);
                _bytes.AddRange(data.ToArray());
            }
        }

        public string Text()
        {
            lock (_gate) return Encoding.UTF8.GetString(_bytes.ToArray()).Trim();
        }
    }
}

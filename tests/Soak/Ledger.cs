using System.Diagnostics;

namespace Soak;

/// <summary>
/// The observer's ledger of acknowledged appends: an admin's change appended in a loop by one long-lived client through
/// the product's write path (<c>hactl bench appends</c>: the cluster property <see cref="Property"/> set to 1, 2, 3..., one a
/// second,
/// each acknowledged one written to the ledger file at once), checked against the log with the soak's own SQL after
/// every store failover and at the end. An acknowledged number missing from the log is a lost event.
/// </summary>
public sealed class Ledger : IAsyncDisposable
{
    public const string Property = "soak-ledger";
    private readonly string _file;
    private readonly string _stopFile;
    private readonly Process _process;
    private bool _stopped;

    private Ledger(string file, string stopFile, Process process) => (_file, _stopFile, _process) = (file, stopFile, process);

    public static Ledger Start(string hactl, string connection, string directory)
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "ledger");
        var stop = Path.Combine(directory, "ledger.stop");
        File.Delete(stop);
        var psi = new ProcessStartInfo(hactl, ["bench", "appends", "--name", Property, "--ledger", file, "--stop-file", stop, "--pause-ms", "1000", "--deadline-ms", "10000"])
        { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        psi.Environment["HA_CONNECTION"] = connection;
        var p = Process.Start(psi) ?? throw new InvalidOperationException("hactl bench appends did not start");
        var errors = Path.Combine(directory, "ledger.err");
        _ = Task.Run(async () =>
        {
            await using var w = new StreamWriter(errors, append: true) { AutoFlush = true };
            while (await p.StandardError.ReadLineAsync() is { } line) await w.WriteLineAsync(line);
        });
        _ = p.StandardOutput.ReadToEndAsync();
        return new Ledger(file, stop, p);
    }

    /// <summary>The numbers acknowledged so far (the file's complete lines).</summary>
    public IReadOnlyList<long> Acknowledged()
    {
        if (!File.Exists(_file)) return [];
        using var stream = new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var complete = text.EndsWith('\n') ? text : text[..(text.LastIndexOf('\n') + 1)];
        return complete.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).Where(f => f.Length >= 3 && f[2] == "ack").Select(f => long.Parse(f[1])).ToList();
    }

    /// <summary>The acknowledged numbers the log does not hold.</summary>
    public async Task<IReadOnlyList<long>> MissingAsync(StoreReader store)
    {
        var acked = Acknowledged();
        var logged = await store.PropertyValuesAsync(Property);
        return acked.Where(a => !logged.Contains(a)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await File.WriteAllTextAsync(_stopFile, "");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        _process.Dispose();
    }
}

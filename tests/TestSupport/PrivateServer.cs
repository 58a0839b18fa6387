using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace TestSupport;

/// <summary>
/// A PostgreSQL server of one test's own (Debian's binaries, a data directory under /var/tmp, loopback, trust), for
/// tests that stop or restart the store: the shared test server must not go away under the other tests. Started as
/// the postgres user when the test runs as root (PostgreSQL refuses to run as root).
/// </summary>
public sealed class PrivateServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;

    public int Port { get; }

    private PrivateServer(string bin, string dir, int port)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
    }

    /// <summary>A connection string to <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=50;Timeout=5";

    public static async Task<PrivateServer> StartAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(Directory.Exists)
                      .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
                  ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql (./ha deps)");
        var dir = Path.Combine("/var/tmp", $"ha-test-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        if (IsRoot) await RunAsync("chown", "postgres:postgres", dir);
        var server = new PrivateServer(bin, dir, FreePort());
        await server.AsPostgresAsync("initdb", "-D", Path.Combine(dir, "data"), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C");
        await server.StartServerAsync();
        return server;
    }

    /// <summary>Stops the server at once (as a crash would: `-m immediate`), waits <paramref name="down"/>, starts it again.</summary>
    public async Task RestartAsync(TimeSpan down)
    {
        await AsPostgresAsync("pg_ctl", "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop");
        await Task.Delay(down);
        await StartServerAsync();
    }

    /// <summary>Stops the server at once, as a crash would (`-m immediate`); <see cref="StartAgainAsync"/> brings it back.</summary>
    public Task StopAsync() => AsPostgresAsync("pg_ctl", "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop");

    /// <summary>Starts the stopped server again, on the same port.</summary>
    public Task StartAgainAsync() => StartServerAsync();

    private Task StartServerAsync() => AsPostgresAsync("pg_ctl", "-D", Path.Combine(_dir, "data"), "-l", Path.Combine(_dir, "server.log"), "-w", "-t", "60",
        "-o", $"-c listen_addresses=127.0.0.1 -c port={Port} -c unix_socket_directories='' -c fsync=off -c max_connections=200", "start");

    private Task AsPostgresAsync(string program, params string[] args) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, program), .. args]) : RunAsync(Path.Combine(_bin, program), args);

    private static bool IsRoot => Environment.UserName == "root";

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {p.ExitCode}: {await output}{await error}");
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try { await AsPostgresAsync("pg_ctl", "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop"); } catch (InvalidOperationException) { }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

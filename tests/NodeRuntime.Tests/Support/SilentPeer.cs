using System.Net;
using System.Net.Sockets;

namespace NodeRuntime.Tests.Support;

/// <summary>
/// A real TCP peer that accepts connections and never answers, as a store behind a dead link looks to a client whose
/// connection was already open: every byte sent is taken, nothing comes back. (A refused connection is the easy case.)
/// </summary>
public sealed class SilentPeer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly CancellationTokenSource _stop = new();

    public SilentPeer()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>An Npgsql connection string to this peer: the client connects, sends its start-up message, and waits.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=silent;Pooling=true;Timeout=60;Command Timeout=60";

    public int Accepted { get { lock (_held) return _held.Count; } }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_held) _held.Add(socket);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_held) foreach (var s in _held) s.Dispose();
        _stop.Dispose();
    }
}

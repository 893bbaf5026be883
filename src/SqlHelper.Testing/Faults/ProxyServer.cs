using System.Net;
using System.Net.Sockets;

namespace SqlHelpers.Testing.Faults;

/// <summary>
/// The listening side of a <see cref="MySqlFaultProxy"/>: a socket on a free loopback port, the accept loop that refuses,
/// mutes or admits each new connection, the set of live connections, and the counters.
/// </summary>
internal sealed class ProxyServer : IAsyncDisposable
{
    // Disposal closes every socket at once; this bounds the wait for the pumps to notice.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly HashSet<ProxyConnection> _connections = [];
    private readonly Task _acceptLoop;
    private bool _stopped;
    private long _accepted;
    private long _refused;
    private long _bytesUpstream;
    private long _bytesDownstream;

    public ProxyServer(IPAddress[] upstreamAddresses, int upstreamPort)
    {
        UpstreamAddresses = upstreamAddresses;
        UpstreamPort = upstreamPort;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(512);
            Port = ((IPEndPoint) _listener.LocalEndPoint!).Port;
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public FaultState Faults { get; } = new();

    public IPAddress[] UpstreamAddresses { get; }

    public int UpstreamPort { get; }

    public int Port { get; }

    public int ActiveConnections
    {
        get
        {
            lock (_lock)
                return _connections.Count;
        }
    }

    public long ConnectionsAccepted => Interlocked.Read(ref _accepted);

    public long ConnectionsRefused => Interlocked.Read(ref _refused);

    public long BytesUpstream => Interlocked.Read(ref _bytesUpstream);

    public long BytesDownstream => Interlocked.Read(ref _bytesDownstream);

    public void AddForwarded(ProxyDirection direction, int count) =>
        Interlocked.Add(ref direction == ProxyDirection.Upstream ? ref _bytesUpstream : ref _bytesDownstream, count);

    public void Remove(ProxyConnection connection)
    {
        lock (_lock)
            _connections.Remove(connection);
    }

    /// <summary>Resets every live connection (RST to both ends); new connections are not affected.</summary>
    public void ResetAll()
    {
        ProxyConnection[] connections;
        lock (_lock)
            connections = [.. _connections];
        foreach (var connection in connections)
            connection.Abort();
    }

    /// <summary>Stops listening, resets every connection and waits (a few seconds at most) for every pump to stop. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        ProxyConnection[] connections;
        lock (_lock)
        {
            if (_stopped)
                return;
            _stopped = true;
            connections = [.. _connections];
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        foreach (var connection in connections)
            connection.Abort();
        try
        {
            await Task.WhenAll(connections.Select(c => c.Completion).Append(_acceptLoop)).WaitAsync(StopTimeout).ConfigureAwait(false);
            _stopping.Dispose();
        }
        catch (TimeoutException)
        {
            // Every socket is closed already, so every pump fails on its next step; none of their tasks can fault.
        }
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || token.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection reset before it was accepted, or no file descriptor left for a moment: keep listening.
                try
                {
                    await Task.Delay(10, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            Admit(client);
        }
    }

    private void Admit(Socket client)
    {
        var faults = Faults.Current;
        if (faults.RefuseNewConnections)
        {
            Interlocked.Increment(ref _refused);
            SocketClosing.Reset(client);
            return;
        }

        try
        {
            client.NoDelay = true;
        }
        catch (SocketException)
        {
            // reset by the client before it was admitted
            client.Dispose();
            return;
        }
        var connection = new ProxyConnection(this, client, faults.NeverGreet);
        lock (_lock)
        {
            if (!_stopped)
            {
                Interlocked.Increment(ref _accepted);
                _connections.Add(connection);
                connection.Start();
                return;
            }
        }
        SocketClosing.Reset(client);
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace SqlHelpers.Tests.Faults;

/// <summary>
/// A tiny upstream for the proxy tests, on a free 127.0.0.1 port: it greets each connection with <see cref="Greeting"/>
/// (as a MySQL server sends its handshake first), then echoes what it reads until the client closes, and counts what it
/// saw. Fast and deterministic, unlike a real server.
/// </summary>
public sealed class EchoServer : IAsyncDisposable
{
    public static readonly byte[] Greeting = "HELLO\n"u8.ToArray();

    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private readonly Task _acceptLoop;
    private int _accepted;
    private int _endedByReset;
    private int _endedByClose;
    private long _bytesReceived;

    public EchoServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        Port = ((IPEndPoint) _listener.LocalEndPoint!).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    /// <summary>Gets the number of connections that reached the server.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Gets the number of connections that the other end reset (RST).</summary>
    public int EndedByReset => Volatile.Read(ref _endedByReset);

    /// <summary>Gets the number of connections that the other end closed in order (FIN).</summary>
    public int EndedByClose => Volatile.Read(ref _endedByClose);

    /// <summary>Gets the bytes received from all connections.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Resets every connection from the server's side.</summary>
    public void ResetAll()
    {
        foreach (var socket in _connections.Keys)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (ObjectDisposedException)
            {
                // that connection ended meanwhile
            }
            socket.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        foreach (var socket in _connections.Keys)
            socket.Dispose();
        await Task.WhenAll(_connections.Values.Append(_acceptLoop)).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            socket.NoDelay = true;
            _connections[socket] = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            await socket.SendAsync(Greeting, SocketFlags.None, _stop.Token);
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    Interlocked.Increment(ref _endedByClose);
                    socket.Shutdown(SocketShutdown.Send);
                    return;
                }
                Interlocked.Add(ref _bytesReceived, read);
                var data = buffer.AsMemory(0, read);
                while (!data.IsEmpty)
                    data = data[await socket.SendAsync(data, SocketFlags.None, _stop.Token)..];
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            Interlocked.Increment(ref _endedByReset);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // stopped, or reset by ResetAll
        }
        finally
        {
            socket.Dispose();
            _connections.TryRemove(socket, out _);
        }
    }
}

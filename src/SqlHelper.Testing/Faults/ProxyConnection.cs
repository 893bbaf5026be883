using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;

namespace SqlHelpers.Testing.Faults;

/// <summary>
/// One client connection through the proxy: the accepted socket, the socket to the server once it is connected, and
/// one <see cref="Pump"/> per direction. It closes both sockets exactly once, whoever asks first: both pumps reaching
/// the end of their streams, a limit, an error on either side (passed on as a reset), a reset of all connections, or
/// the proxy's disposal.
/// </summary>
internal sealed class ProxyConnection
{
    private readonly ProxyServer _server;
    private readonly Socket _client;
    private readonly bool _neverGreet;
    private readonly Lock _lock = new();

    // Never disposed: it has no timer, no linked token and no wait handle, and pumps may still read its token while
    // the connection closes. Cancelled exactly once, when the connection closes.
    private readonly CancellationTokenSource _closing = new();
    private Socket? _upstream;
    private int _closed;
    private long _lastActivity = Stopwatch.GetTimestamp();
    private volatile bool _forgotten;

    public ProxyConnection(ProxyServer server, Socket client, bool neverGreet)
    {
        _server = server;
        _client = client;
        _neverGreet = neverGreet;
    }

    /// <summary>Gets a task that completes when both sockets are closed and every pump has stopped; it never faults.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public FaultState Faults => _server.Faults;

    public ProxyServer Server => _server;

    /// <summary>Gets a token that is cancelled when the connection closes.</summary>
    public CancellationToken Token => _closing.Token;

    /// <summary>Gets whether the connection was idle too long and is no longer forwarded, in either direction, for good.</summary>
    public bool IsForgotten => _forgotten;

    public void Start() => Completion = Task.Run(RunAsync);

    /// <summary>Notes traffic read at <paramref name="now"/>; forgets the connection if it had been idle longer than <paramref name="forgetAfter"/>.</summary>
    /// <returns>Whether the connection is forgotten.</returns>
    public bool NoteActivity(long now, TimeSpan? forgetAfter)
    {
        var previous = Interlocked.Exchange(ref _lastActivity, now);
        if (forgetAfter is { } limit && Stopwatch.GetElapsedTime(previous, now) > limit)
            _forgotten = true;
        return _forgotten;
    }

    /// <summary>Closes both sockets with a reset (RST) and stops the pumps.</summary>
    public void Abort() => Close(reset: true);

    /// <summary>Closes both sockets in order (FIN after the data already forwarded) and stops the pumps.</summary>
    public void CloseInOrder() => Close(reset: false);

    private void Close(bool reset)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        Socket? upstream;
        lock (_lock)
            upstream = _upstream;
        _closing.Cancel();
        Close(_client, reset);
        if (upstream is not null)
            Close(upstream, reset);
    }

    private static void Close(Socket socket, bool reset)
    {
        if (reset)
            SocketClosing.Reset(socket);
        else
            SocketClosing.Close(socket);
    }

    private async Task RunAsync()
    {
        try
        {
            if (_neverGreet)
            {
                await DrainClientAsync().ConfigureAwait(false);
                return;
            }

            // A blackhole holds the connection before it reaches the server, as a network that drops the SYN would.
            while (true)
            {
                var changed = Faults.Changed;
                if (!Faults.Current.Blackhole)
                    break;
                await changed.WaitAsync(Token).ConfigureAwait(false);
            }

            var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            lock (_lock)
            {
                if (Volatile.Read(ref _closed) != 0)
                {
                    upstream.Dispose();
                    return;
                }
                _upstream = upstream;
            }
            await upstream.ConnectAsync(_server.UpstreamAddresses, _server.UpstreamPort, Token).ConfigureAwait(false);

            var toServer = new Pump(this, _client, upstream, ProxyDirection.Upstream).RunAsync();
            var toClient = new Pump(this, upstream, _client, ProxyDirection.Downstream).RunAsync();
            await Task.WhenAll(toServer, toClient).ConfigureAwait(false);
            CloseInOrder();
        }
        catch (Exception)
        {
            // The server refused or reset, the connection was closed while it waited, or (a bug) anything else: the
            // client gets a reset (below), and this task never faults, so nothing is left unobserved.
        }
        finally
        {
            // a no-op after an orderly close; otherwise a reset to both ends
            Abort();
            _server.Remove(this);
        }
    }

    // Never greeted: nothing is sent and nothing is forwarded; whatever the client sends is read and dropped, so that
    // its close is seen and the socket freed.
    private async Task DrainClientAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (await _client.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, Token).ConfigureAwait(false) > 0)
            {
            }
            CloseInOrder();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

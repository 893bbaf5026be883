using System.Net;
using System.Net.Sockets;

namespace SqlHelpers.Tests.Faults;

/// <summary>A raw TCP client for the proxy tests. Every wait is bounded by <see cref="Timeout"/>, so no test can hang.</summary>
public sealed class ProxyClient : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;

    private ProxyClient(Socket socket) => _socket = socket;

    /// <summary>How a read to the end of the stream ended.</summary>
    public enum End
    {
        Closed,
        Reset,
    }

    public static async Task<ProxyClient> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            return new ProxyClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects and reads the upstream's greeting.</summary>
    public static async Task<ProxyClient> ConnectGreetedAsync(int port)
    {
        var client = await ConnectAsync(port);
        Assert.Equal(EchoServer.Greeting, await client.ReadExactlyAsync(EchoServer.Greeting.Length));
        return client;
    }

    public async Task SendAsync(byte[] data)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var rest = data.AsMemory();
        while (!rest.IsEmpty)
            rest = rest[await _socket.SendAsync(rest, SocketFlags.None, timeout.Token)..];
    }

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public async Task<byte[]> ReadExactlyAsync(int count)
    {
        var buffer = new byte[count];
        var offset = 0;
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            while (offset < count)
            {
                var read = await _socket.ReceiveAsync(buffer.AsMemory(offset), SocketFlags.None, timeout.Token);
                if (read == 0)
                    throw new EndOfStreamException($"The connection closed after {offset} of {count} bytes.");
                offset += read;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Only {offset} of {count} bytes arrived within {Timeout.TotalSeconds} s.");
        }
        return buffer;
    }

    /// <summary>Reads until the connection ends, and says how it ended and what arrived first.</summary>
    public async Task<(byte[] Data, End End)> ReadToEndAsync()
    {
        var data = new MemoryStream();
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (read == 0)
                    return (data.ToArray(), End.Closed);
                data.Write(buffer, 0, read);
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return (data.ToArray(), End.Reset);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The connection did not end within {Timeout.TotalSeconds} s ({data.Length} bytes arrived).");
        }
    }

    /// <summary>Waits <paramref name="window"/>, then asserts that nothing arrived and the connection did not end.</summary>
    public async Task AssertSilentAsync(TimeSpan window)
    {
        await Task.Delay(window);
        Assert.False(_socket.Poll(0, SelectMode.SelectRead), "Data, a close or a reset arrived on a connection that should be silent.");
    }

    /// <summary>Sends <paramref name="data"/> and reads the same number of bytes back.</summary>
    public async Task<byte[]> EchoAsync(byte[] data)
    {
        var reading = ReadExactlyAsync(data.Length);
        await Task.WhenAll(reading, SendAsync(data));
        return await reading;
    }

    public void Dispose() => _socket.Dispose();
}

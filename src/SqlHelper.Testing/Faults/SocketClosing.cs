using System.Net.Sockets;

namespace SqlHelpers.Testing.Faults;

/// <summary>The two ways the proxy closes a socket: a reset (RST) or an orderly close (FIN after the data already sent).</summary>
internal static class SocketClosing
{
    /// <summary>Closes <paramref name="socket"/> with a TCP reset: linger on with a zero timeout, then close.</summary>
    public static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // already closed, or never connected: closing it is all that is left to do
        }
        socket.Dispose();
    }

    /// <summary>Closes <paramref name="socket"/> in order: the data already sent, then a FIN.</summary>
    public static void Close(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // already closed, reset by the peer, or never connected
        }
        socket.Dispose();
    }
}

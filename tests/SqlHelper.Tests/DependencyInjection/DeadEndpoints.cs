using System.Net;
using System.Net.Sockets;

namespace SqlHelpers.Tests.DependencyInjection;

/// <summary>Loopback ports where no MySQL server answers.</summary>
internal static class DeadEndpoints
{
    /// <summary>Returns a loopback port that nothing listens on (it was free a moment ago): connections are refused.</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint) listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// Starts a listener that accepts TCP connections and never says a word, like a hung server: a client waits for the
    /// server's greeting until it gives up. Dispose it to close the port.
    /// </summary>
    public static TcpListener SilentListener()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    public static int Port(this TcpListener listener) => ((IPEndPoint) listener.LocalEndpoint).Port;
}

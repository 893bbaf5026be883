using System.Net;
using System.Net.Sockets;

namespace SqlHelpers.Testing.Utilities;

/// <summary>Finds a TCP port on 127.0.0.1 that nothing listens on (the kernel's pick for port 0).</summary>
internal static class FreePort
{
    public static int Find()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint) listener.LocalEndpoint).Port;
    }
}

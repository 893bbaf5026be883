using System.Net;
using System.Net.Sockets;

namespace SqlHelpers.Testing.Utilities;

/// <summary>Finds TCP ports that nothing listens on.</summary>
internal static class FreePort
{
    /// <summary>The ports <see cref="FindBlock"/> picks from: below Linux's default ephemeral range (32768-60999), so outgoing connections do not take them meanwhile.</summary>
    private const int BlockRangeStart = 20000;
    private const int BlockRangeEnd = 32000;
    private const int BlockAttempts = 200;

    /// <summary>Finds a port on 127.0.0.1 (the kernel's pick for port 0).</summary>
    public static int Find()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint) listener.LocalEndpoint).Port;
    }

    /// <summary>Finds <paramref name="count"/> consecutive ports that are free on every one of <paramref name="addresses"/>.</summary>
    /// <returns>The first port of the block.</returns>
    /// <exception cref="InvalidOperationException">An address cannot be bound (not on the loopback interface), or no free block was found.</exception>
    public static int FindBlock(int count, IReadOnlyList<IPAddress> addresses)
    {
        foreach (var address in addresses)
        {
            if (!CanBind(address, 0, out var error))
            {
                throw new InvalidOperationException(
                    $"Cannot listen on {address}: {error} A test cluster gives each node its own loopback address (127.0.0.1, 127.0.0.2, ...), " +
                    "which Linux routes to the loopback interface by itself; on other systems add them as aliases of the loopback interface.");
            }
        }
        for (var attempt = 0; attempt < BlockAttempts; attempt++)
        {
            var first = Random.Shared.Next(BlockRangeStart, BlockRangeEnd - count);
            if (Enumerable.Range(first, count).All(port => addresses.All(address => CanBind(address, port, out _))))
                return first;
        }
        throw new InvalidOperationException($"Found no {count} consecutive free TCP ports between {BlockRangeStart} and {BlockRangeEnd} in {BlockAttempts} tries.");
    }

    private static bool CanBind(IPAddress address, int port, out string error)
    {
        try
        {
            using var listener = new TcpListener(address, port);
            listener.Start();
            error = "";
            return true;
        }
        catch (SocketException ex)
        {
            error = ex.Message + ".";
            return false;
        }
    }
}

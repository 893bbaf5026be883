using System.Globalization;
using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Batches;

/// <summary>
/// The server's <c>max_allowed_packet</c>, read once per pool on the first batch that needs it and kept: every chunk of a
/// batch must fit in one packet, or the server drops the connection.
/// </summary>
internal sealed class ServerLimits
{
    /// <summary>Bytes kept free in each packet for the command header, separators and what the estimate may miss.</summary>
    public const int Headroom = 4096;

    private int _maxAllowedPacket;

    /// <summary>Returns the server's <c>max_allowed_packet</c>, reading it on <paramref name="connection"/> the first time.</summary>
    public async ValueTask<int> MaxAllowedPacketAsync(MySqlConnection connection, MySqlTransaction? transaction, IOBehavior io, CancellationToken cancellationToken)
    {
        var known = Volatile.Read(ref _maxAllowedPacket);
        if (known > 0)
            return known;
        using var command = new MySqlCommand("SELECT @@max_allowed_packet", connection, transaction);
        var value = io == IOBehavior.Synchronous ? command.ExecuteScalar() : await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        known = (int) Math.Clamp(Convert.ToInt64(value, CultureInfo.InvariantCulture), 1024, int.MaxValue);
        Volatile.Write(ref _maxAllowedPacket, known);
        return known;
    }

    /// <summary>Returns how many bytes of SQL and values one chunk may hold under <paramref name="maxAllowedPacket"/>.</summary>
    public static long Budget(int maxAllowedPacket) => Math.Max(1024, maxAllowedPacket - Headroom);
}

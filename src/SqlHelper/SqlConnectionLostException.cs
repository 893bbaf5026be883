using System.Globalization;

namespace SqlHelpers;

/// <summary>
/// The exception thrown when a scope's connection died under it: killed on the server, or the network failed. The
/// connection is discarded (never pooled) when the scope is disposed; open a new scope to go on.
/// </summary>
public sealed class SqlConnectionLostException : SqlHelperException
{
    internal SqlConnectionLostException(int connectionId, string? server, Exception? innerException)
        : base(MessageFor(connectionId, server), innerException)
    {
        ConnectionId = connectionId;
        Server = server;
    }

    /// <summary>Gets the server's id of the lost connection (<c>CONNECTION_ID()</c>).</summary>
    public int ConnectionId { get; }

    /// <summary>Gets the server the connection went to, as <c>host:port/database</c>; never credentials.</summary>
    public string? Server { get; }

    private static string MessageFor(int connectionId, string? server) => string.Create(CultureInfo.InvariantCulture,
        $"The connection of this scope (server connection {connectionId}{(server is null ? "" : " to " + server)}) was lost: it was killed on the server or the network failed. Dispose the scope (its connection is discarded, not pooled) and open a new one.");

    /// <summary>Gets <c>true</c>: a new scope gets a new connection, which may well work.</summary>
    public override bool IsTransient => true;
}

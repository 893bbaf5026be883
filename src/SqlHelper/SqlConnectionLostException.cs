using System.Globalization;

namespace SqlHelpers;

/// <summary>
/// The exception thrown when a scope's connection died under it: killed on the server, or the network failed. The
/// connection is discarded (never pooled) when the scope is disposed; open a new scope to go on.
/// </summary>
public sealed class SqlConnectionLostException : SqlHelperException
{
    internal SqlConnectionLostException(int connectionId, string? server, bool outcomeUnknown, Exception? innerException)
        : base(MessageFor(connectionId, server, outcomeUnknown), innerException)
    {
        ConnectionId = connectionId;
        Server = server;
        OutcomeUnknown = outcomeUnknown;
    }

    /// <summary>Gets the server's id of the lost connection (<c>CONNECTION_ID()</c>).</summary>
    public int ConnectionId { get; }

    /// <summary>Gets the server the connection went to, as <c>host:port/database</c>; never credentials.</summary>
    public string? Server { get; }

    /// <summary>
    /// Gets whether the connection was lost after a statement had been sent, so the server may or may not have run it: an
    /// autocommitted write may have committed. SqlHelper never sends it again; check before retrying a write. <c>false</c>
    /// when the connection was found lost before anything was sent.
    /// </summary>
    public bool OutcomeUnknown { get; }

    private static string MessageFor(int connectionId, string? server, bool outcomeUnknown) => string.Create(CultureInfo.InvariantCulture,
        $"The connection of this scope (server connection {connectionId}{(server is null ? "" : " to " + server)}) was lost: it was killed on the server or the network failed. {(outcomeUnknown ? "The statement had been sent, so whether the server ran it is unknown; it was not sent again. " : "Nothing was sent. ")}Dispose the scope (its connection is discarded, not pooled) and open a new one.");

    /// <summary>Gets <c>true</c>: a new scope gets a new connection, which may well work.</summary>
    public override bool IsTransient => true;
}

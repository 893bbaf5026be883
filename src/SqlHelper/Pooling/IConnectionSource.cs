using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Pooling;

/// <summary>
/// Where a <see cref="ScopePool"/> gets physical connections: MySqlConnector's pool in production
/// (<see cref="ConnectionSource"/>), a fake in the unit tests of the concurrency core.
/// </summary>
internal interface IConnectionSource : IDisposable, IAsyncDisposable
{
    /// <summary>Gets the connection string of the pool (with its password): for SqlHelper's own side connections only.</summary>
    string ConnectionString { get; }

    /// <summary>Gets a description of the server and user, never the password.</summary>
    string Description { get; }

    /// <summary>Opens a pooled connection; the session is initialised when it is new or was reset.</summary>
    ValueTask<MySqlConnection> OpenAsync(IOBehavior io, CancellationToken cancellationToken);

    /// <summary>Returns a connection to the driver's pool (a broken one is discarded there).</summary>
    ValueTask CloseAsync(MySqlConnection connection, IOBehavior io);

    /// <summary>
    /// Gets the source's current generation: connections opened while it stays the same come from the same driver pool.
    /// A clear (<see cref="ClearAsync"/>) starts a new one.
    /// </summary>
    object Generation { get; }

    /// <summary>
    /// Returns a connection to the driver's pool like <see cref="CloseAsync"/>, and keeps the closed object to open again
    /// for a later scope when it came from the current <paramref name="generation"/>: one allocation and setup fewer per
    /// open. The caller guarantees that nothing outside SqlHelper holds the object and nothing still runs on it.
    /// </summary>
    ValueTask CloseForReuseAsync(MySqlConnection connection, object generation, IOBehavior io);

    /// <summary>
    /// Gets whether a session is reset by closing its connection for good (the next scope gets a new one) instead of
    /// COM_RESET_CONNECTION: with causal reads, because a Galera node stops honouring <c>wsrep_sync_wait</c> on a session
    /// that was reset or changed user (codership/galera#613, seen on MariaDB 10.11), so a reset session would read stale rows.
    /// </summary>
    bool ResetsByReconnecting { get; }

    /// <summary>
    /// Gets or sets what is told the server id of each physical connection the source has just opened (a session nobody
    /// has used, so nobody needs to ping it), before the open returns; set by the session tracker under WhenDirty.
    /// </summary>
    Action<int>? NewSessionOpened { get; set; }

    /// <summary>Closes the connection's session for good: the driver drops it instead of pooling it. Never throws.</summary>
    ValueTask DiscardAsync(MySqlConnection connection, IOBehavior io);

    /// <summary>Resets the session of an open connection and runs the session-init statements again.</summary>
    ValueTask ResetSessionAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken);

    /// <summary>Empties the session's diagnostics area (the warnings <c>SHOW WARNINGS</c> would read) and changes nothing else.</summary>
    ValueTask ClearDiagnosticsAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken);

    /// <summary>
    /// Returns whether the connection still answers, within a bound. A connection that does not is closed by this call (or,
    /// when the ping is still pending, as soon as it ends): the caller must not use it again.
    /// </summary>
    ValueTask<bool> PingAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken);

    /// <summary>Returns the server's id of an open connection (<c>CONNECTION_ID()</c>).</summary>
    int ConnectionIdOf(MySqlConnection connection);

    /// <summary>Returns whether the connection is still open (not closed by a failure).</summary>
    bool IsOpen(MySqlConnection connection);

    /// <summary>Closes every idle pooled connection; connections in use are closed instead of pooled when they come back.</summary>
    ValueTask ClearAsync(IOBehavior io);
}

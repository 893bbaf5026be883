using MySqlConnector;
using SqlHelpers.Diagnostics;
using SqlHelpers.Scopes;

namespace SqlHelpers;

// SessionResetPolicy.WhenDirty: reset on release only what a scope may have dirtied; replace a connection that a scope's
// first statement found dead.
public sealed partial class SqlHelper
{
    /// <summary>Replaces the connection of a scope whose first statement found it dead (see SqlScope.Run).</summary>
    internal MySqlConnection ReplaceDeadConnection(SqlScope scope)
    {
        scope.Lease.Connection?.Dispose();   // broken: MySqlConnector discards it instead of pooling it
        var connection = scope.Lease.Pool!.Source.Open();
        scope.ReplaceConnection(connection);
        return connection;
    }

    internal async ValueTask<MySqlConnection> ReplaceDeadConnectionAsync(SqlScope scope, CancellationToken cancellationToken)
    {
        if (scope.Lease.Connection is { } dead)
            await dead.DisposeAsync().ConfigureAwait(false);
        var connection = await scope.Lease.Pool!.Source.OpenAsync(cancellationToken).ConfigureAwait(false);
        scope.ReplaceConnection(connection);
        return connection;
    }

    /// <summary>Pings the scope's connection and replaces it while it is dead (before a first statement that must not run twice).</summary>
    internal MySqlConnection EnsureAlive(SqlScope scope)
    {
        var connection = scope.Lease.Connection!;
        for (var attempt = 0; !connection.Ping() && attempt < scope.Lease.Pool!.MaxConnections; attempt++)
            connection = ReplaceDeadConnection(scope);
        return connection;
    }

    internal async ValueTask<MySqlConnection> EnsureAliveAsync(SqlScope scope, CancellationToken cancellationToken)
    {
        var connection = scope.Lease.Connection!;
        for (var attempt = 0; !await connection.PingAsync(cancellationToken).ConfigureAwait(false) && attempt < scope.Lease.Pool!.MaxConnections; attempt++)
            connection = await ReplaceDeadConnectionAsync(scope, cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>Under WhenDirty: resets the session before the connection goes back, unless the scope left it clean.</summary>
    private void ResetIfDirty(ScopeLease lease, MySqlConnection connection)
    {
        if (!NeedsReset(lease, connection))
            return;
        try
        {
            lease.Transaction?.Dispose();
            lease.Pool!.Source.ResetSession(connection);
            _counters.SessionReset();
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or IOException)
        {
            DiscardDirty(lease, connection, ex);
        }
    }

    private async ValueTask ResetIfDirtyAsync(ScopeLease lease, MySqlConnection connection)
    {
        if (!NeedsReset(lease, connection))
            return;
        try
        {
            if (lease.Transaction is { } transaction)
                await transaction.DisposeAsync().ConfigureAwait(false);
            await lease.Pool!.Source.ResetSessionAsync(connection, CancellationToken.None).ConfigureAwait(false);
            _counters.SessionReset();
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or IOException)
        {
            DiscardDirty(lease, connection, ex);
        }
    }

    private bool NeedsReset(ScopeLease lease, MySqlConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open)
            return false;   // broken: it will be discarded, not pooled
        if (lease.Dirty || lease.Transaction?.Connection is not null)
            return true;
        _counters.SessionResetSkipped();
        return false;
    }

    /// <summary>A dirty session that could not be reset must not reach another scope: close every pooled connection.</summary>
    private void DiscardDirty(ScopeLease lease, MySqlConnection connection, Exception exception)
    {
        Log.ScopeReleaseFailed(_logger, exception, lease.Id);
        if (connection.State == System.Data.ConnectionState.Open)
            lease.Pool!.Source.Clear();
    }
}

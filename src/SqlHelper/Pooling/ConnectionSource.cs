using System.Data;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using SqlHelpers.Utilities;

namespace SqlHelpers.Pooling;

/// <summary>
/// Hands out open MySqlConnector connections from a pool sized for one server, running the configured session-init
/// statements whenever MySqlConnector reports a new physical connection or a session reset, and after SqlHelper's own resets.
/// </summary>
internal sealed class ConnectionSource : IConnectionSource
{
    // MySqlConnector's opened-callback does not say whether the open was synchronous; the opening thread says it here.
    [ThreadStatic]
    private static bool _openingSynchronously;

    private readonly string _sessionInitSql;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly bool _reportsNewSessions;
    private readonly TimeSpan _pingTimeout;
    private ClosedConnections _generation;

    public ConnectionSource(MySqlConnectionStringBuilder builder, SqlHelperOptions options, int maxConnections, int minIdle)
    {
        // SessionInit and user SQL use session variables (SET @tenant = ...), which MySqlConnector rejects as undefined
        // parameters unless AllowUserVariables is on. A connection string that sets it explicitly wins.
        if (!builder.ContainsKey("AllowUserVariables"))
            builder.AllowUserVariables = true;
        // A scope's transaction covers every command on its connection, including ones the user builds on
        // scope.Connection without setting MySqlCommand.Transaction.
        if (!builder.ContainsKey("IgnoreCommandTransaction"))
            builder.IgnoreCommandTransaction = true;
        // Under WhenDirty SqlHelper resets the connections that need it when they are released. With causal reads the
        // driver must never reset either: a reset session ignores wsrep_sync_wait, so SqlHelper replaces it instead.
        ResetsByReconnecting = options.CausalReads;
        if (options.SessionReset == SessionResetPolicy.WhenDirty || ResetsByReconnecting)
            builder.ConnectionReset = false;
        builder.Pooling = true;
        builder.MaximumPoolSize = (uint) maxConnections;
        builder.MinimumPoolSize = (uint) minIdle;
        ConnectionString = builder.ConnectionString;
        _pingTimeout = TimeSpan.FromSeconds(Math.Max(1, builder.ConnectionTimeout));
        Description = SecretRedactor.Describe(builder);
        // CausalReads: reads wait until the node has applied what the cluster committed before them (Galera only).
        IEnumerable<string> init = options.CausalReads ? [.. options.SessionInit, "SET SESSION wsrep_sync_wait = 1"] : options.SessionInit;
        _sessionInitSql = string.Join(";\n", init.Select(static s => s.Trim().TrimEnd(';')));
        _loggerFactory = options.LoggerFactory;
        // Under WhenDirty the session tracker pings connections whose idle time it does not know; it learns of new ones here.
        _reportsNewSessions = options.SessionReset == SessionResetPolicy.WhenDirty;
        _generation = new ClosedConnections(Build(), maxConnections);
    }

    public string ConnectionString { get; }

    public string Description { get; }

    public bool ResetsByReconnecting { get; }

    public Action<int>? NewSessionOpened { get; set; }

    public object Generation => Volatile.Read(ref _generation);

    public ValueTask<MySqlConnection> OpenAsync(IOBehavior io, CancellationToken cancellationToken)
    {
        var connection = Volatile.Read(ref _generation).Take();
        if (io == IOBehavior.Asynchronous)
        {
            // Not an async method when the driver's open completes at once (an idle pooled session): no state machine of ours.
            Task open;
            try
            {
                open = connection.OpenAsync(cancellationToken);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
            return open.IsCompletedSuccessfully ? new ValueTask<MySqlConnection>(connection) : CompleteOpenAsync(connection, open, cancellationToken);
        }
        // The synchronous open is plain code: no state machine on the synchronous path, and the thread-static flag only
        // when a session-init callback will read it.
        var flagged = _sessionInitSql.Length != 0;
        try
        {
            if (flagged)
                _openingSynchronously = true;
            connection.Open();
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        finally
        {
            if (flagged)
                _openingSynchronously = false;
        }
        return new ValueTask<MySqlConnection>(connection);
    }

    private static async ValueTask<MySqlConnection> CompleteOpenAsync(MySqlConnection connection, Task open, CancellationToken cancellationToken)
    {
        try
        {
            if (!open.IsCompleted && cancellationToken.CanBeCanceled)
            {
                try
                {
                    // The driver does not always watch the token while it connects (a server that accepts but never
                    // greets keeps it until Connect Timeout): stop waiting at once and close the connection later.
                    await open.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    _ = CloseWhenOpenEndsAsync(open, connection);
                    throw;
                }
            }
            await open.ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task CloseWhenOpenEndsAsync(Task pending, MySqlConnection connection)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MySqlException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // The caller gave up and has been told; only the connection is left to close.
        }
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    public ValueTask CloseAsync(MySqlConnection connection, IOBehavior io)
    {
        if (io == IOBehavior.Asynchronous)
            return connection.DisposeAsync();
        connection.Dispose();
        return default;
    }

    public ValueTask CloseForReuseAsync(MySqlConnection connection, object generation, IOBehavior io)
    {
        // A connection of an older generation belongs to a data source that was cleared and disposed: never reopened.
        if (generation != Volatile.Read(ref _generation))
            return CloseAsync(connection, io);
        var kept = (ClosedConnections) generation;
        if (io == IOBehavior.Asynchronous)
        {
            var closing = connection.CloseAsync();
            if (!closing.IsCompletedSuccessfully)
                return KeepAfterCloseAsync(kept, connection, closing);
            Keep(kept, connection);
            return default;
        }
        try
        {
            connection.Close();
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        Keep(kept, connection);
        return default;
    }

    private static async ValueTask KeepAfterCloseAsync(ClosedConnections kept, MySqlConnection connection, Task closing)
    {
        try
        {
            await closing.ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        Keep(kept, connection);
    }

    /// <summary>Keeps a closed connection for reuse, or disposes it when it is not closed cleanly or there is no room.</summary>
    private static void Keep(ClosedConnections kept, MySqlConnection connection)
    {
        if (connection.State != ConnectionState.Closed || !kept.TryKeep(connection))
            connection.Dispose();
    }

    public async ValueTask ResetSessionAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken)
    {
        // MySqlConnector has no synchronous COM_RESET_CONNECTION: the synchronous path blocks on the asynchronous one.
        if (io == IOBehavior.Synchronous)
            connection.ResetConnectionAsync(cancellationToken).AsTask().GetAwaiter().GetResult();
        else
            await connection.ResetConnectionAsync(cancellationToken).ConfigureAwait(false);
        await RunSessionInitAsync(connection, io, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DiscardAsync(MySqlConnection connection, IOBehavior io)
    {
        // MySqlConnector has no call that closes one pooled session for good, but it drops a session it finds broken when
        // the session comes back. The server closes this one; the ping that follows tells the driver (and closes it).
        try
        {
            var kill = new MySqlCommand("KILL CONNECTION_ID()", connection);
            if (io == IOBehavior.Synchronous)
                kill.ExecuteNonQuery();
            else
                await kill.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or IOException)
        {
            // expected: the server ends the statement's own connection with error 1927
        }
        try
        {
            if (IsOpen(connection))
                await PingAsync(connection, io, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or IOException)
        {
            await CloseAsync(connection, io).ConfigureAwait(false);
        }
    }

    public async ValueTask ClearDiagnosticsAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(Queries.DiagnosticsClearing.ClearStatement, connection);
        if (io == IOBehavior.Synchronous)
            command.ExecuteNonQuery();
        else
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> PingAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken)
    {
        // The driver's ping does not watch a token while it waits for the reply, so a connection the network forgot
        // (packets dropped, nothing refused) would keep it for the operating system's retransmission timeout, minutes.
        // A ping gets Connect Timeout, like an open; a late one counts as dead and its connection is closed once it ends.
        var ping = io == IOBehavior.Synchronous ? Task.Run(() => connection.Ping(), CancellationToken.None) : connection.PingAsync(CancellationToken.None);
        bool alive;
        try
        {
            var bounded = ping.WaitAsync(_pingTimeout, cancellationToken);
            alive = io == IOBehavior.Synchronous ? bounded.GetAwaiter().GetResult() : await bounded.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            _ = CloseWhenOpenEndsAsync(ping, connection);
            if (ex is OperationCanceledException)
                throw;
            return false;
        }
        if (!alive)
            await CloseAsync(connection, io).ConfigureAwait(false);   // broken: the driver discards it
        return alive;
    }

    public int ConnectionIdOf(MySqlConnection connection) => connection.ServerThread;

    public bool IsOpen(MySqlConnection connection) => connection.State == ConnectionState.Open;

    public async ValueTask ClearAsync(IOBehavior io)
    {
        // The old generation's kept objects go with it: they would reopen from the disposed data source.
        var old = Interlocked.Exchange(ref _generation, new ClosedConnections(Build(), Volatile.Read(ref _generation).Capacity)).DataSource;
        if (io == IOBehavior.Synchronous)
            old.Dispose();
        else
            await old.DisposeAsync().ConfigureAwait(false);
    }

    public void Dispose() => Volatile.Read(ref _generation).DataSource.Dispose();

    public ValueTask DisposeAsync() => Volatile.Read(ref _generation).DataSource.DisposeAsync();

    private MySqlDataSource Build()
    {
        var builder = new MySqlDataSourceBuilder(ConnectionString);
        if (_loggerFactory is not null)
            builder.UseLoggerFactory(_loggerFactory);
        if (_sessionInitSql.Length != 0 || _reportsNewSessions)
            builder.UseConnectionOpenedCallback(OnConnectionOpened);
        return builder.Build();
    }

    private ValueTask OnConnectionOpened(MySqlConnectionOpenedContext context, CancellationToken cancellationToken)
    {
        if ((context.Conditions & MySqlConnectionOpenedConditions.New) != 0)
            NewSessionOpened?.Invoke(context.Connection.ServerThread);
        return (context.Conditions & (MySqlConnectionOpenedConditions.New | MySqlConnectionOpenedConditions.Reset)) == 0 || _sessionInitSql.Length == 0
            ? default
            : RunSessionInitAsync(context.Connection, _openingSynchronously ? IOBehavior.Synchronous : IOBehavior.Asynchronous, cancellationToken);
    }

    /// <summary>Runs the session-init statements: the one copy of that code, for new, driver-reset and SqlHelper-reset sessions.</summary>
    private async ValueTask RunSessionInitAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken)
    {
        if (_sessionInitSql.Length == 0)
            return;
        var command = new MySqlCommand(_sessionInitSql, connection);
        try
        {
            if (io == IOBehavior.Synchronous)
                command.ExecuteNonQuery();
            else
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException ex)
        {
            throw new InvalidOperationException($"A SessionInit statement failed on a new or reset connection: {ex.Message} Check SqlHelperOptions.SessionInit.", ex);
        }
        finally
        {
            await CloseCommandAsync(command, io).ConfigureAwait(false);
        }
    }

    private static ValueTask CloseCommandAsync(MySqlCommand command, IOBehavior io)
    {
        if (io == IOBehavior.Asynchronous)
            return command.DisposeAsync();
        command.Dispose();
        return default;
    }
}

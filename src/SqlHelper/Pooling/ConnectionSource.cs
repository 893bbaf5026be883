using MySqlConnector;

namespace SqlHelpers.Pooling;

/// <summary>
/// Hands out open MySqlConnector connections from a pool sized for the helper, running the configured session-init
/// statements whenever MySqlConnector reports a new physical connection or a session reset.
/// </summary>
internal sealed class ConnectionSource : IAsyncDisposable, IDisposable
{
    [ThreadStatic]
    private static bool t_openingSynchronously;

    private readonly string _connectionString;
    private readonly string _sessionInitSql;
    private readonly Microsoft.Extensions.Logging.ILoggerFactory? _loggerFactory;
    private MySqlDataSource _dataSource;

    public ConnectionSource(MySqlConnectionStringBuilder builder, SqlHelperOptions options, int maxConnections, int minIdle)
    {
        // SessionInit and seed-style SQL use session variables (SET @tenant = ...), which MySqlConnector rejects as
        // undefined parameters unless AllowUserVariables is on. A connection string that sets it explicitly wins.
        if (!builder.ContainsKey("AllowUserVariables"))
            builder.AllowUserVariables = true;
        // A scope's transaction covers every command on its connection, including ones the user builds on
        // scope.Connection without setting MySqlCommand.Transaction.
        if (!builder.ContainsKey("IgnoreCommandTransaction"))
            builder.IgnoreCommandTransaction = true;
        // Under WhenDirty SqlHelper resets the connections that need it when they are released.
        if (options.SessionReset == SessionResetPolicy.WhenDirty)
            builder.ConnectionReset = false;
        builder.Pooling = true;
        builder.MaximumPoolSize = (uint) maxConnections;
        builder.MinimumPoolSize = (uint) minIdle;
        _connectionString = builder.ConnectionString;
        Description = SecretRedactor.Describe(builder);
        _sessionInitSql = string.Join(";\n", options.SessionInit.Select(static s => s.Trim().TrimEnd(';')));
        _loggerFactory = options.LoggerFactory;
        _dataSource = Build();
    }

    /// <summary>Gets the connection string the pool uses (with its password): for SqlHelper's own side connections only.</summary>
    public string ConnectionString => _connectionString;

    /// <summary>Gets a description of the server and user, never the password.</summary>
    public string Description { get; }


    /// <summary>Opens a pooled connection synchronously; the session is reset and initialised when needed.</summary>
    public MySqlConnection Open()
    {
        var connection = Volatile.Read(ref _dataSource).CreateConnection();
        t_openingSynchronously = true;
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        finally
        {
            t_openingSynchronously = false;
        }
    }

    /// <summary>Asynchronously opens a pooled connection; the session is reset and initialised when needed.</summary>
    public async ValueTask<MySqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = Volatile.Read(ref _dataSource).CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Resets the session of an open connection and runs the session-init statements again (synchronously).</summary>
    public void ResetSession(MySqlConnection connection)
    {
        // MySqlConnector has no synchronous COM_RESET_CONNECTION; this blocks on the asynchronous one.
        connection.ResetConnectionAsync().AsTask().GetAwaiter().GetResult();
        if (_sessionInitSql.Length == 0)
            return;
        using var command = new MySqlCommand(_sessionInitSql, connection);
        try
        {
            command.ExecuteNonQuery();
        }
        catch (MySqlException ex)
        {
            throw SessionInitFailed(ex);
        }
    }

    /// <summary>Asynchronously resets the session of an open connection and runs the session-init statements again.</summary>
    public async ValueTask ResetSessionAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        await connection.ResetConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (_sessionInitSql.Length == 0)
            return;
        await RunAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes every idle pooled connection; connections in use are closed instead of pooled when they come back.
    /// </summary>
    public async Task ClearAsync()
    {
        var old = Interlocked.Exchange(ref _dataSource, Build());
        await old.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Closes every idle pooled connection synchronously.</summary>
    public void Clear() => Interlocked.Exchange(ref _dataSource, Build()).Dispose();

    public void Dispose() => Volatile.Read(ref _dataSource).Dispose();

    public ValueTask DisposeAsync() => Volatile.Read(ref _dataSource).DisposeAsync();

    private MySqlDataSource Build()
    {
        var builder = new MySqlDataSourceBuilder(_connectionString);
        if (_loggerFactory is not null)
            builder.UseLoggerFactory(_loggerFactory);
        if (_sessionInitSql.Length != 0)
            builder.UseConnectionOpenedCallback(OnConnectionOpened);
        return builder.Build();
    }

    private ValueTask OnConnectionOpened(MySqlConnectionOpenedContext context, CancellationToken cancellationToken)
    {
        if ((context.Conditions & (MySqlConnectionOpenedConditions.New | MySqlConnectionOpenedConditions.Reset)) == 0)
            return default;

        if (t_openingSynchronously)
        {
            using var command = new MySqlCommand(_sessionInitSql, context.Connection);
            try
            {
                command.ExecuteNonQuery();
            }
            catch (MySqlException ex)
            {
                throw SessionInitFailed(ex);
            }
            return default;
        }
        return RunAsync(context.Connection, cancellationToken);
    }

    private async ValueTask RunAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        var command = new MySqlCommand(_sessionInitSql, connection);
        await using (command.ConfigureAwait(false))
        {
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (MySqlException ex)
            {
                throw SessionInitFailed(ex);
            }
        }
    }

    private static InvalidOperationException SessionInitFailed(MySqlException ex) =>
        new($"A SessionInit statement failed on a new or reset connection: {ex.Message} Check SqlHelperOptions.SessionInit.", ex);
}

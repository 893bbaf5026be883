using System.Data;
using Dapper;
using MySqlConnector;
using SqlHelpers.Transactions;

namespace SqlHelpers;

// The seed's fetchall / fetchone / execute, bound to this scope's connection and transaction (Dapper underneath).
// Every statement goes through Run / RunAsync, which add, only where they apply: the self-deadlock guard (an enclosing
// scope of the flow holds a transaction on another connection), the session-state check (SessionResetPolicy.WhenDirty),
// and the one transparent retry of a scope's first statement on a connection found dead (also WhenDirty only).
public sealed partial class SqlScope
{
    /// <summary>Runs a query and returns every row, mapped to <typeparamref name="T"/> (the seed's <c>fetchall</c>).</summary>
    /// <typeparam name="T">The row type: a class with settable members or a constructor matching the columns, or a scalar for one-column results.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members (or a <see cref="DynamicParameters"/>) supply the <c>@name</c> parameters.</param>
    /// <returns>The rows, in the order the server sent them.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlSelfDeadlockException">The statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public IReadOnlyList<T> FetchAll<T>(string sql, object? param = null) =>
        Run(sql, param, static (c, s) => c.Query<T>(s.Sql, s.Param, s.Transaction).AsList());

    /// <summary>Asynchronously runs a query and returns every row, mapped to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The rows, in the order the server sent them.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlSelfDeadlockException">The statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public Task<IReadOnlyList<T>> FetchAllAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default) =>
        RunAsync(sql, param, cancellationToken, static async (c, s) => (IReadOnlyList<T>) (await c.QueryAsync<T>(s.Definition).ConfigureAwait(false)).AsList());

    /// <summary>Runs a query and returns its first row, or <c>default</c> when there is none (the seed's <c>fetchone</c>).</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <returns>The first row, or <c>default</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlSelfDeadlockException">The statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public T? FetchOne<T>(string sql, object? param = null) =>
        Run(sql, param, static (c, s) => c.QueryFirstOrDefault<T>(s.Sql, s.Param, s.Transaction));

    /// <summary>Asynchronously runs a query and returns its first row, or <c>default</c> when there is none.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The first row, or <c>default</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlSelfDeadlockException">The statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public Task<T?> FetchOneAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default) =>
        RunAsync(sql, param, cancellationToken, static (c, s) => c.QueryFirstOrDefaultAsync<T>(s.Definition));

    /// <summary>Runs a statement and returns the number of rows it affected.</summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters; a sequence runs the statement once per element.</param>
    /// <returns>The number of rows affected.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlSelfDeadlockException">The statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public int Execute(string sql, object? param = null) =>
        Run(sql, param, static (c, s) => c.Execute(s.Sql, s.Param, s.Transaction));

    /// <summary>Asynchronously runs a statement and returns the number of rows it affected.</summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The number of rows affected.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlSelfDeadlockException">The statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public Task<int> ExecuteAsync(string sql, object? param = null, CancellationToken cancellationToken = default) =>
        RunAsync(sql, param, cancellationToken, static (c, s) => c.ExecuteAsync(s.Definition));

    /// <summary>Runs a query and returns the first column of its first row, converted to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <returns>The value, or <c>default</c> when there is no row or it is <c>NULL</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlSelfDeadlockException">The statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public T? ExecuteScalar<T>(string sql, object? param = null) =>
        Run(sql, param, static (c, s) => c.ExecuteScalar<T>(s.Sql, s.Param, s.Transaction));

    /// <summary>Asynchronously runs a query and returns the first column of its first row, converted to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The value, or <c>default</c> when there is no row or it is <c>NULL</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlSelfDeadlockException">The statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public Task<T?> ExecuteScalarAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default) =>
        RunAsync(sql, param, cancellationToken, static (c, s) => c.ExecuteScalarAsync<T>(s.Definition));

    private TResult Run<TResult>(string sql, object? param, Func<MySqlConnection, Statement, TResult> statement)
    {
        var connection = Prepare(sql, param, out var guard, out var firstOnReusedConnection);
        var mayRetry = firstOnReusedConnection && StartsWithSelect(sql);
        try
        {
            if (firstOnReusedConnection && !mayRetry)
                connection = _helper.EnsureAlive(this);   // a write is never run twice: probe first instead of retrying
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    return statement(connection, new Statement(sql, param, Transaction, default));
                }
                catch (MySqlException) when (mayRetry && connection.State != ConnectionState.Open && attempt < _lease.Pool!.MaxConnections)
                {
                    // A pooled connection that died while idle (no reset probes it under WhenDirty): the scope has done
                    // nothing yet and the statement only reads, so a fresh connection and another try is invisible.
                    connection = _helper.ReplaceDeadConnection(this);
                }
            }
        }
        catch (MySqlException ex) when (guard?.Translate(ex) is { } selfDeadlock)
        {
            throw selfDeadlock;
        }
        catch (IOException ex)
        {
            throw ConnectionLost(ex);   // the driver lets some end-of-stream errors through unwrapped
        }
        finally
        {
            guard?.Dispose();
        }
    }

    private async Task<TResult> RunAsync<TResult>(string sql, object? param, CancellationToken cancellationToken, Func<MySqlConnection, Statement, Task<TResult>> statement)
    {
        var connection = Prepare(sql, param, out var guard, out var firstOnReusedConnection);
        var mayRetry = firstOnReusedConnection && StartsWithSelect(sql);
        try
        {
            if (firstOnReusedConnection && !mayRetry)
                connection = await _helper.EnsureAliveAsync(this, cancellationToken).ConfigureAwait(false);
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    return await statement(connection, new Statement(sql, param, Transaction, cancellationToken)).ConfigureAwait(false);
                }
                catch (MySqlException) when (mayRetry && connection.State != ConnectionState.Open && attempt < _lease.Pool!.MaxConnections && !cancellationToken.IsCancellationRequested)
                {
                    connection = await _helper.ReplaceDeadConnectionAsync(this, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (MySqlException ex) when (guard?.Translate(ex) is { } selfDeadlock)
        {
            throw selfDeadlock;
        }
        catch (IOException ex)
        {
            throw ConnectionLost(ex);   // the driver lets some end-of-stream errors through unwrapped
        }
        finally
        {
            guard?.Dispose();
        }
    }

    /// <summary>
    /// Checks the call, records what the statement means for session state and routing, and returns the connection.
    /// <paramref name="firstOnReusedConnection"/> is set for the first statement of a clean scope under WhenDirty, whose
    /// pooled connection nobody has probed since it was last used.
    /// </summary>
    private MySqlConnection Prepare(string sql, object? param, out SelfDeadlockGuard? guard, out bool firstOnReusedConnection)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ThrowIfNotLive();
        _helper.Parameters.Validate(sql, param);
        var lease = Owner._lease;
        firstOnReusedConnection = false;
        if (_helper.ResetsWhenDirty)
        {
            firstOnReusedConnection = !_ranStatement && !lease.Dirty && _joinTarget is null;
            if (!lease.Dirty && !_helper.Statements.IsStateFree(sql, param))
                lease.Dirty = true;
        }
        _ranStatement = true;
        if (!lease.Wrote && !StartsWithSelect(sql))
            lease.Wrote = true;
        var connection = firstOnReusedConnection ? lease.Connection! : LiveConnection();
        guard = _joinTarget is null && Parent is not null ? _helper.TryGuardAgainstSelfDeadlock(this) : null;
        return connection;
    }

    /// <summary>Whether the statement is a plain read (read-your-writes routing treats anything else as a write).</summary>
    private static bool StartsWithSelect(string sql)
    {
        var text = sql.AsSpan().TrimStart();
        return text.Length > 6 && text.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) && !char.IsLetterOrDigit(text[6]);
    }

    /// <summary>What a statement needs, passed to static lambdas so that running one allocates no closure.</summary>
    private readonly record struct Statement(string Sql, object? Param, MySqlTransaction? Transaction, CancellationToken CancellationToken)
    {
        public CommandDefinition Definition => new(Sql, Param, Transaction, cancellationToken: CancellationToken);
    }
}

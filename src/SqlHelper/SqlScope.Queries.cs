using Dapper;
using MySqlConnector;
using SqlHelpers.Transactions;

namespace SqlHelpers;

// The seed's fetchall / fetchone / execute, bound to this scope's connection and transaction (Dapper underneath).
// While an enclosing scope of the same flow holds a transaction on another connection, each statement is watched by a
// SelfDeadlockGuard; otherwise there is no guard and no extra cost.
public sealed partial class SqlScope
{
    /// <summary>Runs a query and returns every row, mapped to <typeparamref name="T"/> (the seed's <c>fetchall</c>).</summary>
    /// <typeparam name="T">The row type: a class with settable members or a constructor matching the columns, or a scalar for one-column results.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members (or a <see cref="DynamicParameters"/>) supply the <c>@name</c> parameters.</param>
    /// <returns>The rows, in the order the server sent them.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    public IReadOnlyList<T> FetchAll<T>(string sql, object? param = null)
    {
        var connection = PrepareConnection(sql, param, out var guard);
        try
        {
            return connection.Query<T>(sql, param, Transaction).AsList();
        }
        catch (MySqlException ex) when (guard?.Translate(ex) is { } selfDeadlock)
        {
            throw selfDeadlock;
        }
        finally
        {
            guard?.Dispose();
        }
    }

    /// <summary>Asynchronously runs a query and returns every row, mapped to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The rows, in the order the server sent them.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    public async Task<IReadOnlyList<T>> FetchAllAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default)
    {
        var connection = PrepareConnection(sql, param, out var guard);
        var rows = await Watch(guard, connection.QueryAsync<T>(Define(sql, param, cancellationToken))).ConfigureAwait(false);
        return rows.AsList();
    }

    /// <summary>Runs a query and returns its first row, or <c>default</c> when there is none (the seed's <c>fetchone</c>).</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <returns>The first row, or <c>default</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    public T? FetchOne<T>(string sql, object? param = null)
    {
        var connection = PrepareConnection(sql, param, out var guard);
        try
        {
            return connection.QueryFirstOrDefault<T>(sql, param, Transaction);
        }
        catch (MySqlException ex) when (guard?.Translate(ex) is { } selfDeadlock)
        {
            throw selfDeadlock;
        }
        finally
        {
            guard?.Dispose();
        }
    }

    /// <summary>Asynchronously runs a query and returns its first row, or <c>default</c> when there is none.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The first row, or <c>default</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    public Task<T?> FetchOneAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default)
    {
        var connection = PrepareConnection(sql, param, out var guard);
        return Watch(guard, connection.QueryFirstOrDefaultAsync<T>(Define(sql, param, cancellationToken)));
    }

    /// <summary>Runs a statement and returns the number of rows it affected.</summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters; a sequence runs the statement once per element.</param>
    /// <returns>The number of rows affected.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    public int Execute(string sql, object? param = null)
    {
        var connection = PrepareConnection(sql, param, out var guard);
        try
        {
            return connection.Execute(sql, param, Transaction);
        }
        catch (MySqlException ex) when (guard?.Translate(ex) is { } selfDeadlock)
        {
            throw selfDeadlock;
        }
        finally
        {
            guard?.Dispose();
        }
    }

    /// <summary>Asynchronously runs a statement and returns the number of rows it affected.</summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The number of rows affected.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    public Task<int> ExecuteAsync(string sql, object? param = null, CancellationToken cancellationToken = default)
    {
        var connection = PrepareConnection(sql, param, out var guard);
        return Watch(guard, connection.ExecuteAsync(Define(sql, param, cancellationToken)));
    }

    /// <summary>Runs a query and returns the first column of its first row, converted to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <returns>The value, or <c>default</c> when there is no row or it is <c>NULL</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    public T? ExecuteScalar<T>(string sql, object? param = null)
    {
        var connection = PrepareConnection(sql, param, out var guard);
        try
        {
            return connection.ExecuteScalar<T>(sql, param, Transaction);
        }
        catch (MySqlException ex) when (guard?.Translate(ex) is { } selfDeadlock)
        {
            throw selfDeadlock;
        }
        finally
        {
            guard?.Dispose();
        }
    }

    /// <summary>Asynchronously runs a query and returns the first column of its first row, converted to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The value, or <c>default</c> when there is no row or it is <c>NULL</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    public Task<T?> ExecuteScalarAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default)
    {
        var connection = PrepareConnection(sql, param, out var guard);
        return Watch(guard, connection.ExecuteScalarAsync<T>(Define(sql, param, cancellationToken)));
    }

    private MySqlConnection PrepareConnection(string sql, object? param, out SelfDeadlockGuard? guard)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ThrowIfNotLive();
        _helper.Parameters.Validate(sql, param);
        guard = _joinTarget is null && Parent is not null ? _helper.TryGuardAgainstSelfDeadlock(this) : null;
        return _lease.Connection!;
    }

    private CommandDefinition Define(string sql, object? param, CancellationToken cancellationToken) =>
        new(sql, param, Transaction, cancellationToken: cancellationToken);

    private static Task<T> Watch<T>(SelfDeadlockGuard? guard, Task<T> statement) =>
        guard is null ? statement : WatchAsync(guard, statement);

    private static async Task<T> WatchAsync<T>(SelfDeadlockGuard guard, Task<T> statement)
    {
        try
        {
            return await statement.ConfigureAwait(false);
        }
        catch (MySqlException ex) when (guard.Translate(ex) is { } selfDeadlock)
        {
            throw selfDeadlock;
        }
        finally
        {
            guard.Dispose();
        }
    }
}

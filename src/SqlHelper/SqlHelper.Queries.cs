using Dapper;
using SqlHelpers.Pooling;

namespace SqlHelpers;

// The seed's fetchall / fetchone / execute on the helper itself: they run on Current when the calling flow has one,
// else on a short-lived scope of their own that is never pushed on the stack (FetchAll / FetchOne on a replica when
// ReadFromReplicasOutsideScopes is on).
public sealed partial class SqlHelper
{
    /// <summary>Runs a query on <see cref="Current"/> (or a short-lived scope) and returns every row.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members (or a <see cref="DynamicParameters"/>) supply the <c>@name</c> parameters.</param>
    /// <returns>The rows, in the order the server sent them.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public IReadOnlyList<T> FetchAll<T>(string sql, object? param = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (Current is { } current)
            return current.FetchAll<T>(sql, param);
        using var scope = OpenCore(push: false, ReadCandidatesOutsideScopes);
        return scope.FetchAll<T>(sql, param);
    }

    /// <summary>Asynchronously runs a query on <see cref="Current"/> (or a short-lived scope) and returns every row.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The rows, in the order the server sent them.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public async Task<IReadOnlyList<T>> FetchAllAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (Current is { } current)
            return await current.FetchAllAsync<T>(sql, param, cancellationToken).ConfigureAwait(false);
        var scope = await OpenCoreAsync(push: false, ReadCandidatesOutsideScopes, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
            return await scope.FetchAllAsync<T>(sql, param, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a query on <see cref="Current"/> (or a short-lived scope) and returns its first row, or <c>default</c> when there is none.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <returns>The first row, or <c>default</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public T? FetchOne<T>(string sql, object? param = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (Current is { } current)
            return current.FetchOne<T>(sql, param);
        using var scope = OpenCore(push: false, ReadCandidatesOutsideScopes);
        return scope.FetchOne<T>(sql, param);
    }

    /// <summary>Asynchronously runs a query on <see cref="Current"/> (or a short-lived scope) and returns its first row, or <c>default</c>.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The first row, or <c>default</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public async Task<T?> FetchOneAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (Current is { } current)
            return await current.FetchOneAsync<T>(sql, param, cancellationToken).ConfigureAwait(false);
        var scope = await OpenCoreAsync(push: false, ReadCandidatesOutsideScopes, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
            return await scope.FetchOneAsync<T>(sql, param, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a statement on <see cref="Current"/> (or a short-lived scope) and returns the number of rows it affected.</summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters; a sequence runs the statement once per element.</param>
    /// <returns>The number of rows affected.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public int Execute(string sql, object? param = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (Current is { } current)
            return current.Execute(sql, param);
        using var scope = OpenCore(push: false);
        return scope.Execute(sql, param);
    }

    /// <summary>Asynchronously runs a statement on <see cref="Current"/> (or a short-lived scope) and returns the number of rows it affected.</summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The number of rows affected.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public async Task<int> ExecuteAsync(string sql, object? param = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (Current is { } current)
            return await current.ExecuteAsync(sql, param, cancellationToken).ConfigureAwait(false);
        var scope = await OpenCoreAsync(push: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
            return await scope.ExecuteAsync(sql, param, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a query on <see cref="Current"/> (or a short-lived scope) and returns the first column of its first row.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <returns>The value, or <c>default</c> when there is no row or it is <c>NULL</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public T? ExecuteScalar<T>(string sql, object? param = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (Current is { } current)
            return current.ExecuteScalar<T>(sql, param);
        using var scope = OpenCore(push: false);
        return scope.ExecuteScalar<T>(sql, param);
    }

    /// <summary>Asynchronously runs a query on <see cref="Current"/> (or a short-lived scope) and returns the first column of its first row.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The value, or <c>default</c> when there is no row or it is <c>NULL</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public async Task<T?> ExecuteScalarAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (Current is { } current)
            return await current.ExecuteScalarAsync<T>(sql, param, cancellationToken).ConfigureAwait(false);
        var scope = await OpenCoreAsync(push: false, cancellationToken).ConfigureAwait(false);
        await using (scope.ConfigureAwait(false))
            return await scope.ExecuteScalarAsync<T>(sql, param, cancellationToken).ConfigureAwait(false);
    }

    private ServerPool[] ReadCandidatesOutsideScopes => ReadsOutsideScopesGoToReplicas ? RouteReadOnly() : PrimaryOnly;
}

using Dapper;
using SqlHelpers.Pooling;
using SqlHelpers.Utilities;

namespace SqlHelpers;

// fetchall / fetchone / execute on the helper itself: they run on Current when the calling flow has one, else on a
// short-lived scope of their own that is never pushed on the stack (FetchAll / FetchOne on a replica when
// ReadFromReplicasOutsideScopes is on). Sync and async share RunOnCurrentOrTemporaryAsync.
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
    public IReadOnlyList<T> FetchAll<T>(string sql, object? param = null) =>
        RunOnCurrentOrTemporaryAsync(IOBehavior.Synchronous, readOnly: true, sql, param, default, SqlScope.Statements<T>.FetchAll).RunSynchronously();

    /// <summary>Asynchronously runs a query on <see cref="Current"/> (or a short-lived scope) and returns every row.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The rows, in the order the server sent them.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public Task<IReadOnlyList<T>> FetchAllAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default) =>
        RunOnCurrentOrTemporaryAsync(IOBehavior.Asynchronous, readOnly: true, sql, param, cancellationToken, SqlScope.Statements<T>.FetchAll).AsTask();

    /// <summary>Runs a query on <see cref="Current"/> (or a short-lived scope) and returns its first row, or <c>default</c> when there is none.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <returns>The first row, or <c>default</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public T? FetchOne<T>(string sql, object? param = null) =>
        RunOnCurrentOrTemporaryAsync(IOBehavior.Synchronous, readOnly: true, sql, param, default, SqlScope.Statements<T>.FetchOne).RunSynchronously();

    /// <summary>Asynchronously runs a query on <see cref="Current"/> (or a short-lived scope) and returns its first row, or <c>default</c>.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The first row, or <c>default</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public Task<T?> FetchOneAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default) =>
        RunOnCurrentOrTemporaryAsync(IOBehavior.Asynchronous, readOnly: true, sql, param, cancellationToken, SqlScope.Statements<T>.FetchOne).AsTask();

    /// <summary>Runs a statement on <see cref="Current"/> (or a short-lived scope) and returns the number of rows it affected.</summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters; a sequence runs the statement once per element, sent in batches (a single-row INSERT becomes multi-row INSERTs; see docs/batches.md).</param>
    /// <returns>The number of rows affected.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public int Execute(string sql, object? param = null) =>
        RunOnCurrentOrTemporaryAsync(IOBehavior.Synchronous, readOnly: false, sql, param, default, SqlScope.Statements<int>.Execute).RunSynchronously();

    /// <summary>Asynchronously runs a statement on <see cref="Current"/> (or a short-lived scope) and returns the number of rows it affected.</summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The number of rows affected.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public Task<int> ExecuteAsync(string sql, object? param = null, CancellationToken cancellationToken = default) =>
        RunOnCurrentOrTemporaryAsync(IOBehavior.Asynchronous, readOnly: false, sql, param, cancellationToken, SqlScope.Statements<int>.Execute).AsTask();

    /// <summary>Runs a query on <see cref="Current"/> (or a short-lived scope) and returns the first column of its first row.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <returns>The value, or <c>default</c> when there is no row or it is <c>NULL</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public T? ExecuteScalar<T>(string sql, object? param = null) =>
        RunOnCurrentOrTemporaryAsync(IOBehavior.Synchronous, readOnly: false, sql, param, default, SqlScope.Statements<T>.ExecuteScalar).RunSynchronously();

    /// <summary>Asynchronously runs a query on <see cref="Current"/> (or a short-lived scope) and returns the first column of its first row.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The value, or <c>default</c> when there is no row or it is <c>NULL</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    public Task<T?> ExecuteScalarAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default) =>
        RunOnCurrentOrTemporaryAsync(IOBehavior.Asynchronous, readOnly: false, sql, param, cancellationToken, SqlScope.Statements<T>.ExecuteScalar).AsTask();

    private ScopePool[] ReadCandidatesOutsideScopes =>
        _options.ReadFromReplicasOutsideScopes && _router.Health.Replicas.Length != 0 ? _router.ReadOnlyCandidates() : _router.WriteCandidates();

    // Not an async method: with a scope current (every call inside a using block in ambient mode) the statement runs on
    // the scope's own path, one state machine as on the scope itself, not a second one wrapped around it. That path
    // checks the SQL text inside its async method, so a bad argument faults the returned task either way.
    private ValueTask<TResult> RunOnCurrentOrTemporaryAsync<TResult>(IOBehavior io, bool readOnly, string sql, object? param,
        CancellationToken cancellationToken, Func<MySqlConnector.MySqlConnection, SqlScope.Statement, IOBehavior, ValueTask<TResult>> statement) =>
        Current is { } current
            ? current.RunAsync(io, sql, param, cancellationToken, statement)
            : RunOnTemporaryAsync(io, readOnly, sql, param, cancellationToken, statement);

    private async ValueTask<TResult> RunOnTemporaryAsync<TResult>(IOBehavior io, bool readOnly, string sql, object? param,
        CancellationToken cancellationToken, Func<MySqlConnector.MySqlConnection, SqlScope.Statement, IOBehavior, ValueTask<TResult>> statement)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ThrowIfDisposed();
        var candidates = readOnly ? ReadCandidatesOutsideScopes : _router.WriteCandidates();
        var scope = io == IOBehavior.Synchronous
            ? _opener.Open(push: false, candidates)
            : await _opener.OpenAsync(push: false, candidates, cancellationToken).ConfigureAwait(false);
        try
        {
            return await scope.RunAsync(io, sql, param, cancellationToken, statement).ConfigureAwait(false);
        }
        finally
        {
            if (io == IOBehavior.Synchronous)
                scope.Dispose();
            else
                await scope.DisposeAsync().ConfigureAwait(false);
        }
    }
}

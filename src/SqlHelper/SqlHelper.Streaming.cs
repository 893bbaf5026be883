using Dapper;
using SqlHelpers.Streaming;
using SqlHelpers.Utilities;

namespace SqlHelpers;

// FetchStream / FetchMultiple on the helper: on Current (the scope current when the method is called) when the flow has
// one, else on a short-lived scope of their own that is never pushed on the stack and lives exactly as long as the
// result: a stream's scope is opened when enumeration starts and released when the enumerator is disposed (a break, an
// exception in the loop, or never enumerating at all holds nothing); a GridReader's scope is released when it is
// disposed or its last result set is read.
public sealed partial class SqlHelper
{
    /// <summary>
    /// Runs a query on <see cref="Current"/> (or a short-lived scope that lives as long as the enumeration) and returns its
    /// rows one at a time as they arrive, without buffering them. The query is sent when enumeration starts.
    /// </summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members (or a <see cref="DynamicParameters"/>) supply the <c>@name</c> parameters.</param>
    /// <returns>The rows, in the order the server sends them; enumerate it once and dispose the enumerator (<c>foreach</c> does).</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="InvalidOperationException">Another stream or multiple result sets are still open on <see cref="Current"/> (thrown when enumeration starts).</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public IEnumerable<T> FetchStream<T>(string sql, object? param = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (Current is { } current)
            return current.FetchStream<T>(sql, param);
        ThrowIfDisposed();
        return RowStream<T>.Enumerate(() => OpenTemporaryStreamAsync<T>(IOBehavior.Synchronous, sql, param, CancellationToken.None));
    }

    /// <summary>
    /// Asynchronously runs a query on <see cref="Current"/> (or a short-lived scope that lives as long as the enumeration)
    /// and returns its rows one at a time as they arrive, without buffering them. The query is sent when enumeration starts.
    /// </summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation; a token given to <c>WithCancellation</c> is honoured too.</param>
    /// <returns>The rows, in the order the server sends them; enumerate it once (<c>await foreach</c>).</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="InvalidOperationException">Another stream or multiple result sets are still open on <see cref="Current"/> (thrown when enumeration starts).</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    /// <exception cref="OperationCanceledException">The enumeration was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public IAsyncEnumerable<T> FetchStreamAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (Current is { } current)
            return current.FetchStreamAsync<T>(sql, param, cancellationToken);
        ThrowIfDisposed();
        return RowStream<T>.EnumerateAsync(ct => OpenTemporaryStreamAsync<T>(IOBehavior.Asynchronous, sql, param, ct), cancellationToken);
    }

    /// <summary>
    /// Runs a batch that returns several result sets on <see cref="Current"/> (or a short-lived scope released when the
    /// reader is disposed or its last set read) and returns Dapper's reader over them.
    /// </summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <returns>The reader over the result sets; dispose it.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="InvalidOperationException">A stream or other result sets are still open on <see cref="Current"/>.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public SqlMapper.GridReader FetchMultiple(string sql, object? param = null) =>
        FetchMultipleCoreAsync(IOBehavior.Synchronous, sql, param, CancellationToken.None).RunSynchronously();

    /// <summary>Asynchronously runs a batch that returns several result sets; see <see cref="FetchMultiple"/>.</summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation; the reader's <c>ReadAsync</c> calls use it too.</param>
    /// <returns>The reader over the result sets; dispose it.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="InvalidOperationException">A stream or other result sets are still open on <see cref="Current"/>.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the statement.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public Task<SqlMapper.GridReader> FetchMultipleAsync(string sql, object? param = null, CancellationToken cancellationToken = default) =>
        FetchMultipleCoreAsync(IOBehavior.Asynchronous, sql, param, cancellationToken).AsTask();

    private async ValueTask<SqlMapper.GridReader> FetchMultipleCoreAsync(IOBehavior io, string sql, object? param, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (Current is { } current)
            return await MultipleResults.OpenAsync(current, ownsScope: false, io, sql, param, cancellationToken).ConfigureAwait(false);
        var scope = await OpenTemporaryAsync(io, readOnly: false, cancellationToken).ConfigureAwait(false);
        return await MultipleResults.OpenAsync(scope, ownsScope: true, io, sql, param, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<RowStream<T>> OpenTemporaryStreamAsync<T>(IOBehavior io, string sql, object? param, CancellationToken cancellationToken)
    {
        var scope = await OpenTemporaryAsync(io, readOnly: true, cancellationToken).ConfigureAwait(false);
        return await RowStream<T>.OpenAsync(scope, ownsScope: true, io, sql, param, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens a scope that is never pushed on the stack, as the query helpers do outside any scope.</summary>
    private async ValueTask<SqlScope> OpenTemporaryAsync(IOBehavior io, bool readOnly, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var candidates = readOnly ? ReadCandidatesOutsideScopes : _router.WriteCandidates();
        return io == IOBehavior.Synchronous
            ? _opener.Open(push: false, candidates)
            : await _opener.OpenAsync(push: false, candidates, cancellationToken).ConfigureAwait(false);
    }
}

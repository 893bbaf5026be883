using System.Data.Common;
using Dapper;
using MySqlConnector;
using SqlHelpers.Streaming;
using SqlHelpers.Utilities;

namespace SqlHelpers;

// Results read while they arrive: FetchStream (rows one at a time, unbuffered) and FetchMultiple (several result sets).
// Both open their reader through RunAsync like every statement. While one is open the connection can run nothing else;
// the owning scope keeps it in its rarely used part and refuses other statements with a message of its own, and closes it when
// the scope ends at the latest.
public sealed partial class SqlScope
{
    /// <summary>
    /// Runs a query and returns its rows one at a time as they arrive, without buffering them (Dapper's unbuffered
    /// <c>Query&lt;T&gt;</c>). The query is sent when enumeration starts; disposing the enumerator (the end of a
    /// <c>foreach</c>, a <c>break</c>, an exception) closes it, reading and dropping the rows not yet read.
    /// </summary>
    /// <typeparam name="T">The row type: a class with settable members or a constructor matching the columns, or a scalar for one-column results.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members (or a <see cref="DynamicParameters"/>) supply the <c>@name</c> parameters.</param>
    /// <returns>The rows, in the order the server sends them. Enumerate it once; while it is open the scope runs no other statement.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="InvalidOperationException">Another stream or multiple result sets are still open on the scope's connection (thrown when enumeration starts).</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost while the rows were read.</exception>
    public IEnumerable<T> FetchStream<T>(string sql, object? param = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ThrowIfNotLive();
        return RowStream<T>.Enumerate(() => RowStream<T>.OpenAsync(this, ownsScope: false, IOBehavior.Synchronous, sql, param, CancellationToken.None));
    }

    /// <summary>
    /// Asynchronously runs a query and returns its rows one at a time as they arrive, without buffering them (Dapper's
    /// <c>QueryUnbufferedAsync</c>). The query is sent when enumeration starts; disposing the enumerator closes it.
    /// </summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation; a token given to <c>WithCancellation</c> is honoured too.</param>
    /// <returns>The rows, in the order the server sends them. Enumerate it once; while it is open the scope runs no other statement.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="InvalidOperationException">Another stream or multiple result sets are still open on the scope's connection (thrown when enumeration starts).</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost while the rows were read.</exception>
    /// <exception cref="OperationCanceledException">The enumeration was cancelled.</exception>
    public IAsyncEnumerable<T> FetchStreamAsync<T>(string sql, object? param = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ThrowIfNotLive();
        return RowStream<T>.EnumerateAsync(ct => RowStream<T>.OpenAsync(this, ownsScope: false, IOBehavior.Asynchronous, sql, param, ct), cancellationToken);
    }

    /// <summary>
    /// Runs a batch that returns several result sets and returns Dapper's reader over them: read each set in order with
    /// <see cref="SqlMapper.GridReader.Read{T}(bool)"/> and the like. Dispose it when done; the scope disposes it at the latest.
    /// </summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <returns>The reader over the result sets. Until every set is read or it is disposed, the scope runs no other statement.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="InvalidOperationException">A stream or other result sets are still open on the scope's connection.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlSelfDeadlockException">The statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public SqlMapper.GridReader FetchMultiple(string sql, object? param = null) =>
        Streaming.MultipleResults.OpenAsync(this, ownsScope: false, IOBehavior.Synchronous, sql, param, CancellationToken.None).RunSynchronously();

    /// <summary>Asynchronously runs a batch that returns several result sets and returns Dapper's reader over them; see <see cref="FetchMultiple"/>.</summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation; the reader's <c>ReadAsync</c> calls use it too.</param>
    /// <returns>The reader over the result sets. Until every set is read or it is disposed, the scope runs no other statement.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="InvalidOperationException">A stream or other result sets are still open on the scope's connection.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlSelfDeadlockException">The statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public Task<SqlMapper.GridReader> FetchMultipleAsync(string sql, object? param = null, CancellationToken cancellationToken = default) =>
        Streaming.MultipleResults.OpenAsync(this, ownsScope: false, IOBehavior.Asynchronous, sql, param, cancellationToken).AsTask();

    /// <summary>Gets whether a stream or multiple result sets are being read on this (owning) scope's connection.</summary>
    internal bool IsStreamOpen => OpenResult is { IsOpen: true };

    /// <summary>Gets, on an owning scope, the result being read on its connection, or <c>null</c>.</summary>
    private OpenResult? OpenResult => Volatile.Read(ref _rarelyUsed) is { } rarelyUsed ? Volatile.Read(ref rarelyUsed.OpenResult) : null;

    /// <summary>Disposes the scope with the given behaviour (not an async method: the stack unlink lands on the calling flow).</summary>
    internal ValueTask DisposeAsync(IOBehavior io) => TryEnd() ? EndAsync(io) : default;

    internal void ThrowIfStreamOpen()
    {
        if (OpenResult is { IsOpen: true } open)
            throw new InvalidOperationException(open.BusyMessage);
    }

    internal void SetOpenResult(OpenResult result) => Volatile.Write(ref RarelyUsedPart().OpenResult, result);

    internal void ClearOpenResult(OpenResult result)
    {
        if (Volatile.Read(ref _rarelyUsed) is { } rarelyUsed)
            Interlocked.CompareExchange(ref rarelyUsed.OpenResult, null, result);
    }

    /// <summary>
    /// On dispose: closes the result being read on the connection, when this scope owns the connection or opened the
    /// result (a savepoint scope closes any, since its rollback must be sent on the connection).
    /// </summary>
    private ValueTask CloseOpenResultsAsync(IOBehavior io) =>
        Owner.OpenResult is { } open && (!IsJoined || IsSavepoint || open.Opener == this) ? open.CloseAsync(io) : default;

    /// <summary>
    /// Runs a statement whose result stays open on the connection after it returns (a reader, a grid): the connection
    /// object is marked shared first, so that it is disposed on release rather than reopened while the result may still
    /// read from it.
    /// </summary>
    internal ValueTask<TResult> OpenResultAsync<TResult>(IOBehavior io, string sql, object? param, CancellationToken cancellationToken,
        Func<MySqlConnection, Statement, IOBehavior, ValueTask<TResult>> statement)
    {
        Owner._lease.ShareConnection();
        return RunAsync(io, sql, param, cancellationToken, statement);
    }

    /// <summary>The Dapper calls that open a reader, one delegate per operation for both behaviours.</summary>
    internal static class ResultStatements
    {
        public static readonly Func<MySqlConnection, Statement, IOBehavior, ValueTask<DbDataReader>> ExecuteReader = static (c, s, io) =>
            io == IOBehavior.Synchronous ? new((DbDataReader) c.ExecuteReader(s.Definition)) : new(c.ExecuteReaderAsync(s.Definition));

        public static readonly Func<MySqlConnection, Statement, IOBehavior, ValueTask<SqlMapper.GridReader>> QueryMultiple = static (c, s, io) =>
            io == IOBehavior.Synchronous ? new(c.QueryMultiple(s.Definition)) : new(c.QueryMultipleAsync(s.Definition));
    }
}

using System.Data;
using System.Diagnostics.CodeAnalysis;
using MySqlConnector;
using SqlHelpers.Batches;
using SqlHelpers.Utilities;

namespace SqlHelpers;

// Bulk inserts through MySqlBulkCopy (LOAD DATA LOCAL INFILE from a stream of rows, never a file), in the scope's
// transaction when it has one. Run like one statement: the session tracker hears of it, a lost connection is translated.
public sealed partial class SqlScope
{
    // The overloads differ in the required rows parameter (objects, an async sequence, a DataTable), so the optional
    // progress and cancellation token never make a call ambiguous.
    internal const string OverloadsByRowSource = "The overloads differ in the type of the required rows parameter.";

    /// <summary>
    /// Inserts <paramref name="rows"/> into <paramref name="table"/> with MySqlConnector's <see cref="MySqlBulkCopy"/>
    /// (<c>LOAD DATA LOCAL INFILE</c> from memory), in the scope's transaction when it has one. Each public property or
    /// field of <typeparamref name="T"/> goes into the table column of the same name, ignoring case; columns without one
    /// get their defaults.
    /// </summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="table">The table: a name such as <c>orders</c> or <c>shop.orders</c>, or one quoted with backticks.</param>
    /// <param name="rows">The rows, read once, as they are sent.</param>
    /// <param name="progress">Called with the number of rows sent so far, every 1,000 rows; or <c>null</c>.</param>
    /// <returns>The rows the server inserted and the warnings it raised.</returns>
    /// <exception cref="ArgumentException"><paramref name="table"/> is not a table name, or a member of <typeparamref name="T"/> matches no column (the message names it).</exception>
    /// <exception cref="SqlLocalInfileDisabledException">The connection string lacks <c>AllowLoadLocalInfile=true</c>, or the server's <c>local_infile</c> is off; nothing was sent.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the load, or inserted fewer rows than were sent (duplicate keys: <see cref="MySqlErrorCode.BulkCopyFailed"/>).</exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost during the load.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = OverloadsByRowSource)]
    public SqlBulkInsertResult BulkInsert<T>(string table, IEnumerable<T> rows, Action<int>? progress = null) =>
        BulkInsertCoreAsync(IOBehavior.Synchronous, table, new ObjectBulkSource<T>(NotNull(rows), null), progress, default).RunSynchronously();

    /// <summary>Asynchronously inserts <paramref name="rows"/> into <paramref name="table"/> with <see cref="MySqlBulkCopy"/>; see <see cref="BulkInsert{T}(string, IEnumerable{T}, Action{int}?)"/>.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="table">The table: a name such as <c>orders</c> or <c>shop.orders</c>, or one quoted with backticks.</param>
    /// <param name="rows">The rows, read once, as they are sent.</param>
    /// <param name="progress">Called with the number of rows sent so far, every 1,000 rows; or <c>null</c>.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The rows the server inserted and the warnings it raised.</returns>
    /// <exception cref="ArgumentException"><paramref name="table"/> is not a table name, or a member of <typeparamref name="T"/> matches no column.</exception>
    /// <exception cref="SqlLocalInfileDisabledException">Local infile is off in the connection string or on the server; nothing was sent.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the load, or inserted fewer rows than were sent.</exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost during the load.</exception>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = OverloadsByRowSource)]
    public Task<SqlBulkInsertResult> BulkInsertAsync<T>(string table, IEnumerable<T> rows, Action<int>? progress = null, CancellationToken cancellationToken = default) =>
        BulkInsertCoreAsync(IOBehavior.Asynchronous, table, new ObjectBulkSource<T>(NotNull(rows), null), progress, cancellationToken).AsTask();

    /// <summary>Asynchronously inserts rows read from an asynchronous sequence into <paramref name="table"/> with <see cref="MySqlBulkCopy"/>; see <see cref="BulkInsert{T}(string, IEnumerable{T}, Action{int}?)"/>.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="table">The table: a name such as <c>orders</c> or <c>shop.orders</c>, or one quoted with backticks.</param>
    /// <param name="rows">The rows, read once, as they are sent (with <paramref name="cancellationToken"/>).</param>
    /// <param name="progress">Called with the number of rows sent so far, every 1,000 rows; or <c>null</c>.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The rows the server inserted and the warnings it raised.</returns>
    /// <exception cref="ArgumentException"><paramref name="table"/> is not a table name, or a member of <typeparamref name="T"/> matches no column.</exception>
    /// <exception cref="SqlLocalInfileDisabledException">Local infile is off in the connection string or on the server; nothing was sent.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the load, or inserted fewer rows than were sent.</exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost during the load.</exception>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = OverloadsByRowSource)]
    public Task<SqlBulkInsertResult> BulkInsertAsync<T>(string table, IAsyncEnumerable<T> rows, Action<int>? progress = null, CancellationToken cancellationToken = default) =>
        BulkInsertCoreAsync(IOBehavior.Asynchronous, table, new ObjectBulkSource<T>(null, NotNull(rows)), progress, cancellationToken).AsTask();

    /// <summary>Inserts the rows of a <see cref="DataTable"/> into <paramref name="table"/> with <see cref="MySqlBulkCopy"/>, each <see cref="DataColumn"/> into the table column of the same name.</summary>
    /// <param name="table">The table: a name such as <c>orders</c> or <c>shop.orders</c>, or one quoted with backticks.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="progress">Called with the number of rows sent so far, every 1,000 rows; or <c>null</c>.</param>
    /// <returns>The rows the server inserted and the warnings it raised.</returns>
    /// <exception cref="ArgumentException"><paramref name="table"/> is not a table name, or a column of <paramref name="rows"/> matches no column of the table.</exception>
    /// <exception cref="SqlLocalInfileDisabledException">Local infile is off in the connection string or on the server; nothing was sent.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the load, or inserted fewer rows than were sent.</exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost during the load.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = OverloadsByRowSource)]
    public SqlBulkInsertResult BulkInsert(string table, DataTable rows, Action<int>? progress = null) =>
        BulkInsertCoreAsync(IOBehavior.Synchronous, table, new DataTableBulkSource(NotNull(rows)), progress, default).RunSynchronously();

    /// <summary>Asynchronously inserts the rows of a <see cref="DataTable"/> into <paramref name="table"/> with <see cref="MySqlBulkCopy"/>; see <see cref="BulkInsert(string, DataTable, Action{int}?)"/>.</summary>
    /// <param name="table">The table: a name such as <c>orders</c> or <c>shop.orders</c>, or one quoted with backticks.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="progress">Called with the number of rows sent so far, every 1,000 rows; or <c>null</c>.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The rows the server inserted and the warnings it raised.</returns>
    /// <exception cref="ArgumentException"><paramref name="table"/> is not a table name, or a column of <paramref name="rows"/> matches no column of the table.</exception>
    /// <exception cref="SqlLocalInfileDisabledException">Local infile is off in the connection string or on the server; nothing was sent.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the load, or inserted fewer rows than were sent.</exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost during the load.</exception>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = OverloadsByRowSource)]
    public Task<SqlBulkInsertResult> BulkInsertAsync(string table, DataTable rows, Action<int>? progress = null, CancellationToken cancellationToken = default) =>
        BulkInsertCoreAsync(IOBehavior.Asynchronous, table, new DataTableBulkSource(NotNull(rows)), progress, cancellationToken).AsTask();

    private ValueTask<SqlBulkInsertResult> BulkInsertCoreAsync(IOBehavior io, string table, BulkSource source, Action<int>? progress, CancellationToken cancellationToken) =>
        RunCheckedAsync(io, (Table: BulkLoader.QuoteTable(table), Source: source, Progress: progress), cancellationToken,
            static (scope, load) => scope.OnStatement($"LOAD DATA LOCAL INFILE 'stream' INTO TABLE {load.Table}", null),
            static (scope, connection, load, io, cancellationToken) =>
                BulkLoader.RunAsync(connection, scope.Transaction, load.Table, load.Source, load.Progress, io, cancellationToken));

    private static TRows NotNull<TRows>(TRows rows)
        where TRows : class
    {
        ArgumentNullException.ThrowIfNull(rows, nameof(rows));
        return rows;
    }
}

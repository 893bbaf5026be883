using System.Data;
using System.Diagnostics.CodeAnalysis;
using SqlHelpers.Utilities;

namespace SqlHelpers;

// Bulk inserts on the helper itself: on Current (in its transaction, if any) or on a short-lived scope of the primary.
public sealed partial class SqlHelper
{
    /// <summary>Inserts <paramref name="rows"/> into <paramref name="table"/> on <see cref="Current"/> (or a short-lived scope) with MySqlConnector's <see cref="MySqlConnector.MySqlBulkCopy"/>; see <see cref="SqlScope.BulkInsert{T}(string, IEnumerable{T}, Action{int}?)"/>.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="table">The table: a name such as <c>orders</c> or <c>shop.orders</c>, or one quoted with backticks.</param>
    /// <param name="rows">The rows, read once, as they are sent.</param>
    /// <param name="progress">Called with the number of rows sent so far, every 1,000 rows; or <c>null</c>.</param>
    /// <returns>The rows the server inserted and the warnings it raised.</returns>
    /// <exception cref="ArgumentException"><paramref name="table"/> is not a table name, or a member of <typeparamref name="T"/> matches no column.</exception>
    /// <exception cref="SqlLocalInfileDisabledException">Local infile is off in the connection string or on the server; nothing was sent.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the load, or inserted fewer rows than were sent.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = SqlScope.OverloadsByRowSource)]
    public SqlBulkInsertResult BulkInsert<T>(string table, IEnumerable<T> rows, Action<int>? progress = null) =>
        RunOnCurrentOrTemporaryAsync(IOBehavior.Synchronous, (table, rows, progress), default,
            static (scope, s, _) => scope.BulkInsert(s.table, s.rows, s.progress), static (scope, s, ct) => scope.BulkInsertAsync(s.table, s.rows, s.progress, ct)).RunSynchronously();

    /// <summary>Asynchronously inserts <paramref name="rows"/> into <paramref name="table"/> on <see cref="Current"/> (or a short-lived scope); see <see cref="SqlScope.BulkInsert{T}(string, IEnumerable{T}, Action{int}?)"/>.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="table">The table: a name such as <c>orders</c> or <c>shop.orders</c>, or one quoted with backticks.</param>
    /// <param name="rows">The rows, read once, as they are sent.</param>
    /// <param name="progress">Called with the number of rows sent so far, every 1,000 rows; or <c>null</c>.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The rows the server inserted and the warnings it raised.</returns>
    /// <exception cref="ArgumentException"><paramref name="table"/> is not a table name, or a member of <typeparamref name="T"/> matches no column.</exception>
    /// <exception cref="SqlLocalInfileDisabledException">Local infile is off in the connection string or on the server; nothing was sent.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the load, or inserted fewer rows than were sent.</exception>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = SqlScope.OverloadsByRowSource)]
    public Task<SqlBulkInsertResult> BulkInsertAsync<T>(string table, IEnumerable<T> rows, Action<int>? progress = null, CancellationToken cancellationToken = default) =>
        RunOnCurrentOrTemporaryAsync(IOBehavior.Asynchronous, (table, rows, progress), cancellationToken,
            static (scope, s, _) => scope.BulkInsert(s.table, s.rows, s.progress), static (scope, s, ct) => scope.BulkInsertAsync(s.table, s.rows, s.progress, ct)).AsTask();

    /// <summary>Asynchronously inserts rows read from an asynchronous sequence into <paramref name="table"/> on <see cref="Current"/> (or a short-lived scope); see <see cref="SqlScope.BulkInsert{T}(string, IEnumerable{T}, Action{int}?)"/>.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="table">The table: a name such as <c>orders</c> or <c>shop.orders</c>, or one quoted with backticks.</param>
    /// <param name="rows">The rows, read once, as they are sent.</param>
    /// <param name="progress">Called with the number of rows sent so far, every 1,000 rows; or <c>null</c>.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The rows the server inserted and the warnings it raised.</returns>
    /// <exception cref="ArgumentException"><paramref name="table"/> is not a table name, or a member of <typeparamref name="T"/> matches no column.</exception>
    /// <exception cref="SqlLocalInfileDisabledException">Local infile is off in the connection string or on the server; nothing was sent.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the load, or inserted fewer rows than were sent.</exception>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = SqlScope.OverloadsByRowSource)]
    public Task<SqlBulkInsertResult> BulkInsertAsync<T>(string table, IAsyncEnumerable<T> rows, Action<int>? progress = null, CancellationToken cancellationToken = default) =>
        RunOnCurrentOrTemporaryAsync(IOBehavior.Asynchronous, (table, rows, progress), cancellationToken,
            static (_, _, _) => throw new NotSupportedException(), static (scope, s, ct) => scope.BulkInsertAsync(s.table, s.rows, s.progress, ct)).AsTask();

    /// <summary>Inserts the rows of a <see cref="DataTable"/> into <paramref name="table"/> on <see cref="Current"/> (or a short-lived scope); see <see cref="SqlScope.BulkInsert(string, DataTable, Action{int}?)"/>.</summary>
    /// <param name="table">The table: a name such as <c>orders</c> or <c>shop.orders</c>, or one quoted with backticks.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="progress">Called with the number of rows sent so far, every 1,000 rows; or <c>null</c>.</param>
    /// <returns>The rows the server inserted and the warnings it raised.</returns>
    /// <exception cref="ArgumentException"><paramref name="table"/> is not a table name, or a column of <paramref name="rows"/> matches no column of the table.</exception>
    /// <exception cref="SqlLocalInfileDisabledException">Local infile is off in the connection string or on the server; nothing was sent.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the load, or inserted fewer rows than were sent.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = SqlScope.OverloadsByRowSource)]
    public SqlBulkInsertResult BulkInsert(string table, DataTable rows, Action<int>? progress = null) =>
        RunOnCurrentOrTemporaryAsync(IOBehavior.Synchronous, (table, rows, progress), default,
            static (scope, s, _) => scope.BulkInsert(s.table, s.rows, s.progress), static (scope, s, ct) => scope.BulkInsertAsync(s.table, s.rows, s.progress, ct)).RunSynchronously();

    /// <summary>Asynchronously inserts the rows of a <see cref="DataTable"/> into <paramref name="table"/> on <see cref="Current"/> (or a short-lived scope); see <see cref="SqlScope.BulkInsert(string, DataTable, Action{int}?)"/>.</summary>
    /// <param name="table">The table: a name such as <c>orders</c> or <c>shop.orders</c>, or one quoted with backticks.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="progress">Called with the number of rows sent so far, every 1,000 rows; or <c>null</c>.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The rows the server inserted and the warnings it raised.</returns>
    /// <exception cref="ArgumentException"><paramref name="table"/> is not a table name, or a column of <paramref name="rows"/> matches no column of the table.</exception>
    /// <exception cref="SqlLocalInfileDisabledException">Local infile is off in the connection string or on the server; nothing was sent.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The server rejected the load, or inserted fewer rows than were sent.</exception>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = SqlScope.OverloadsByRowSource)]
    public Task<SqlBulkInsertResult> BulkInsertAsync(string table, DataTable rows, Action<int>? progress = null, CancellationToken cancellationToken = default) =>
        RunOnCurrentOrTemporaryAsync(IOBehavior.Asynchronous, (table, rows, progress), cancellationToken,
            static (scope, s, _) => scope.BulkInsert(s.table, s.rows, s.progress), static (scope, s, ct) => scope.BulkInsertAsync(s.table, s.rows, s.progress, ct)).AsTask();
}

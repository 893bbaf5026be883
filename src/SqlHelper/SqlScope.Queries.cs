using System.Data;
using Dapper;
using MySqlConnector;
using SqlHelpers.Transactions;
using SqlHelpers.Utilities;

namespace SqlHelpers;

// fetchall / fetchone / execute, bound to this scope's connection and transaction (Dapper underneath). Every statement,
// sync or async, goes through RunAsync: the parameter check, the session tracker, and, where an enclosing scope of the
// flow holds a transaction on another connection, the self-deadlock guard. A statement is never sent twice.
public sealed partial class SqlScope
{
    /// <summary>Runs a query and returns every row, mapped to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The row type: a class with settable members or a constructor matching the columns, or a scalar for one-column results.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members (or a <see cref="DynamicParameters"/>) supply the <c>@name</c> parameters.</param>
    /// <returns>The rows, in the order the server sent them.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlSelfDeadlockException">The statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public IReadOnlyList<T> FetchAll<T>(string sql, object? param = null) =>
        RunAsync(IOBehavior.Synchronous, sql, param, default, Statements<T>.FetchAll).RunSynchronously();

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
        RunAsync(IOBehavior.Asynchronous, sql, param, cancellationToken, Statements<T>.FetchAll).AsTask();

    /// <summary>Runs a query and returns its first row, or <c>default</c> when there is none.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters.</param>
    /// <returns>The first row, or <c>default</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlSelfDeadlockException">The statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public T? FetchOne<T>(string sql, object? param = null) =>
        RunAsync(IOBehavior.Synchronous, sql, param, default, Statements<T>.FetchOne).RunSynchronously();

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
        RunAsync(IOBehavior.Asynchronous, sql, param, cancellationToken, Statements<T>.FetchOne).AsTask();

    /// <summary>Runs a statement and returns the number of rows it affected.</summary>
    /// <param name="sql">The SQL to run; values go in <paramref name="param"/>, never into this text.</param>
    /// <param name="param">An object whose members supply the <c>@name</c> parameters; a sequence runs the statement once per element, sent in batches (a single-row INSERT becomes multi-row INSERTs; see docs/batches.md).</param>
    /// <returns>The number of rows affected.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is null, empty or white space, or <paramref name="param"/> lacks a parameter it uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="MySqlException">The server rejected the statement.</exception>
    /// <exception cref="SqlSelfDeadlockException">The statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public int Execute(string sql, object? param = null) =>
        RunAsync(IOBehavior.Synchronous, sql, param, default, Statements<int>.Execute).RunSynchronously();

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
        RunAsync(IOBehavior.Asynchronous, sql, param, cancellationToken, Statements<int>.Execute).AsTask();

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
        RunAsync(IOBehavior.Synchronous, sql, param, default, Statements<T>.ExecuteScalar).RunSynchronously();

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
        RunAsync(IOBehavior.Asynchronous, sql, param, cancellationToken, Statements<T>.ExecuteScalar).AsTask();

    /// <summary>
    /// Runs one statement: checks the call, tells the session tracker what it means, guards against waiting on a lock of
    /// the flow's own enclosing scope, and turns a lost connection into <see cref="SqlConnectionLostException"/>.
    /// </summary>
    internal async ValueTask<TResult> RunAsync<TResult>(IOBehavior io, string sql, object? param, CancellationToken cancellationToken,
        Func<MySqlConnection, Statement, IOBehavior, ValueTask<TResult>> statement)
    {
        var connection = Prepare(sql, param, out var clearDiagnostics, out var guard);
        try
        {
            if (clearDiagnostics)
                await ClearInheritedDiagnosticsAsync(connection, io, cancellationToken).ConfigureAwait(false);
            return await statement(connection, new Statement(sql, param, Transaction, cancellationToken, Owner._lease.Pool), io).ConfigureAwait(false);
        }
        catch (Exception ex) when (StatementFailure(ex, connection, guard) is { } failure)
        {
            throw failure;
        }
        finally
        {
            guard?.Dispose();
            ExitStatement();
        }
    }

    /// <summary>
    /// Empties the previous borrower's warnings before this scope's first use of its connection (see
    /// <see cref="SessionState.SessionTracker.OnStatement"/>). A connection lost meanwhile is reported as lost before the scope's own
    /// statement was sent: its outcome is known.
    /// </summary>
    internal async ValueTask ClearInheritedDiagnosticsAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken)
    {
        try
        {
            await Owner._lease.Pool!.Session.ClearInheritedDiagnosticsAsync(Owner._lease, connection, io, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is MySqlException or IOException or System.Net.Sockets.SocketException) && connection.State != ConnectionState.Open)
        {
            throw ConnectionLost(ex, outcomeUnknown: false);
        }
    }

    /// <summary>
    /// Returns what to throw instead of a statement's failure, or <c>null</c> to let it through: the self-deadlock the guard
    /// interrupted, or a lost connection (sent, then the connection died: the outcome is unknown; nothing is sent again;
    /// the driver lets some end-of-stream errors through as a bare IOException, and a reset while sending as a bare
    /// SocketException). Reading a stream's rows uses it too.
    /// </summary>
    internal Exception? StatementFailure(Exception exception, MySqlConnection connection, SelfDeadlockGuard? guard)
    {
        // A batch names the failing statement around the server's error; a lost connection or a self-deadlock wins over that.
        if (exception is SqlBatchException { InnerException: MySqlException serverError })
            exception = serverError;
        // A cluster node that is not (or no longer) prepared: keep new scopes off it at once, not after the next check.
        if (exception is MySqlException { ErrorCode: MySqlErrorCode.UnknownCommand } notPrepared && Owner._lease.Pool is { ReportFailure: { } report } pool)
            report(pool, notPrepared);
        return Translate(exception, connection, guard);
    }

    private Exception? Translate(Exception exception, MySqlConnection connection, SelfDeadlockGuard? guard) => exception switch
    {
        MySqlException ex when guard?.Translate(ex) is { } selfDeadlock => selfDeadlock,
        MySqlException or IOException when connection.State != System.Data.ConnectionState.Open => ConnectionLost(exception),
        IOException or System.Net.Sockets.SocketException => ConnectionLost(exception),
        _ => null,
    };

    /// <summary>
    /// Checks the call, records what the statement means for session state and routing, counts the statement in and
    /// returns the connection (the caller counts it out); <paramref name="clearDiagnostics"/> says whether the previous borrower's warnings must be emptied first.
    /// </summary>
    private MySqlConnection Prepare(string sql, object? param, out bool clearDiagnostics, out SelfDeadlockGuard? guard)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ThrowIfNotLive();
        Owner.ThrowIfStreamOpen();
        var owner = Owner._lease;
        var pool = owner.Pool!;
        pool.ParameterCheck.Validate(sql, param);
        clearDiagnostics = pool.Session.OnStatement(owner, sql, param);
        var connection = EnterStatement();
        try
        {
            guard = JoinTarget is null && Parent is not null ? SelfDeadlockGuard.TryStart(this) : null;
        }
        catch
        {
            ExitStatement();
            throw;
        }
        return connection;
    }

    /// <summary>What a statement needs, passed to static lambdas so that running one allocates no closure.</summary>
    internal readonly record struct Statement(string Sql, object? Param, MySqlTransaction? Transaction, CancellationToken CancellationToken, Pooling.ScopePool? Pool = null)
    {
        public CommandDefinition Definition => new(Sql, Param, Transaction, cancellationToken: CancellationToken);
    }

    /// <summary>The Dapper call of each helper, one delegate per operation for both behaviours.</summary>
    internal static class Statements<T>
    {
        public static readonly Func<MySqlConnection, Statement, IOBehavior, ValueTask<IReadOnlyList<T>>> FetchAll = static (c, s, io) =>
            io == IOBehavior.Synchronous ? new(c.Query<T>(s.Sql, s.Param, s.Transaction).AsList()) : FetchAllAsync(c, s);

        public static readonly Func<MySqlConnection, Statement, IOBehavior, ValueTask<T?>> FetchOne = static (c, s, io) =>
            io == IOBehavior.Synchronous ? new(c.QueryFirstOrDefault<T>(s.Sql, s.Param, s.Transaction)) : new(c.QueryFirstOrDefaultAsync<T>(s.Definition));

        public static readonly Func<MySqlConnection, Statement, IOBehavior, ValueTask<T?>> ExecuteScalar = static (c, s, io) =>
            io == IOBehavior.Synchronous ? new(c.ExecuteScalar<T>(s.Sql, s.Param, s.Transaction)) : new(c.ExecuteScalarAsync<T>(s.Definition));

        public static readonly Func<MySqlConnection, Statement, IOBehavior, ValueTask<int>> Execute = static (c, s, io) =>
            Batches.ParameterValues.IsSequence(s.Param) ? Batches.RowBatches.ExecuteAsync(c, s, io)
            : io == IOBehavior.Synchronous ? new(c.Execute(s.Sql, s.Param, s.Transaction)) : new(c.ExecuteAsync(s.Definition));

        private static async ValueTask<IReadOnlyList<T>> FetchAllAsync(MySqlConnection connection, Statement statement) =>
            (await connection.QueryAsync<T>(statement.Definition).ConfigureAwait(false)).AsList();
    }
}

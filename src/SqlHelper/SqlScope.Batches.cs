using MySqlConnector;
using SqlHelpers.Batches;
using SqlHelpers.Utilities;

namespace SqlHelpers;

// Batches: several statements, each with its own parameters, in one round trip (MySqlBatch). Every statement goes
// through the parameter check and the session tracker before anything is sent; the batch then runs like one statement
// of RunAsync (self-deadlock guard, lost-connection translation).
public sealed partial class SqlScope
{
    /// <summary>
    /// Runs several statements, each with its own parameters, in one round trip (MySqlConnector's <see cref="MySqlBatch"/>),
    /// and returns the rows each one affected. A batch larger than the server's <c>max_allowed_packet</c> (or than 1,000
    /// statements) is sent in several round trips, in order.
    /// </summary>
    /// <param name="statements">The statements, in the order they run.</param>
    /// <returns>The rows each statement affected, in order; -1 for a statement that returned rows (which are not read).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="statements"/> or one of its elements is null.</exception>
    /// <exception cref="ArgumentException">A statement's parameter object lacks a parameter its SQL uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="SqlBatchException">
    /// The server rejected a statement: the exception names its index; the ones before it ran. With
    /// <see cref="SqlHelperOptions.RewriteBatchedInserts"/>, a rejected multi-row INSERT names the range of statements it carried.
    /// </exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost while the batch ran.</exception>
    /// <exception cref="SqlSelfDeadlockException">A statement waited for a lock held by an enclosing scope of the same flow.</exception>
    public IReadOnlyList<int> ExecuteBatch(IEnumerable<SqlBatchStatement> statements) =>
        RunCheckedAsync(IOBehavior.Synchronous, Checked(statements), default, CheckBatch, RunBatch).RunSynchronously();

    /// <summary>Asynchronously runs several statements, each with its own parameters, in one round trip; see <see cref="ExecuteBatch"/>.</summary>
    /// <param name="statements">The statements, in the order they run.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The rows each statement affected, in order; -1 for a statement that returned rows (which are not read).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="statements"/> or one of its elements is null.</exception>
    /// <exception cref="ArgumentException">A statement's parameter object lacks a parameter its SQL uses.</exception>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    /// <exception cref="SqlBatchException">
    /// The server rejected a statement: the exception names its index; the ones before it ran. With
    /// <see cref="SqlHelperOptions.RewriteBatchedInserts"/>, a rejected multi-row INSERT names the range of statements it carried.
    /// </exception>
    /// <exception cref="SqlConnectionLostException">The connection was lost while the batch ran.</exception>
    /// <exception cref="SqlSelfDeadlockException">A statement waited for a lock held by an enclosing scope of the same flow.</exception>
    /// <exception cref="OperationCanceledException">The batch was cancelled.</exception>
    public Task<IReadOnlyList<int>> ExecuteBatchAsync(IEnumerable<SqlBatchStatement> statements, CancellationToken cancellationToken = default) =>
        RunCheckedAsync(IOBehavior.Asynchronous, Checked(statements), cancellationToken, CheckBatch, RunBatch).AsTask();

    /// <summary>
    /// Runs work that sends several statements (a batch, a bulk load) like one statement of <see cref="RunAsync{TResult}"/>:
    /// <paramref name="check"/> checks and classifies what will be sent (and returns whether the inherited diagnostics
    /// must be cleared first), then <paramref name="run"/> sends it under the self-deadlock guard, and a lost connection
    /// becomes <see cref="SqlConnectionLostException"/>.
    /// </summary>
    internal async ValueTask<TResult> RunCheckedAsync<TState, TResult>(IOBehavior io, TState state, CancellationToken cancellationToken,
        Func<SqlScope, TState, bool> check, Func<SqlScope, MySqlConnection, TState, IOBehavior, CancellationToken, ValueTask<TResult>> run)
    {
        ThrowIfNotLive();
        Owner.ThrowIfStreamOpen();
        var clearDiagnostics = check(this, state);
        var connection = LiveConnection();
        var guard = JoinTarget is null && Parent is not null ? Transactions.SelfDeadlockGuard.TryStart(this) : null;
        try
        {
            if (clearDiagnostics)
                await ClearInheritedDiagnosticsAsync(connection, io, cancellationToken).ConfigureAwait(false);
            return await run(this, connection, state, io, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            // Cancelled while a bulk load streamed its rows: the driver fails the session and reports that instead.
            throw new OperationCanceledException("The operation was cancelled while it ran; its connection is discarded when the scope ends.", ex, cancellationToken);
        }
        catch (Exception ex) when (StatementFailure(ex, connection, guard) is { } failure)
        {
            throw failure;
        }
        finally
        {
            guard?.Dispose();
        }
    }

    /// <summary>
    /// Tells the session tracker about a statement SqlHelper sends on the user's behalf (the parameter check is the
    /// caller's); returns whether the inherited diagnostics must be cleared before it.
    /// </summary>
    internal bool OnStatement(string sql, object? param)
    {
        var owner = Owner._lease;
        return owner.Pool!.Session.OnStatement(owner, sql, param);
    }

    private static SqlBatchStatement[] Checked(IEnumerable<SqlBatchStatement> statements)
    {
        ArgumentNullException.ThrowIfNull(statements);
        var list = statements.ToArray();
        foreach (var statement in list)
            ArgumentNullException.ThrowIfNull(statement, nameof(statements));
        return list;
    }

    private static readonly Func<SqlScope, SqlBatchStatement[], bool> CheckBatch = static (scope, statements) =>
    {
        var pool = scope.Owner._lease.Pool!;
        foreach (var statement in statements)
            pool.ParameterCheck.Validate(statement.Sql, statement.Param);
        var clearDiagnostics = false;
        foreach (var statement in statements)
            clearDiagnostics |= scope.OnStatement(statement.Sql, statement.Param);
        return clearDiagnostics;
    };

    private static readonly Func<SqlScope, MySqlConnection, SqlBatchStatement[], IOBehavior, CancellationToken, ValueTask<IReadOnlyList<int>>> RunBatch =
        static async (scope, connection, statements, io, cancellationToken) =>
        {
            if (statements.Length == 0)
                return [];
            var transaction = scope.Transaction;
            var pool = scope.Owner._lease.Pool!;
            var maxAllowedPacket = await pool.Limits.MaxAllowedPacketAsync(connection, transaction, io, cancellationToken).ConfigureAwait(false);
            var items = Array.ConvertAll(statements, static s => (s.Sql, s.Param));
            return await BatchRunner.RunAsync(connection, transaction, items, maxAllowedPacket, pool.RewriteBatchedInserts,
                static (first, last) => first == last
                    ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"statement {first} (zero-based) of the batch")
                    : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"statements {first} to {last} (zero-based) of the batch"),
                io, cancellationToken).ConfigureAwait(false);
        };
}

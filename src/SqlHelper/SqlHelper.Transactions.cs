using System.Data;
using MySqlConnector;
using SqlHelpers.Transactions;
using SqlHelpers.Utilities;

namespace SqlHelpers;

// A unit of work in one call: open a scope, begin, run the body, commit; retry on deadlock or lock wait timeout.
public sealed partial class SqlHelper
{
    /// <summary>The default for the <c>maxRetries</c> argument of <see cref="InTransactionAsync{T}(Func{SqlScope, Task{T}}, IsolationLevel, int, CancellationToken)"/>.</summary>
    public const int DefaultMaxRetries = 3;

    /// <summary>
    /// Opens a scope of its own (on the calling flow's stack, so code inside sees it as <see cref="Current"/>), begins a
    /// transaction, runs <paramref name="body"/> and commits. On a deadlock (MySQL error 1213) or lock wait timeout (1205)
    /// it rolls back and runs the body again after a short jittered pause, at most <paramref name="maxRetries"/> times, then
    /// rethrows the last error. Any other exception rolls back and propagates at once. The body must be safe to run again.
    /// </summary>
    /// <typeparam name="T">The body's result type.</typeparam>
    /// <param name="body">The work to do inside the transaction.</param>
    /// <param name="isolationLevel">The isolation level; <see cref="IsolationLevel.Unspecified"/> keeps the server's default.</param>
    /// <param name="maxRetries">How many times to run the body again after a deadlock or lock wait timeout.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation (also between attempts).</param>
    /// <returns>The body's result from the attempt that committed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <c>null</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRetries"/> is negative.</exception>
    /// <exception cref="MySqlException">The last attempt failed, or an attempt failed with an error that is not retried.</exception>
    public Task<T> InTransactionAsync<T>(Func<SqlScope, Task<T>> body, IsolationLevel isolationLevel = IsolationLevel.Unspecified,
        int maxRetries = DefaultMaxRetries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        return TransactionRunner.RunAsync(this, async (scope, _) => await body(scope).ConfigureAwait(false), isolationLevel, maxRetries,
            IOBehavior.Asynchronous, _events, _clock, cancellationToken).AsTask();
    }

    /// <summary>Runs <paramref name="body"/> in a transaction with retries; see <see cref="InTransactionAsync{T}(Func{SqlScope, Task{T}}, IsolationLevel, int, CancellationToken)"/>.</summary>
    /// <param name="body">The work to do inside the transaction.</param>
    /// <param name="isolationLevel">The isolation level; <see cref="IsolationLevel.Unspecified"/> keeps the server's default.</param>
    /// <param name="maxRetries">How many times to run the body again after a deadlock or lock wait timeout.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation (also between attempts).</param>
    /// <returns>A task that completes when the transaction has committed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <c>null</c>.</exception>
    /// <exception cref="MySqlException">The last attempt failed, or an attempt failed with an error that is not retried.</exception>
    public Task InTransactionAsync(Func<SqlScope, Task> body, IsolationLevel isolationLevel = IsolationLevel.Unspecified,
        int maxRetries = DefaultMaxRetries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return InTransactionAsync<bool>(async scope =>
        {
            await body(scope).ConfigureAwait(false);
            return true;
        }, isolationLevel, maxRetries, cancellationToken);
    }

    /// <summary>Runs <paramref name="body"/> in a transaction with retries, synchronously; see <see cref="InTransactionAsync{T}(Func{SqlScope, Task{T}}, IsolationLevel, int, CancellationToken)"/>.</summary>
    /// <typeparam name="T">The body's result type.</typeparam>
    /// <param name="body">The work to do inside the transaction.</param>
    /// <param name="isolationLevel">The isolation level; <see cref="IsolationLevel.Unspecified"/> keeps the server's default.</param>
    /// <param name="maxRetries">How many times to run the body again after a deadlock or lock wait timeout.</param>
    /// <returns>The body's result from the attempt that committed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <c>null</c>.</exception>
    /// <exception cref="MySqlException">The last attempt failed, or an attempt failed with an error that is not retried.</exception>
    public T InTransaction<T>(Func<SqlScope, T> body, IsolationLevel isolationLevel = IsolationLevel.Unspecified, int maxRetries = DefaultMaxRetries)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        return TransactionRunner.RunAsync(this, (scope, _) => new ValueTask<T>(body(scope)), isolationLevel, maxRetries,
            IOBehavior.Synchronous, _events, _clock, CancellationToken.None).RunSynchronously();
    }

    /// <summary>Runs <paramref name="body"/> in a transaction with retries, synchronously; see <see cref="InTransaction{T}(Func{SqlScope, T}, IsolationLevel, int)"/>.</summary>
    /// <param name="body">The work to do inside the transaction.</param>
    /// <param name="isolationLevel">The isolation level; <see cref="IsolationLevel.Unspecified"/> keeps the server's default.</param>
    /// <param name="maxRetries">How many times to run the body again after a deadlock or lock wait timeout.</param>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is <c>null</c>.</exception>
    /// <exception cref="MySqlException">The last attempt failed, or an attempt failed with an error that is not retried.</exception>
    public void InTransaction(Action<SqlScope> body, IsolationLevel isolationLevel = IsolationLevel.Unspecified, int maxRetries = DefaultMaxRetries)
    {
        ArgumentNullException.ThrowIfNull(body);
        InTransaction(scope =>
        {
            body(scope);
            return true;
        }, isolationLevel, maxRetries);
    }
}

using SqlHelpers.Utilities;

namespace SqlHelpers;

// Batches and bulk loads on the helper itself: on Current when the calling flow has one, else on a short-lived scope of
// the primary that is never pushed on the stack (each statement then commits on its own).
public sealed partial class SqlHelper
{
    /// <summary>
    /// Runs several statements, each with its own parameters, on <see cref="Current"/> (or a short-lived scope) in one round
    /// trip, and returns the rows each one affected; see <see cref="SqlScope.ExecuteBatch"/>.
    /// </summary>
    /// <param name="statements">The statements, in the order they run.</param>
    /// <returns>The rows each statement affected, in order; -1 for a statement that returned rows.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="statements"/> or one of its elements is null.</exception>
    /// <exception cref="ArgumentException">A statement's parameter object lacks a parameter its SQL uses.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="SqlBatchException">The server rejected a statement: the exception names its index; the ones before it ran.</exception>
    public IReadOnlyList<int> ExecuteBatch(IEnumerable<SqlBatchStatement> statements)
    {
        ArgumentNullException.ThrowIfNull(statements);
        return RunOnCurrentOrTemporaryAsync(IOBehavior.Synchronous, statements, default, static (scope, s, _) => scope.ExecuteBatch(s), static (scope, s, ct) => scope.ExecuteBatchAsync(s, ct)).RunSynchronously();
    }

    /// <summary>Asynchronously runs several statements on <see cref="Current"/> (or a short-lived scope) in one round trip; see <see cref="SqlScope.ExecuteBatch"/>.</summary>
    /// <param name="statements">The statements, in the order they run.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The rows each statement affected, in order; -1 for a statement that returned rows.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="statements"/> or one of its elements is null.</exception>
    /// <exception cref="ArgumentException">A statement's parameter object lacks a parameter its SQL uses.</exception>
    /// <exception cref="SqlPoolExhaustedException">No scope was current and no connection could be had.</exception>
    /// <exception cref="SqlBatchException">The server rejected a statement: the exception names its index; the ones before it ran.</exception>
    /// <exception cref="OperationCanceledException">The batch was cancelled.</exception>
    public Task<IReadOnlyList<int>> ExecuteBatchAsync(IEnumerable<SqlBatchStatement> statements, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statements);
        return RunOnCurrentOrTemporaryAsync(IOBehavior.Asynchronous, statements, cancellationToken, static (scope, s, _) => scope.ExecuteBatch(s), static (scope, s, ct) => scope.ExecuteBatchAsync(s, ct)).AsTask();
    }

    /// <summary>
    /// Runs scope-level work on <see cref="Current"/>, or on a short-lived scope of a write candidate disposed when it ends:
    /// <paramref name="sync"/> for <see cref="IOBehavior.Synchronous"/>, else <paramref name="async"/>.
    /// </summary>
    private async ValueTask<TResult> RunOnCurrentOrTemporaryAsync<TState, TResult>(IOBehavior io, TState state, CancellationToken cancellationToken,
        Func<SqlScope, TState, CancellationToken, TResult> sync, Func<SqlScope, TState, CancellationToken, Task<TResult>> async)
    {
        if (Current is { } current)
            return io == IOBehavior.Synchronous ? sync(current, state, cancellationToken) : await async(current, state, cancellationToken).ConfigureAwait(false);
        ThrowIfDisposed();
        var candidates = _router.WriteCandidates();
        var scope = io == IOBehavior.Synchronous
            ? _opener.Open(push: false, candidates)
            : await _opener.OpenAsync(push: false, candidates, cancellationToken).ConfigureAwait(false);
        try
        {
            return io == IOBehavior.Synchronous ? sync(scope, state, cancellationToken) : await async(scope, state, cancellationToken).ConfigureAwait(false);
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

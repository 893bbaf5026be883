using System.Data;
using MySqlConnector;
using SqlHelpers.Diagnostics;
using SqlHelpers.Utilities;

namespace SqlHelpers.Transactions;

/// <summary>
/// A unit of work in one call, for both behaviours: open a scope, begin, run the body, commit; on a deadlock or lock wait
/// timeout roll back and run it again after a jittered pause.
/// </summary>
internal static class TransactionRunner
{
    public static async ValueTask<T> RunAsync<T>(SqlHelper helper, Func<SqlScope, IOBehavior, ValueTask<T>> body, IsolationLevel isolationLevel,
        int maxRetries, IOBehavior io, ScopeEvents events, Clock clock, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan pause;
            var scope = io == IOBehavior.Synchronous ? helper.Open() : await helper.OpenAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (io == IOBehavior.Synchronous)
                    scope.BeginTransaction(isolationLevel);
                else
                    await scope.BeginTransactionAsync(isolationLevel, cancellationToken).ConfigureAwait(false);
                var result = await body(scope, io).ConfigureAwait(false);
                if (io == IOBehavior.Synchronous)
                    scope.Commit();
                else
                    await scope.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
            catch (Exception ex) when (attempt <= maxRetries && TransientErrors.IsRetryable(ex))
            {
                pause = TransientErrors.Backoff(attempt);
                events.TransactionRetried(attempt, maxRetries + 1, TransientErrors.ServerError(ex)!.Number, pause);
            }
            finally
            {
                // Disposing the scope rolls back what a failed attempt left.
                if (io == IOBehavior.Synchronous)
                    scope.Dispose();
                else
                    await scope.DisposeAsync().ConfigureAwait(false);
            }
            if (io == IOBehavior.Synchronous)
                clock.Time.Delay(pause, cancellationToken).GetAwaiter().GetResult();
            else
                await clock.Time.Delay(pause, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Task Delay(this TimeProvider time, TimeSpan delay, CancellationToken cancellationToken) =>
        Task.Delay(delay, time, cancellationToken);
}

using MySqlConnector;

namespace SqlHelpers.Transactions;

/// <summary>Which server errors mean "the transaction lost a race; running it again may succeed".</summary>
internal static class TransientErrors
{
    /// <summary>
    /// Returns whether <paramref name="exception"/> is a deadlock (1213) or a lock wait timeout (1205), bare or inside the
    /// <see cref="SqlBatchException"/> of a batch.
    /// </summary>
    public static bool IsRetryable(Exception exception) =>
        ServerError(exception) is { ErrorCode: MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout };

    /// <summary>Returns the server's error: the exception itself, or the one a <see cref="SqlBatchException"/> wraps; else <c>null</c>.</summary>
    public static MySqlException? ServerError(Exception exception) => exception switch
    {
        MySqlException server => server,
        SqlBatchException batch => batch.ServerError,
        _ => null,
    };

    /// <summary>Returns the pause before attempt <paramref name="attempt"/> + 1: exponential from 20 ms, capped at 1 s, with ±50% jitter.</summary>
    public static TimeSpan Backoff(int attempt)
    {
        var baseMs = Math.Min(1000, 20 * (1 << Math.Min(attempt - 1, 10)));
        return TimeSpan.FromMilliseconds(baseMs * (0.5 + Random.Shared.NextDouble()));
    }
}

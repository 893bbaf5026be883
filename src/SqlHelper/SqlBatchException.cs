namespace SqlHelpers;

/// <summary>
/// The exception thrown when the server rejected one statement of a batch (<see cref="SqlScope.ExecuteBatch"/>) or one
/// group of rows of <see cref="SqlScope.Execute"/> given a sequence. It names the failing statement or rows; the
/// server's error is the <see cref="Exception.InnerException"/> (a <see cref="MySqlConnector.MySqlException"/>).
/// </summary>
/// <remarks>
/// Statements before <see cref="FirstIndex"/> ran; it and those after it did not. Inside a transaction nothing is rolled
/// back: the transaction is left to the caller, as after any failed statement.
/// </remarks>
public sealed class SqlBatchException : SqlHelperException
{
    internal SqlBatchException(string message, int firstIndex, int lastIndex, MySqlConnector.MySqlException innerException)
        : base(message, innerException)
    {
        FirstIndex = firstIndex;
        LastIndex = lastIndex;
    }

    /// <summary>Gets the zero-based index of the failing statement, or of the first row of the failing group of rows.</summary>
    public int FirstIndex { get; }

    /// <summary>Gets the zero-based index of the last row of the failing group of rows; equal to <see cref="FirstIndex"/> for one statement.</summary>
    public int LastIndex { get; }

    /// <summary>Gets the server's error that failed the statement.</summary>
    public MySqlConnector.MySqlException ServerError => (MySqlConnector.MySqlException) InnerException!;

    /// <summary>Gets whether the server's error was a deadlock or a lock wait timeout, so that running the work again may succeed.</summary>
    public override bool IsTransient => ServerError.ErrorCode is MySqlConnector.MySqlErrorCode.LockDeadlock or MySqlConnector.MySqlErrorCode.LockWaitTimeout;
}

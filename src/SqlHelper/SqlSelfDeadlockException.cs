namespace SqlHelpers;

/// <summary>
/// The exception thrown when a command in a nested scope waits for a row lock held by an enclosing scope of the same
/// flow. The enclosing scope cannot commit while the nested one waits, so the server would only give up after
/// <c>innodb_lock_wait_timeout</c>; SqlHelper detects it early, interrupts the waiting statement, and throws this instead.
/// </summary>
public sealed class SqlSelfDeadlockException : SqlHelperException
{
    internal SqlSelfDeadlockException(string message, int waitingConnectionId, int blockingConnectionId, int blockingScopeDepth, Exception? innerException)
        : base(message, innerException)
    {
        WaitingConnectionId = waitingConnectionId;
        BlockingConnectionId = blockingConnectionId;
        BlockingScopeDepth = blockingScopeDepth;
    }

    /// <summary>Gets the server connection id of the nested scope whose statement was waiting.</summary>
    public int WaitingConnectionId { get; }

    /// <summary>Gets the server connection id of the enclosing scope that holds the lock.</summary>
    public int BlockingConnectionId { get; }

    /// <summary>Gets the depth of the enclosing scope that holds the lock.</summary>
    public int BlockingScopeDepth { get; }
}

namespace SqlHelpers;

/// <summary>
/// The base of the errors SqlHelper itself raises (as opposed to the server's <see cref="MySqlConnector.MySqlException"/>),
/// so that "SqlHelper said no" can be caught in one clause. It derives from <see cref="InvalidOperationException"/>, so a
/// <c>catch (InvalidOperationException)</c> catches these errors too.
/// </summary>
public abstract class SqlHelperException : InvalidOperationException
{
    /// <summary>Initializes a new instance with a message and, optionally, the exception that caused it.</summary>
    /// <param name="message">The message: a whole sentence that names the problem and, where there is one, the fix.</param>
    /// <param name="innerException">The exception that caused this one, or <c>null</c>.</param>
    protected SqlHelperException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Gets whether trying the same work again, in a new scope, may succeed.</summary>
    public virtual bool IsTransient => false;
}

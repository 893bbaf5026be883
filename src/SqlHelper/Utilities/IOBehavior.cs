namespace SqlHelpers.Utilities;

/// <summary>
/// Whether an operation's one core method runs its I/O synchronously (the public sync method, which then reads the
/// already-completed result) or asynchronously. There is one path per operation, so the two APIs cannot drift.
/// </summary>
internal enum IOBehavior
{
    /// <summary>Block on I/O; the returned task is complete when the core method returns.</summary>
    Synchronous,

    /// <summary>Await I/O.</summary>
    Asynchronous,
}

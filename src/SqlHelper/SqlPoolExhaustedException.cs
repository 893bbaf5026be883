namespace SqlHelpers;

/// <summary>
/// The exception thrown when a scope cannot get a connection: every connection it may take is held by open scopes and
/// either <see cref="SqlHelperOptions.Blocking"/> is off, <see cref="SqlHelperOptions.AcquireTimeout"/> passed, or
/// waiting could never succeed because the calling flow itself holds them (<see cref="WouldDeadlock"/>).
/// </summary>
public sealed class SqlPoolExhaustedException : SqlHelperException
{
    internal SqlPoolExhaustedException(string message, int maxConnections, int heldConnections, int heldByThisFlow, bool wouldDeadlock)
        : base(message)
    {
        MaxConnections = maxConnections;
        HeldConnections = heldConnections;
        HeldByThisFlow = heldByThisFlow;
        WouldDeadlock = wouldDeadlock;
    }

    /// <summary>
    /// Gets the cap of the server the open was for: <see cref="SqlHelperOptions.MaxConnections"/> on the primary, or
    /// <see cref="SqlHelperOptions.ReplicaMaxConnections"/> (when set) when a read-only scope was opening on a replica.
    /// </summary>
    public int MaxConnections { get; }

    /// <summary>
    /// Gets the number of connections of that server held by live scopes when the open failed. Unlike
    /// <see cref="SqlHelperStatistics.OpenScopes"/>, scopes that joined another scope hold none and are not counted.
    /// </summary>
    public int HeldConnections { get; }

    /// <summary>Gets how many of those connections were held by scopes on the calling flow's own stack.</summary>
    public int HeldByThisFlow { get; }

    /// <summary>
    /// Gets whether waiting could certainly never succeed: a synchronous open on the thread that opened every scope of its
    /// flow, whose scopes already hold every connection it may take. It is thrown at once, without waiting. An open that
    /// waited and timed out has <c>false</c> here even when the message names the calling flow's own scopes as the likely
    /// cause (a child flow cannot know whether its parent will release them).
    /// </summary>
    public bool WouldDeadlock { get; }
}

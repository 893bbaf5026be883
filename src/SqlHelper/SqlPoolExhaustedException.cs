namespace SqlHelpers;

/// <summary>
/// The exception thrown when a scope cannot get a connection: every connection it may take is held by open scopes and
/// either <see cref="SqlHelperOptions.Blocking"/> is off, <see cref="SqlHelperOptions.AcquireTimeout"/> passed, or
/// waiting could never succeed because the calling flow itself holds them (<see cref="WouldDeadlock"/>).
/// </summary>
public sealed class SqlPoolExhaustedException : InvalidOperationException
{
    internal SqlPoolExhaustedException(string message, int maxConnections, int openScopes, int heldByThisFlow, bool wouldDeadlock)
        : base(message)
    {
        MaxConnections = maxConnections;
        OpenScopes = openScopes;
        HeldByThisFlow = heldByThisFlow;
        WouldDeadlock = wouldDeadlock;
    }

    /// <summary>Gets the helper's <see cref="SqlHelperOptions.MaxConnections"/>.</summary>
    public int MaxConnections { get; }

    /// <summary>Gets the number of live scopes holding connections when the open failed.</summary>
    public int OpenScopes { get; }

    /// <summary>Gets how many of those connections were held by scopes on the calling flow's own stack.</summary>
    public int HeldByThisFlow { get; }

    /// <summary>
    /// Gets whether the calling flow's own scopes held every connection the open could ever get, so that waiting could
    /// only end if another flow disposed them. When thrown without waiting, the deadlock was certain.
    /// </summary>
    public bool WouldDeadlock { get; }
}

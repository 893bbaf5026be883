namespace SqlHelpers.Routing;

/// <summary>The health of one replica as last seen; written only by <see cref="ReplicaHealth"/>.</summary>
internal sealed class ServerHealth
{
    private int _available = 1;

    /// <summary>Gets whether read-only scopes may be routed to the replica.</summary>
    public bool IsAvailable => Volatile.Read(ref _available) != 0;

    /// <summary>Gets why the replica is skipped, or <c>null</c> when it is available.</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>Gets the replication lag seen by the last check, when the server reported one.</summary>
    public TimeSpan? Lag { get; private set; }

    /// <summary>Records a verdict; returns <c>true</c> when availability changed.</summary>
    public bool Set(bool available, TimeSpan? lag, string? reason)
    {
        Lag = lag;
        UnavailableReason = available ? null : reason;
        return Interlocked.Exchange(ref _available, available ? 1 : 0) != (available ? 1 : 0);
    }
}

namespace SqlHelpers;

/// <summary>A snapshot of a <see cref="SqlHelper"/>'s counters, taken by <see cref="SqlHelper.GetStatistics"/>.</summary>
public sealed class SqlHelperStatistics
{
    /// <summary>
    /// Gets the number of live scopes of the helper, across all flows and servers, scopes that joined another scope included
    /// (they hold no connection of their own; <see cref="HeldConnections"/> counts connections).
    /// </summary>
    public int OpenScopes { get; init; }

    /// <summary>Gets the highest <see cref="OpenScopes"/> seen since the helper was built.</summary>
    public int PeakOpenScopes { get; init; }

    /// <summary>Gets the number of scopes opened successfully since the helper was built.</summary>
    public long ScopesOpened { get; init; }

    /// <summary>Gets the number of opens that had to wait for a free connection.</summary>
    public long AcquireWaits { get; init; }

    /// <summary>Gets the number of opens that gave up waiting and threw <see cref="SqlPoolExhaustedException"/> after <see cref="SqlHelperOptions.AcquireTimeout"/>.</summary>
    public long AcquireTimeouts { get; init; }

    /// <summary>Gets the number of opens that failed with <see cref="SqlPoolExhaustedException"/> for any reason (timeout, non-blocking, would deadlock).</summary>
    public long PoolExhaustions { get; init; }

    /// <summary>Gets the total time opens spent waiting for a free connection.</summary>
    public TimeSpan TotalAcquireWait { get; init; }

    /// <summary>Gets the number of scopes disposed while a scope nested in them was still open.</summary>
    public long MisnestedDisposals { get; init; }

    /// <summary>Gets the number of scopes reported as leaks: held past <see cref="SqlHelperOptions.LeakDetectionThreshold"/>, or never disposed.</summary>
    public long LeaksDetected { get; init; }

    /// <summary>Gets the number of scopes that were never disposed, became unreachable, and had their connection reclaimed.</summary>
    public long ScopesReclaimed { get; init; }

    /// <summary>Gets the number of sessions SqlHelper reset on release under <see cref="SessionResetPolicy.WhenDirty"/>.</summary>
    public long SessionResets { get; init; }

    /// <summary>Gets the number of releases under <see cref="SessionResetPolicy.WhenDirty"/> that skipped the reset because the scope left the session clean.</summary>
    public long SessionResetsSkipped { get; init; }

    /// <summary>Gets the number of pings sent to pooled connections that sat idle longer than <see cref="SqlHelperOptions.PingAfterIdle"/> (under <see cref="SessionResetPolicy.WhenDirty"/>).</summary>
    public long ConnectionPings { get; init; }

    /// <summary>Gets the number of pooled connections found dead by such a ping and replaced before any statement ran on them.</summary>
    public long DeadConnectionsReplaced { get; init; }

    /// <summary>
    /// Gets the number of times SqlHelper emptied a connection's warning list before a scope's first statement (under
    /// <see cref="SessionResetPolicy.WhenDirty"/>): the previous scope's warnings could otherwise be read by a first
    /// statement that uses no table, such as <c>SHOW WARNINGS</c> or <c>SELECT 1</c>.
    /// </summary>
    public long DiagnosticsClears { get; init; }

    /// <summary>Gets the helper's <see cref="SqlHelperOptions.MaxConnections"/>.</summary>
    public int MaxConnections { get; init; }

    /// <summary>
    /// Gets the number of connections held by live scopes (or being opened for them) right now on the servers that take
    /// writes: the primary, or with <see cref="SqlHelperOptions.ClusterNodes"/> every node together (each node's cap is
    /// <see cref="MaxConnections"/>).
    /// </summary>
    public int HeldConnections { get; init; }

    /// <summary>
    /// Gets the number of <see cref="SqlHelperOptions.ClusterNodes"/> that scopes may go to as last seen (synced, in the
    /// primary component, not desynced, reachable); 0 without cluster nodes.
    /// </summary>
    public int AvailableClusterNodes { get; init; }

    /// <summary>Gets the number of connections held by live read-only scopes on replicas.</summary>
    public int ReplicaHeldConnections { get; init; }

    /// <summary>Gets the number of read-only scopes opened on a replica.</summary>
    public long ReadOnlyScopesOnReplicas { get; init; }

    /// <summary>Gets the number of read-only opens that went to the primary because no replica was available or one failed.</summary>
    public long ReplicaFallbacks { get; init; }

    /// <summary>Gets the number of live scopes holding a connection on any server (primary or replica), by depth: index 0 is depth 1.</summary>
    public IReadOnlyList<int> OpenScopesByDepth { get; init; } = [];

    /// <summary>Returns a one-line summary of the counters.</summary>
    /// <returns>A summary such as <c>OpenScopes=2 (peak 5), Held=2/20, Opened=120, Waits=3 (0.012 s), Timeouts=0, Misnested=0</c>.</returns>
    public override string ToString() =>
        $"OpenScopes={OpenScopes} (peak {PeakOpenScopes}), Held={HeldConnections}/{MaxConnections}, Opened={ScopesOpened}, " +
        $"Waits={AcquireWaits} ({TotalAcquireWait.TotalSeconds:0.###} s), Timeouts={AcquireTimeouts}, Exhaustions={PoolExhaustions}, Misnested={MisnestedDisposals}, Leaks={LeaksDetected}, Reclaimed={ScopesReclaimed}, Resets={SessionResets} (skipped {SessionResetsSkipped})";
}

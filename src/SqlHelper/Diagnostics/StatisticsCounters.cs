namespace SqlHelpers.Diagnostics;

/// <summary>The running counters behind <see cref="SqlHelperStatistics"/>, updated with interlocked operations.</summary>
internal sealed class StatisticsCounters
{
    private int _openScopes;
    private int _peakOpenScopes;
    private long _scopesOpened;
    private long _acquireWaits;
    private long _acquireTimeouts;
    private long _acquireWaitTicks;
    private long _misnestedDisposals;
    private long _exhaustions;
    private long _leaks;
    private long _sessionResets;
    private long _replicaScopes;
    private long _replicaFallbacks;
    private long _sessionResetsSkipped;
    private long _reclaimed;
    private long _connectionPings;
    private long _deadConnectionsReplaced;
    private long _diagnosticsClears;

    public int OpenScopes => Volatile.Read(ref _openScopes);
    public int PeakOpenScopes => Volatile.Read(ref _peakOpenScopes);
    public long ScopesOpened => Interlocked.Read(ref _scopesOpened);
    public long AcquireWaits => Interlocked.Read(ref _acquireWaits);
    public long AcquireTimeouts => Interlocked.Read(ref _acquireTimeouts);
    public TimeSpan TotalAcquireWait => TimeSpan.FromTicks(Interlocked.Read(ref _acquireWaitTicks));
    public long MisnestedDisposals => Interlocked.Read(ref _misnestedDisposals);
    public long Exhaustions => Interlocked.Read(ref _exhaustions);
    public long Leaks => Interlocked.Read(ref _leaks);
    public long SessionResets => Interlocked.Read(ref _sessionResets);
    public long ReplicaScopes => Interlocked.Read(ref _replicaScopes);
    public long ReplicaFallbacks => Interlocked.Read(ref _replicaFallbacks);
    public long SessionResetsSkipped => Interlocked.Read(ref _sessionResetsSkipped);
    public long Reclaimed => Interlocked.Read(ref _reclaimed);
    public long ConnectionPings => Interlocked.Read(ref _connectionPings);
    public long DeadConnectionsReplaced => Interlocked.Read(ref _deadConnectionsReplaced);
    public long DiagnosticsClears => Interlocked.Read(ref _diagnosticsClears);

    public void ScopeOpened()
    {
        Interlocked.Increment(ref _scopesOpened);
        var open = Interlocked.Increment(ref _openScopes);
        var peak = Volatile.Read(ref _peakOpenScopes);
        while (open > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peakOpenScopes, open, peak);
            if (seen == peak)
                break;
            peak = seen;
        }
    }

    public void ScopeClosed() => Interlocked.Decrement(ref _openScopes);

    public void AcquireWaited(TimeSpan waited)
    {
        Interlocked.Increment(ref _acquireWaits);
        Interlocked.Add(ref _acquireWaitTicks, waited.Ticks);
    }

    public void AcquireTimedOut() => Interlocked.Increment(ref _acquireTimeouts);

    public void Exhausted() => Interlocked.Increment(ref _exhaustions);

    public void ReplicaScopeOpened() => Interlocked.Increment(ref _replicaScopes);

    public void ReplicaFallback() => Interlocked.Increment(ref _replicaFallbacks);

    public void SessionReset() => Interlocked.Increment(ref _sessionResets);

    public void SessionResetSkipped() => Interlocked.Increment(ref _sessionResetsSkipped);

    public void LeakDetected() => Interlocked.Increment(ref _leaks);

    public void ScopeReclaimed() => Interlocked.Increment(ref _reclaimed);

    public void Misnested() => Interlocked.Increment(ref _misnestedDisposals);

    public void ConnectionPinged() => Interlocked.Increment(ref _connectionPings);

    public void DiagnosticsCleared() => Interlocked.Increment(ref _diagnosticsClears);

    public void DeadConnectionReplaced() => Interlocked.Increment(ref _deadConnectionsReplaced);
}

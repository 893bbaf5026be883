using MySqlConnector;
using SqlHelpers.Pooling;

namespace SqlHelpers.Scopes;

/// <summary>
/// What a scope holds from its pool: its connection, its admission slot and the facts diagnostics report about it.
/// Kept apart from <see cref="SqlScope"/> so the registry of live leases never keeps an abandoned scope reachable.
/// </summary>
/// <remarks>
/// Only what every scope uses lives here; what few scopes use (a transaction, savepoints, the scope's own command, an
/// activity, the warning watch, the open site) lives in <see cref="LeaseExtras"/>, created when first needed.
/// </remarks>
internal sealed class ScopeLease(long id, long flowId, int depth, long openedMilliseconds, string? openSite, bool isJoined = false)
{
    private const int LeakReportedFlag = 1;
    private const int ConnectionSharedFlag = 2;

    private LeaseExtras? _extras = openSite is null ? null : new LeaseExtras { OpenSite = openSite };
    private int _released;
    private int _flags;   // LeakReportedFlag | ConnectionSharedFlag, set with Interlocked.Or: one field keeps a lease small
    private int _statementsRunning;
    private int _connectionId;   // 0 while opening: servers number connections from 1

    /// <summary>Gets the scope's id, unique within its helper.</summary>
    public long Id { get; } = id;

    /// <summary>Gets the id of the stack (outermost scope) this scope belongs to; flows that share it share a stack root.</summary>
    public long FlowId { get; } = flowId;

    /// <summary>Gets the scope's depth on its stack when it was opened (1 = outermost).</summary>
    public int Depth { get; } = depth;

    /// <summary>Gets the stack trace of the code that opened the scope, when <see cref="SqlHelperOptions.CaptureOpenSite"/> is on.</summary>
    public string? OpenSite => _extras?.OpenSite;

    /// <summary>Gets the managed thread that opened the scope.</summary>
    public int ThreadId { get; } = Environment.CurrentManagedThreadId;

    /// <summary>Gets when the scope started to open, as a reading of the helper's clock in milliseconds.</summary>
    public long OpenedMilliseconds { get; } = openedMilliseconds;

    /// <summary>Gets or sets the pool the scope's connection comes from (chosen, and possibly re-chosen, while opening).</summary>
    public ScopePool? Pool { get; set; }

    /// <summary>Gets or sets whether the scope may have written (a statement that may write ran, or the connection was handed out).</summary>
    public bool Wrote { get; set; }

    /// <summary>Gets or sets the open connection, or <c>null</c> while opening.</summary>
    public MySqlConnection? Connection { get; set; }

    /// <summary>Gets or sets the server's id for the connection (<c>CONNECTION_ID()</c>), or <c>null</c> while opening.</summary>
    public int? ConnectionId
    {
        get => _connectionId == 0 ? null : _connectionId;
        set => _connectionId = value ?? 0;
    }

    /// <summary>Gets whether the scope joined an enclosing scope's connection instead of taking one (no slot, no connection of its own).</summary>
    public bool IsJoined { get; } = isJoined;

    /// <summary>Gets or sets the transaction begun on this lease's connection (it may have ended since).</summary>
    public MySqlTransaction? Transaction
    {
        get => Volatile.Read(ref _extras)?.Transaction;
        set
        {
            if (value is not null || Volatile.Read(ref _extras) is not null)
                Extras.Transaction = value;
        }
    }

    /// <summary>
    /// Gets or sets whether this lease's scope began the transaction its commands run in (a joined scope may begin one on
    /// the connection it joined).
    /// </summary>
    public bool OwnsTransaction
    {
        get => Volatile.Read(ref _extras)?.OwnsTransaction ?? false;
        set
        {
            if (value || Volatile.Read(ref _extras) is not null)
                Extras.OwnsTransaction = value;
        }
    }

    /// <summary>
    /// Gets or sets whether the session may have been changed by what ran on this connection (used under
    /// <see cref="SessionResetPolicy.WhenDirty"/>; set conservatively, never cleared while the lease lives).
    /// </summary>
    public bool Dirty { get; set; }

    /// <summary>
    /// Gets or sets whether the connection's diagnostics area may still hold the warnings of its previous borrower (under
    /// <see cref="SessionResetPolicy.WhenDirty"/> a clean scope's session is not reset, and MySqlConnector does not report
    /// the warnings of a statement that returned rows). Cleared by the scope's first statement, transaction or raw access,
    /// which first empties the area unless the statement does so itself.
    /// </summary>
    public bool InheritsDiagnostics { get; set; }

    /// <summary>
    /// Gets or sets the generation of the connection source the connection came from (<see cref="IConnectionSource.Generation"/>),
    /// or <c>null</c> when it is not known for sure (the source was cleared while it opened).
    /// </summary>
    public object? SourceGeneration { get; set; }

    /// <summary>
    /// Marks the connection object as shared: it may still be referenced or used once the lease is released, because it
    /// was handed to code that may keep it (the user's <see cref="SqlScope.Connection"/> or <see cref="SqlScope.Command"/>,
    /// a transaction, an open result) or used outside the counted statement path. Such an object is disposed on release,
    /// never reused.
    /// </summary>
    public void ShareConnection() => Interlocked.Or(ref _flags, ConnectionSharedFlag);

    /// <summary>
    /// Counts a statement that starts on the lease's connection; the caller checks that its scope is still live
    /// afterwards and calls <see cref="ExitStatement"/> when the statement has ended, whatever its outcome.
    /// </summary>
    /// <remarks>
    /// An interlocked increment, so that it and a release's check (<see cref="ReuseGeneration"/>, after the scope's own
    /// compare-and-swap to disposed) cannot both miss the other: either the statement sees its scope disposed, or the release
    /// sees the statement running and disposes the connection object instead of keeping it for reuse.
    /// </remarks>
    public void EnterStatement() => Interlocked.Increment(ref _statementsRunning);

    /// <summary>Counts a statement out (see <see cref="EnterStatement"/>).</summary>
    public void ExitStatement() => Interlocked.Decrement(ref _statementsRunning);

    /// <summary>
    /// Returns the source generation to keep the closed connection object in for reuse, or <c>null</c> when it must be
    /// disposed: it is shared, a statement is still running on it, or its generation is unknown. Called on release only.
    /// </summary>
    public object? ReuseGeneration() =>
        Volatile.Read(ref _statementsRunning) == 0 && (Volatile.Read(ref _flags) & ConnectionSharedFlag) == 0 ? SourceGeneration : null;

    /// <summary>Gets or sets the lease's index in the registry, or -1 when not registered.</summary>
    public int Slot { get; set; } = -1;

    /// <summary>Gets or sets the activity that spans the scope, when someone listens to SqlHelper's activity source.</summary>
    public System.Diagnostics.Activity? Activity
    {
        get => Volatile.Read(ref _extras)?.Activity;
        set
        {
            if (value is not null || Volatile.Read(ref _extras) is not null)
                Extras.Activity = value;
        }
    }

    /// <summary>Gets the lease's rarely used part, or <c>null</c> while no feature needed it.</summary>
    public LeaseExtras? ExtrasIfCreated => Volatile.Read(ref _extras);

    /// <summary>Gets the lease's rarely used part, creating it on first use (once, even when two flows sharing the connection race).</summary>
    public LeaseExtras Extras => Volatile.Read(ref _extras) ?? CreateExtras();

    /// <summary>
    /// Makes the lease dirty as soon as a statement on its connection raises a warning: the next borrower's
    /// <c>SHOW WARNINGS</c> would otherwise read it (warnings may quote bound values). MySqlConnector raises
    /// <see cref="MySqlConnection.InfoMessage"/> only when a result reports warnings, so a clean run costs nothing.
    /// </summary>
    public void WatchWarnings()
    {
        if (Volatile.Read(ref _extras)?.OnWarning is null && Connection is { } connection)
        {
            MySqlInfoMessageEventHandler onWarning = (_, _) => Dirty = true;
            Extras.OnWarning = onWarning;
            connection.InfoMessage += onWarning;
        }
    }

    /// <summary>Stops watching for warnings (the connection goes back to the pool).</summary>
    public void StopWatchingWarnings()
    {
        if (Volatile.Read(ref _extras)?.OnWarning is { } onWarning && Connection is { } connection)
            connection.InfoMessage -= onWarning;
    }

    /// <summary>Gets whether the lease was reported as a suspected leak.</summary>
    public bool LeakReported => (Volatile.Read(ref _flags) & LeakReportedFlag) != 0;

    /// <summary>Marks the lease reported as a leak; returns <c>true</c> only the first time.</summary>
    public bool TryMarkLeakReported() => (Interlocked.Or(ref _flags, LeakReportedFlag) & LeakReportedFlag) == 0;

    /// <summary>Marks the lease released; returns <c>true</c> only for the first caller, so a connection goes back once.</summary>
    /// <remarks>
    /// Not an interlocked exchange: its two callers never race. A dispose gets here once, after the scope's own
    /// compare-and-swap from live to disposed; a finalizer only for a scope that was never disposed and is unreachable.
    /// This flag stops a second, later call.
    /// </remarks>
    public bool TryMarkReleased()
    {
        if (_released != 0)
            return false;
        _released = 1;
        return true;
    }

    private LeaseExtras CreateExtras()
    {
        Interlocked.CompareExchange(ref _extras, new LeaseExtras(), null);
        return _extras!;
    }
}

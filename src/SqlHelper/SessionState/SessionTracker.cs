using MySqlConnector;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;
using SqlHelpers.Queries;
using SqlHelpers.Scopes;
using SqlHelpers.Utilities;

namespace SqlHelpers.SessionState;

/// <summary>
/// The one owner of session state between scopes on one server. It marks a lease dirty (the classifier says a statement
/// may change the session, or the user took the raw connection), decides on release whether the session must be reset
/// (<see cref="SessionResetPolicy.WhenDirty"/>) and performs the reset, and under that policy makes sure a connection that
/// sat idle in the pool still answers before a scope gets it (nothing is ever sent twice: the check comes first).
/// </summary>
/// <remarks>
/// Under <see cref="SessionResetPolicy.Always"/> MySqlConnector resets every session when it is taken from its pool, which
/// also proves it alive; this tracker then only remembers what scopes wrote, for read-your-writes routing. With
/// <see cref="SqlHelperOptions.CausalReads"/> no session is reset in place (a reset Galera session ignores
/// <c>wsrep_sync_wait</c>): one that needs a reset is closed instead, under Always every one.
/// </remarks>
internal sealed class SessionTracker
{
    private readonly bool _resetsWhenDirty;
    private readonly long _pingAfterIdleMilliseconds;
    private readonly StatementAnalyzer _statements;
    private readonly IConnectionSource _source;
    private readonly ScopeEvents _events;
    private readonly Clock _clock;
    private readonly string _poolName;
    private readonly IdleTable? _idle;

    public SessionTracker(ScopePoolSettings settings, IConnectionSource source, ScopeEvents events, string poolName)
    {
        _resetsWhenDirty = settings.SessionReset == SessionResetPolicy.WhenDirty;
        _pingAfterIdleMilliseconds = (long) settings.PingAfterIdle.TotalMilliseconds;
        _statements = settings.Statements;
        _source = source;
        _events = events;
        _clock = settings.Clock;
        _poolName = poolName;
        if (_resetsWhenDirty)
        {
            var idle = _idle = new IdleTable(settings.MaxConnections);
            // A connection the driver has just opened has not sat idle: it is not pinged before its first statement.
            source.NewSessionOpened = id => idle.MarkIdle(id, _clock.NowMilliseconds);
        }
    }

    /// <summary>
    /// A lease got its connection. Under <see cref="SessionResetPolicy.WhenDirty"/> the session was not reset after a
    /// clean scope, so its diagnostics area may hold that scope's warnings: the driver reports warnings only for
    /// statements without rows (never for a SELECT's result set, nor for any result but the last of a batch), so they
    /// cannot be told apart from no warnings. The new scope's first statement decides (<see cref="OnStatement"/>).
    /// </summary>
    /// <remarks>
    /// It also records the source generation the connection came from: <paramref name="generation"/>, read before the
    /// open, when the source still has it (a clear during the open leaves it unknown, and the object is not reused).
    /// </remarks>
    public void OnOpened(ScopeLease lease, object generation)
    {
        lease.InheritsDiagnostics = _resetsWhenDirty;
        lease.SourceGeneration = generation == _source.Generation ? generation : null;
    }

    /// <summary>
    /// Records what a statement about to run on the lease's connection means for its session (under
    /// <see cref="SessionResetPolicy.WhenDirty"/>) and for read-your-writes routing: one classifier decides both.
    /// Returns <c>true</c> when the diagnostics area must be emptied first (<see cref="ClearInheritedDiagnosticsAsync"/>):
    /// it is the scope's first statement, the previous borrower's warnings may still be there, and the statement does not
    /// empty the area itself (it uses no table), so it or a later statement of the scope could read them.
    /// </summary>
    public bool OnStatement(ScopeLease owner, string sql, object? param)
    {
        var inherits = owner.InheritsDiagnostics;
        var needSession = _resetsWhenDirty && !owner.Dirty;
        if (!needSession && owner.Wrote && !inherits)
            return false;
        var effects = _statements.Analyze(sql, param);
        if ((effects & StatementEffects.Writes) != 0)
            owner.Wrote = true;
        if (needSession)
        {
            if ((effects & StatementEffects.ChangesSession) != 0)
                owner.Dirty = true;
            else
                owner.WatchWarnings();
        }
        if (!inherits)
            return false;
        owner.InheritsDiagnostics = false;
        return !DiagnosticsClearing.ClearsFirst(sql, effects);
    }

    /// <summary>
    /// Empties the diagnostics area of a lease's connection before its first statement, transaction or raw use can read
    /// the previous borrower's warnings (one short statement, sent only when that first use would not empty it itself).
    /// </summary>
    public ValueTask ClearInheritedDiagnosticsAsync(ScopeLease owner, MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken)
    {
        owner.InheritsDiagnostics = false;
        _events.DiagnosticsCleared();
        return _source.ClearDiagnosticsAsync(connection, io, cancellationToken);
    }

    /// <summary>The user took the raw connection or command: what runs on it is out of sight, so assume the worst.</summary>
    public static void OnRawAccess(ScopeLease owner)
    {
        owner.Dirty = true;
        owner.Wrote = true;
    }

    /// <summary>
    /// Opens a connection from the source and, under <see cref="SessionResetPolicy.WhenDirty"/>, pings it first when it
    /// sat idle longer than <see cref="SqlHelperOptions.PingAfterIdle"/> (or nobody knows how long): a dead one is
    /// discarded and replaced, at most <paramref name="maxAttempts"/> times, before any statement is sent.
    /// </summary>
    public ValueTask<MySqlConnection> OpenLiveAsync(IOBehavior io, int maxAttempts, CancellationToken cancellationToken)
    {
        if (_idle is not null)
            return OpenCheckedAsync(_idle, io, maxAttempts, cancellationToken);
        // Under SessionResetPolicy.Always the open is the driver's alone: no state machine of ours unless it fails or waits.
        ValueTask<MySqlConnection> open;
        try
        {
            open = _source.OpenAsync(io, cancellationToken);
        }
        catch (MySqlException ex) when (IsPooledSessionResetTimeout(ex))
        {
            return ReopenAfterResetTimeoutAsync(io, cancellationToken);
        }
        return open.IsCompletedSuccessfully ? open : AwaitOpenAsync(open, io, cancellationToken);
    }

    private async ValueTask<MySqlConnection> AwaitOpenAsync(ValueTask<MySqlConnection> open, IOBehavior io, CancellationToken cancellationToken)
    {
        try
        {
            return await open.ConfigureAwait(false);
        }
        catch (MySqlException ex) when (IsPooledSessionResetTimeout(ex))
        {
        }
        return await ReopenAfterResetTimeoutAsync(io, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// MySqlConnector's reset on open (SessionReset=Always) met a pooled connection the network forgot. Its idle siblings
    /// are likely gone too: drop them all and open once more, on a fresh connection.
    /// </summary>
    private async ValueTask<MySqlConnection> ReopenAfterResetTimeoutAsync(IOBehavior io, CancellationToken cancellationToken)
    {
        _events.DeadConnectionReplaced(_poolName, 0, TimeSpan.Zero);
        await _source.ClearAsync(io).ConfigureAwait(false);
        return await _source.OpenAsync(io, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<MySqlConnection> OpenCheckedAsync(IdleTable idleTable, IOBehavior io, int maxAttempts, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            // The driver does not reset sessions on open under WhenDirty (ConnectionReset is off), so its reset cannot time
            // out here as it can under Always (ReopenAfterResetTimeoutAsync): a dead pooled connection is found by the ping.
            var connection = await _source.OpenAsync(io, cancellationToken).ConfigureAwait(false);
            var id = _source.ConnectionIdOf(connection);
            var idle = idleTable.IdleMilliseconds(id, _clock.NowMilliseconds);
            if (idle is { } known && known < _pingAfterIdleMilliseconds)
                return connection;
            _events.ConnectionPinged();
            if (await _source.PingAsync(connection, io, cancellationToken).ConfigureAwait(false))
                return connection;
            if (attempt >= maxAttempts)
                throw new SqlConnectionLostException(id, _poolName, outcomeUnknown: false, innerException: null);
            // Dead (the ping closed it): its idle siblings may be dead for the same reason, so they go too.
            idleTable.Forget(id);
            _events.DeadConnectionReplaced(_poolName, id, TimeSpan.FromMilliseconds(idle ?? 0));
            await _source.ClearAsync(io).ConfigureAwait(false);
        }
    }

    /// <summary>The driver's "Connect Timeout expired" caused by its own command timing out: a reused session that did not answer its reset.</summary>
    private static bool IsPooledSessionResetTimeout(MySqlException exception) =>
        exception.ErrorCode == MySqlErrorCode.UnableToConnectToHost && exception.InnerException is MySqlException { ErrorCode: MySqlErrorCode.CommandTimeoutExpired };

    /// <summary>
    /// Gives a lease's connection back: under <see cref="SessionResetPolicy.WhenDirty"/> resets the session first when the
    /// scope may have changed it, and remembers when it went idle.
    /// </summary>
    public ValueTask ReturnAsync(ScopeLease lease, MySqlConnection connection, IOBehavior io) =>
        // Not an async method: under SessionResetPolicy.Always returning is the driver's close alone.
        _idle is not null ? ReturnCheckedAsync(_idle, lease, connection, io)
        : _source.ResetsByReconnecting ? DiscardAsync(connection, io)
        : CloseAsync(lease, connection, io);

    /// <summary>Closes a released connection, keeping the object for reuse when its lease allows (<see cref="ScopeLease.ReuseGeneration"/>).</summary>
    private ValueTask CloseAsync(ScopeLease lease, MySqlConnection connection, IOBehavior io) =>
        lease.ReuseGeneration() is { } generation ? _source.CloseForReuseAsync(connection, generation, io) : _source.CloseAsync(connection, io);

    /// <summary>Always, with sessions that cannot be reset in place (causal reads): no session reaches a second scope.</summary>
    private async ValueTask DiscardAsync(MySqlConnection connection, IOBehavior io)
    {
        try
        {
            if (_source.IsOpen(connection))
            {
                await _source.DiscardAsync(connection, io).ConfigureAwait(false);
                _events.SessionReset();
            }
        }
        finally
        {
            await _source.CloseAsync(connection, io).ConfigureAwait(false);
        }
    }

    private async ValueTask ReturnCheckedAsync(IdleTable idleTable, ScopeLease lease, MySqlConnection connection, IOBehavior io)
    {
        var pooledClean = false;
        try
        {
            if (_source.IsOpen(connection))
            {
                lease.StopWatchingWarnings();
                var id = _source.ConnectionIdOf(connection);
                pooledClean = await ResetIfDirtyAsync(lease, connection, io).ConfigureAwait(false);
                if (pooledClean)
                    idleTable.MarkIdle(id, _clock.NowMilliseconds);
                else
                    idleTable.Forget(id);
            }
        }
        finally
        {
            // Closing rolls back an uncommitted transaction. Only a connection that went back clean (its warning watch
            // detached, its session reset if it had to be) may keep its object for reuse.
            await (pooledClean ? CloseAsync(lease, connection, io) : _source.CloseAsync(connection, io)).ConfigureAwait(false);
        }
    }

    /// <summary>Resets a dirty session; returns <c>false</c> when the connection must not be reused (it could not be reset, or it was replaced).</summary>
    private async ValueTask<bool> ResetIfDirtyAsync(ScopeLease lease, MySqlConnection connection, IOBehavior io)
    {
        if (!lease.Dirty && lease.Transaction?.Connection is null)
        {
            _events.SessionResetSkipped();
            return true;
        }
        try
        {
            if (lease.Transaction is { } transaction)
            {
                if (io == IOBehavior.Synchronous)
                    transaction.Dispose();
                else
                    await transaction.DisposeAsync().ConfigureAwait(false);
            }
            if (_source.ResetsByReconnecting)
            {
                await _source.DiscardAsync(connection, io).ConfigureAwait(false);
                _events.SessionReset();
                return false;
            }
            await _source.ResetSessionAsync(connection, io, CancellationToken.None).ConfigureAwait(false);
            _events.SessionReset();
            return true;
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or IOException)
        {
            // A dirty session that could not be reset must not reach another scope: close every pooled connection.
            _events.ScopeReleaseFailed(lease, ex);
            if (_source.IsOpen(connection))
                await _source.ClearAsync(io).ConfigureAwait(false);
            return false;
        }
    }
}

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
/// also proves it alive; this tracker then only remembers what scopes wrote, for read-your-writes routing.
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
            _idle = new IdleTable(settings.MaxConnections);
    }

    /// <summary>Records what a statement about to run on the lease's connection means for its session and for routing.</summary>
    public void OnStatement(ScopeLease owner, string sql, object? param)
    {
        if (_resetsWhenDirty && !owner.Dirty && !_statements.IsStateFree(sql, param))
            owner.Dirty = true;
        if (!owner.Wrote && !StartsWithSelect(sql))
            owner.Wrote = true;
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
    public ValueTask<MySqlConnection> OpenLiveAsync(IOBehavior io, int maxAttempts, CancellationToken cancellationToken) =>
        // Not an async method: under SessionResetPolicy.Always the open is the driver's alone, with no state machine of ours.
        _idle is null ? _source.OpenAsync(io, cancellationToken) : OpenCheckedAsync(_idle, io, maxAttempts, cancellationToken);

    private async ValueTask<MySqlConnection> OpenCheckedAsync(IdleTable idleTable, IOBehavior io, int maxAttempts, CancellationToken cancellationToken)
    {
        var connection = await _source.OpenAsync(io, cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var id = _source.ConnectionIdOf(connection);
            var now = _clock.NowMilliseconds;
            var idle = idleTable.IdleMilliseconds(id, now);
            if (idle is { } known && known < _pingAfterIdleMilliseconds)
                return connection;
            _events.ConnectionPinged();
            bool alive;
            try
            {
                alive = await _source.PingAsync(connection, io, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await _source.CloseAsync(connection, io).ConfigureAwait(false);
                throw;
            }
            if (alive || attempt >= maxAttempts)
                return connection;
            idleTable.Forget(id);
            _events.DeadConnectionReplaced(_poolName, id, TimeSpan.FromMilliseconds(idle ?? 0));
            await _source.CloseAsync(connection, io).ConfigureAwait(false);   // broken: MySqlConnector discards it
            connection = await _source.OpenAsync(io, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Gives a lease's connection back: under <see cref="SessionResetPolicy.WhenDirty"/> resets the session first when the
    /// scope may have changed it, and remembers when it went idle.
    /// </summary>
    public ValueTask ReturnAsync(ScopeLease lease, MySqlConnection connection, IOBehavior io) =>
        // Not an async method: under SessionResetPolicy.Always returning is the driver's close alone.
        _idle is null ? _source.CloseAsync(connection, io) : ReturnCheckedAsync(_idle, lease, connection, io);

    private async ValueTask ReturnCheckedAsync(IdleTable idleTable, ScopeLease lease, MySqlConnection connection, IOBehavior io)
    {
        try
        {
            if (_source.IsOpen(connection))
            {
                var id = _source.ConnectionIdOf(connection);
                if (await ResetIfDirtyAsync(lease, connection, io).ConfigureAwait(false))
                    idleTable.MarkIdle(id, _clock.NowMilliseconds);
                else
                    idleTable.Forget(id);
            }
        }
        finally
        {
            await _source.CloseAsync(connection, io).ConfigureAwait(false);   // rolls back an uncommitted transaction
        }
    }

    /// <summary>Resets a dirty session; returns <c>false</c> when it could not, and the connection must not be reused.</summary>
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

    /// <summary>Whether the statement is a plain read (read-your-writes routing treats anything else as a write).</summary>
    private static bool StartsWithSelect(string sql)
    {
        var text = sql.AsSpan().TrimStart();
        return text.Length > 6 && text.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) && !char.IsLetterOrDigit(text[6]);
    }
}

using MySqlConnector;

namespace SqlHelpers.Transactions;

/// <summary>
/// Watches one statement of a nested scope while an enclosing scope of the same flow has a transaction open on another
/// connection. If the statement is still running after the detector's delay and the server shows it waiting for a lock
/// held by one of those connections, the guard interrupts it (<c>KILL QUERY</c>) and the statement's failure is turned
/// into a <see cref="SqlSelfDeadlockException"/> that says what happened.
/// </summary>
internal sealed class SelfDeadlockGuard : IDisposable
{
    private readonly SelfDeadlockDetector _detector;
    private readonly int _waitingConnectionId;
    private readonly int _depth;
    private readonly LockHolder[] _holders;
    private readonly Lock _lock = new();
    private readonly Timer _timer;
    private LockHolder? _detected;
    private bool _finished;

    public SelfDeadlockGuard(SelfDeadlockDetector detector, int waitingConnectionId, int depth, LockHolder[] holders)
    {
        _detector = detector;
        _waitingConnectionId = waitingConnectionId;
        _depth = depth;
        _holders = holders;
        _timer = new Timer(static state => ((SelfDeadlockGuard) state!).Check(), this, detector.Delay, detector.Delay);
    }

    /// <summary>
    /// Starts watching a statement of <paramref name="scope"/> when an enclosing scope of its flow has a transaction open
    /// on another connection of the same server; returns <c>null</c> (no cost) otherwise.
    /// </summary>
    public static SelfDeadlockGuard? TryStart(SqlScope scope)
    {
        var pool = scope.Lease.Pool!;
        if (pool.SelfDeadlockDetector is not { IsEnabled: true } detector)
            return null;   // off, or a replica (lock waits are read on the primary) or several hosts (the side connection could reach another)
        List<LockHolder>? holders = null;
        var connectionId = scope.Lease.ConnectionId ?? 0;
        for (var enclosing = scope.Parent; enclosing is not null; enclosing = enclosing.Parent)
        {
            var owner = enclosing.Owner;
            if (owner.IsOpen && owner.Lease.Pool == pool && owner.Lease.ConnectionId is { } id && id != connectionId && owner.Transaction is not null)
                (holders ??= []).Add(new LockHolder(id, owner.Depth));
        }
        return holders is null ? null : new SelfDeadlockGuard(detector, connectionId, scope.Depth, [.. holders]);
    }

    /// <summary>Returns the exception to throw instead of <paramref name="exception"/> when the guard interrupted the statement.</summary>
    public SqlSelfDeadlockException? Translate(Exception exception)
    {
        lock (_lock)
        {
            if (_detected is not { } holder)
                return null;
            var message =
                $"A statement in the scope at depth {_depth} (connection {_waitingConnectionId}) was waiting for a lock held by connection {holder.ConnectionId}, " +
                $"which belongs to the enclosing scope at depth {holder.Depth} of the same flow and has a transaction open. That scope cannot commit while this one waits, " +
                "so the server would only give up after innodb_lock_wait_timeout; SqlHelper interrupted the statement instead. " +
                "Run this work in the enclosing scope (Open(ScopeOption.Required) joins its connection and transaction), or commit the enclosing transaction first.";
            return new SqlSelfDeadlockException(message, _waitingConnectionId, holder.ConnectionId, holder.Depth, exception);
        }
    }

    public void Dispose()
    {
        lock (_lock)
            _finished = true;
        _timer.Dispose();
    }

    private void Check()
    {
        lock (_lock)
        {
            if (_finished || _detected is not null)
                return;
        }
        var holder = _detector.FindBlockingHolder(_waitingConnectionId, _holders);
        if (holder is null)
        {
            if (!_detector.IsEnabled)
                _timer.Change(Timeout.Infinite, Timeout.Infinite);
            return;
        }
        lock (_lock)
        {
            if (_finished)
                return;
            _detected = holder;
            _timer.Change(Timeout.Infinite, Timeout.Infinite);
            try
            {
                _detector.KillQuery(_waitingConnectionId);
            }
            catch (MySqlException)
            {
                _detected = null;   // could not interrupt it: let the server's timeout decide, as without detection
            }
        }
    }
}

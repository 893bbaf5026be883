using System.Globalization;
using MySqlConnector;
using SqlHelpers.Pooling;
using SqlHelpers.Scopes;
using SqlHelpers.SessionState;
using SqlHelpers.Streaming;
using SqlHelpers.Utilities;

namespace SqlHelpers;

/// <summary>
/// A connection taken from the pool for the length of a <c>using</c> block, with its own command. In
/// <see cref="ScopeMode.AsyncFlowStack"/> mode it is also the innermost entry of its flow's scope stack until disposed.
/// Disposing returns the connection to the pool exactly once, whatever the nesting.
/// </summary>
public sealed partial class SqlScope : IDisposable, IAsyncDisposable, IFlowHoldings
{
    private const int Opening = 0;
    private const int Live = 1;
    private const int Disposed = 2;
    private const int Failed = 3;

    private readonly ScopeStack? _stack;
    private readonly ScopeLease _lease;
    private RarelyUsed? _rarelyUsed;
    private ScopeReclaimer? _reclaimer;
    private int _state;
    private int _liveChildren;

    internal SqlScope(ScopeStack? stack, SqlScope? parent, ScopeLease lease, SqlScope? joinTarget = null)
    {
        _stack = stack;
        Parent = parent;
        _lease = lease;
        if (joinTarget is not null)
            _rarelyUsed = new RarelyUsed(joinTarget);
        _reclaimer = ScopeReclaimer.Rent(this);
    }

    /// <summary>Gets the open connection this scope holds.</summary>
    /// <remarks>
    /// What runs on it is out of SqlHelper's sight: under <see cref="SessionResetPolicy.WhenDirty"/> the session is reset
    /// when the scope ends. The object is disposed with the scope (a connection object nobody outside SqlHelper saw may be
    /// reopened for a later scope; one handed out here never is), so a reference kept past the scope fails instead of
    /// reaching another scope's session.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    public MySqlConnection Connection
    {
        get
        {
            ThrowIfNotLive();
            OnRawAccess();
            return _lease.Connection!;
        }
    }

    /// <summary>
    /// Gets this scope's own command on <see cref="Connection"/>. It is created on first use and disposed with the scope;
    /// set its <see cref="MySqlCommand.CommandText"/> and parameters, then execute it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    public MySqlCommand Command
    {
        get
        {
            ThrowIfNotLive();
            OnRawAccess();
            var extras = _lease.Extras;   // the command lives in the lease's rarely used part: most scopes never make one
            var command = extras.Command ??= _lease.Connection!.CreateCommand();
            command.Transaction = Transaction;
            return command;
        }
    }

    /// <summary>
    /// Gets the scope's position on its flow's stack when it was opened: 1 for the outermost scope (and for every scope in
    /// per-instance mode). It does not change afterwards: when an enclosing scope is disposed out of order, this scope keeps
    /// its depth while <see cref="SqlHelper.Depth"/> counts only the scopes still live.
    /// </summary>
    public int Depth => _lease.Depth;

    /// <summary>Gets whether the scope has been disposed (or never finished opening).</summary>
    public bool IsDisposed => Volatile.Read(ref _state) >= Disposed;

    /// <summary>Gets the scope this one is nested in, on the stack of the flow that opened it.</summary>
    internal SqlScope? Parent { get; }

    internal ScopeLease Lease => _lease;

    /// <summary>Gets or sets the flow's contexts around this scope's push (set by <see cref="ScopeStack.Push"/>, read by its pop).</summary>
    internal PushedContexts Pushed { get; set; }

    /// <summary>Gets the scope that owns the connection: this one, or the one it joined.</summary>
    internal SqlScope Owner => JoinTarget ?? this;

    /// <summary>Gets the scope whose connection this one shares, or <c>null</c> when it holds its own.</summary>
    private SqlScope? JoinTarget => _rarelyUsed?.JoinTarget;

    internal bool IsOpen => Volatile.Read(ref _state) == Live;

    internal bool HasLiveChildren => Volatile.Read(ref _liveChildren) > 0;

    /// <summary>Releases the connection back to the pool. Safe to call more than once, from any flow, in any order.</summary>
    public void Dispose()
    {
        if (TryEnd())
            EndAsync(IOBehavior.Synchronous).RunSynchronously();
    }

    /// <summary>Asynchronously releases the connection back to the pool. Safe to call more than once, from any flow, in any order.</summary>
    /// <returns>A task that completes when the connection is back in the pool.</returns>
    public ValueTask DisposeAsync() =>
        // Not an async method: the stack unlink in TryEnd must change the caller's flow, and an async method's AsyncLocal
        // changes are undone when it returns.
        TryEnd() ? EndAsync(IOBehavior.Asynchronous) : default;

    /// <summary>Returns a description of the scope: depth, server connection id and state; never connection details.</summary>
    /// <returns>A description such as <c>SqlScope(depth 2, connection 345, open)</c>.</returns>
    public override string ToString()
    {
        var state = Volatile.Read(ref _state) switch
        {
            Opening => "opening",
            Live => "open",
            Failed => "failed",
            _ => "disposed",
        };
        var connectionId = _lease.ConnectionId is { } id && state == "open" ? id.ToString(CultureInfo.InvariantCulture) : "-";
        return $"SqlScope(depth {Depth}, connection {connectionId}, {state})";
    }

    int IFlowHoldings.CountHeld(ScopePool pool, out bool allOpenedOnThisThread)
    {
        var count = 0;
        var thread = Environment.CurrentManagedThreadId;
        allOpenedOnThisThread = true;
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (!scope.IsOpen || scope.IsJoined || scope._lease.Pool != pool)
                continue;
            count++;
            allOpenedOnThisThread &= scope._lease.ThreadId == thread;
        }
        return count;
    }

    /// <summary>
    /// The user takes the raw connection or command: what runs on it is out of sight, so the session counts as dirty, and
    /// the previous borrower's warnings are emptied first (synchronously: a property cannot wait; this happens at most
    /// once per scope, and only when no statement ran before).
    /// </summary>
    private void OnRawAccess()
    {
        var owner = Owner._lease;
        owner.ShareConnection();   // the user may keep the object: it is disposed on release, never reused
        SessionTracker.OnRawAccess(owner);
        if (owner.InheritsDiagnostics && owner.Connection is { } connection)
            Owner.ClearInheritedDiagnosticsAsync(connection, IOBehavior.Synchronous, CancellationToken.None).RunSynchronously();
    }

    internal void Activate(MySqlConnection connection, int connectionId)
    {
        _lease.Connection = connection;
        _lease.ConnectionId = connectionId;
        Volatile.Write(ref _state, Live);
    }

    /// <summary>Marks a scope whose open failed; it never held a connection the caller could see.</summary>
    internal void MarkFailed()
    {
        Volatile.Write(ref _state, Failed);
        Parent?.ChildEnded();
        ReturnReclaimer();
    }

    /// <summary>
    /// Reclaims the connection of a scope that was never disposed and became unreachable, and reports the leak (called by
    /// its <see cref="ScopeReclaimer"/>'s finalizer).
    /// </summary>
    internal void OnAbandoned()
    {
        if (Volatile.Read(ref _state) == Live)
        {
            Parent?.ChildEnded();   // so the parent's later dispose is not reported as misnested
            _lease.Pool!.Reclaim(_lease);
        }
    }

    internal void ChildStarted() => Interlocked.Increment(ref _liveChildren);

    internal void ChildEnded() => Interlocked.Decrement(ref _liveChildren);

    /// <summary>Ends the scope once: unlinks it from its flow's stack (reporting a misnested dispose) on the calling flow.</summary>
    private bool TryEnd()
    {
        if (Interlocked.CompareExchange(ref _state, Disposed, Live) != Live)
            return false;
        ReturnReclaimer();
        if (_stack is not null)
        {
            if (HasLiveChildren)
                _lease.Pool!.Events.ScopeMisnested(_lease);
            _stack.Pop(this);
            Parent?.ChildEnded();
        }
        return true;
    }

    /// <summary>The scope ended (once, by the state change before): nothing is left for a finalizer to reclaim.</summary>
    private void ReturnReclaimer()
    {
        var reclaimer = _reclaimer;
        _reclaimer = null;
        reclaimer?.Return();
    }

    /// <summary>The one release path: command, a transaction a joined scope left open, then the lease.</summary>
    private ValueTask EndAsync(IOBehavior io) =>
        // Not an async method when there is only the lease to release (no command was made, not joined, no savepoint, no
        // result was read as a stream on the connection): no state machine.
        Volatile.Read(ref _rarelyUsed) is null && _lease.ExtrasIfCreated is null or { Command: null, Savepoint: null }
            ? _lease.Pool!.ReleaseAsync(_lease, io)
            : EndWithCommandAsync(io);

    private async ValueTask EndWithCommandAsync(IOBehavior io)
    {
        await CloseOpenResultsAsync(io).ConfigureAwait(false);
        await RollbackSavepointOnEndAsync(io).ConfigureAwait(false);
        if (_lease.ExtrasIfCreated is { Command: { } command } extras)
        {
            extras.Command = null;
            if (io == IOBehavior.Synchronous)
                command.Dispose();
            else
                await command.DisposeAsync().ConfigureAwait(false);
        }
        await RollbackJoinedTransactionAsync(io).ConfigureAwait(false);
        await _lease.Pool!.ReleaseAsync(_lease, io).ConfigureAwait(false);
    }

    /// <summary>
    /// Returns the connection for work outside the counted statement path (a transaction's begin or end, a savepoint): a
    /// transaction object keeps a reference to it, so the object is disposed on release, never reused.
    /// </summary>
    private MySqlConnection LiveConnection()
    {
        Owner._lease.ShareConnection();
        return CheckedConnection();
    }

    /// <summary>
    /// Counts a statement in on the connection's lease (see <see cref="ScopeLease.EnterStatement"/>) and returns the
    /// connection; the caller calls <see cref="ExitStatement"/> when the statement has ended. A scope disposed meanwhile
    /// throws here, after the count, so its release cannot have missed the statement.
    /// </summary>
    private MySqlConnection EnterStatement()
    {
        var owner = Owner._lease;
        owner.EnterStatement();
        try
        {
            ThrowIfNotLive();
            return CheckedConnection();
        }
        catch
        {
            owner.ExitStatement();
            throw;
        }
    }

    private void ExitStatement() => Owner._lease.ExitStatement();

    /// <summary>Throws a clear error when the scope's connection died (killed, network failure) instead of the driver's state message.</summary>
    private MySqlConnection CheckedConnection()
    {
        var connection = _lease.Connection!;
        if (connection.State != System.Data.ConnectionState.Open)
            throw ConnectionLost(null, outcomeUnknown: false);
        return connection;
    }

    private SqlConnectionLostException ConnectionLost(Exception? innerException, bool outcomeUnknown = true) =>
        new(_lease.ConnectionId ?? 0, _lease.Pool?.Name, outcomeUnknown, innerException);

    private void ThrowIfNotLive()
    {
        if (Volatile.Read(ref _state) != Live || JoinTarget is { IsOpen: false })
            ThrowNotLive();
    }

    /// <summary>Gets the scope's rarely used part, creating it on first use (once, even when two flows race).</summary>
    private RarelyUsed RarelyUsedPart()
    {
        Interlocked.CompareExchange(ref _rarelyUsed, new RarelyUsed(null), null);
        return _rarelyUsed!;
    }

    private void ThrowNotLive() => throw new ObjectDisposedException(nameof(SqlScope),
        Volatile.Read(ref _state) == Opening ? "The scope is still opening."
        : Volatile.Read(ref _state) == Live ? "The scope this one joined has been disposed, and its connection with it."
        : "The scope has been disposed; its connection is back in the pool.");

    /// <summary>
    /// What few scopes use, kept out of every scope's own size: the scope a joined scope shares its connection with, and
    /// on an owning scope the result being read on its connection (a stream or multiple result sets). Not on the lease:
    /// both point at scopes, and the registry keeps leases reachable while a scope that was never disposed must not be.
    /// </summary>
    private sealed class RarelyUsed(SqlScope? joinTarget)
    {
        public readonly SqlScope? JoinTarget = joinTarget;

        public OpenResult? OpenResult;
    }
}

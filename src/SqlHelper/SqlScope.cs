using System.Globalization;
using MySqlConnector;
using SqlHelpers.Scopes;

namespace SqlHelpers;

/// <summary>
/// A connection taken from the pool for the length of a <c>using</c> block, with its own command: the seed's
/// <c>(conn, cursor)</c> pair. In <see cref="ScopeMode.AsyncFlowStack"/> mode it is also the innermost entry of its flow's
/// scope stack until disposed. Disposing returns the connection to the pool exactly once, whatever the nesting.
/// </summary>
public sealed partial class SqlScope : IDisposable, IAsyncDisposable
{
    private const int Opening = 0;
    private const int Live = 1;
    private const int Disposed = 2;
    private const int Failed = 3;

    private readonly SqlHelper _helper;
    private readonly ScopeLease _lease;
    private readonly SqlScope? _joinTarget;
    private MySqlCommand? _command;
    private int _state;
    private int _liveChildren;
    private bool _transactionOwner;
    private bool _ranStatement;

    internal SqlScope(SqlHelper helper, SqlScope? parent, ScopeLease lease, SqlScope? joinTarget = null)
    {
        _helper = helper;
        Parent = parent;
        _lease = lease;
        _joinTarget = joinTarget;
    }

    /// <summary>Gets the open connection this scope holds.</summary>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    public MySqlConnection Connection
    {
        get
        {
            ThrowIfNotLive();
            Owner._lease.Dirty = true;   // what the caller does with it is out of sight
            Owner._lease.Wrote = true;
            return _lease.Connection!;
        }
    }

    /// <summary>
    /// Gets this scope's own command on <see cref="Connection"/> (the seed's cursor). It is created on first use and
    /// disposed with the scope; set its <see cref="MySqlCommand.CommandText"/> and parameters, then execute it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The scope has been disposed.</exception>
    public MySqlCommand Command
    {
        get
        {
            ThrowIfNotLive();
            Owner._lease.Dirty = true;   // what the caller runs on it is out of sight
            Owner._lease.Wrote = true;
            var command = _command ??= _lease.Connection!.CreateCommand();
            command.Transaction = Transaction;
            return command;
        }
    }

    /// <summary>Gets the scope's depth on its flow's stack: 1 for the outermost scope (and for every scope in per-instance mode).</summary>
    public int Depth => _lease.Depth;

    /// <summary>Gets whether the scope has been disposed (or never finished opening).</summary>
    public bool IsDisposed => Volatile.Read(ref _state) >= Disposed;

    /// <summary>Gets the scope this one is nested in, on the stack of the flow that opened it.</summary>
    internal SqlScope? Parent { get; }

    internal ScopeLease Lease => _lease;

    /// <summary>Gets the scope that owns the connection: this one, or the one it joined.</summary>
    internal SqlScope Owner => _joinTarget ?? this;

    internal bool IsOpen => Volatile.Read(ref _state) == Live;

    internal bool HasEnded => Volatile.Read(ref _state) >= Disposed;

    internal bool HasLiveChildren => Volatile.Read(ref _liveChildren) > 0;

    /// <summary>Reclaims the connection of a scope that was never disposed and became unreachable, and reports the leak.</summary>
    ~SqlScope()
    {
        if (Volatile.Read(ref _state) == Live)
        {
            Parent?.ChildEnded();   // so the parent's later dispose is not reported as misnested
            _helper.Reclaim(_lease);
        }
    }

    /// <summary>Releases the connection back to the pool. Safe to call more than once, from any flow, in any order.</summary>
    public void Dispose()
    {
        if (!TryEnd())
            return;
        var command = _command;
        _command = null;
        command?.Dispose();
        RollbackJoinedTransaction();
        _helper.Release(_lease);
    }

    /// <summary>Asynchronously releases the connection back to the pool. Safe to call more than once, from any flow, in any order.</summary>
    /// <returns>A task that completes when the connection is back in the pool.</returns>
    public ValueTask DisposeAsync()
    {
        // Not an async method: the stack unlink in TryEnd must change the caller's flow, and an async method's
        // AsyncLocal changes are undone when it returns.
        if (!TryEnd())
            return default;
        var command = _command;
        _command = null;
        RollbackJoinedTransaction();
        return _helper.ReleaseAsync(_lease, command);
    }

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

    /// <summary>Puts a fresh connection in place of one found dead before the scope ran anything on it.</summary>
    internal void ReplaceConnection(MySqlConnection connection)
    {
        _lease.Connection = connection;
        _lease.ConnectionId = connection.ServerThread;
        _lease.Activity?.SetTag("sqlhelper.connection.id", connection.ServerThread);
    }

    internal void Activate(MySqlConnection connection)
    {
        _lease.Connection = connection;
        _lease.ConnectionId = connection.ServerThread;
        Volatile.Write(ref _state, Live);
    }

    /// <summary>Marks a scope whose open failed; it never held a connection the caller could see.</summary>
    internal void MarkFailed()
    {
        Volatile.Write(ref _state, Failed);
        Parent?.ChildEnded();
    }

    internal void ChildStarted() => Interlocked.Increment(ref _liveChildren);

    internal void ChildEnded() => Interlocked.Decrement(ref _liveChildren);

    private bool TryEnd()
    {
        if (Interlocked.CompareExchange(ref _state, Disposed, Live) != Live)
            return false;
        GC.SuppressFinalize(this);
        _helper.OnScopeEnding(this);
        return true;
    }

    /// <summary>Throws a clear error when the scope's connection died (killed, network failure) instead of the driver's state message.</summary>
    private MySqlConnection LiveConnection()
    {
        var connection = _lease.Connection!;
        if (connection.State != System.Data.ConnectionState.Open)
            throw ConnectionLost(null);
        return connection;
    }

    private InvalidOperationException ConnectionLost(Exception? innerException) => new(
        $"The connection of this scope (server connection {_lease.ConnectionId}) was lost: it was killed on the server or the network failed. " +
        "Dispose the scope (its connection is discarded, not pooled) and open a new one.", innerException);

    private void ThrowIfNotLive()
    {
        if (Volatile.Read(ref _state) != Live || (_joinTarget is not null && !_joinTarget.IsOpen))
            ThrowNotLive();
    }

    private void ThrowNotLive() => throw new ObjectDisposedException(nameof(SqlScope),
        Volatile.Read(ref _state) == Opening ? "The scope is still opening."
        : Volatile.Read(ref _state) == Live ? "The scope this one joined has been disposed, and its connection with it."
        : "The scope has been disposed; its connection is back in the pool.");
}

using MySqlConnector;
using SqlHelpers.Pooling;
using SqlHelpers.Utilities;

namespace SqlHelpers.UnitTests.Fakes;

/// <summary>
/// A connection source with no server behind it. It hands out unopened <see cref="MySqlConnection"/> objects, each with a
/// fake server connection id, and pools them like MySqlConnector: a connection closed alive goes back idle and is handed
/// out again with the same id; a dead one is discarded. Tests can make opens or resets fail, hold opens until they let
/// them go (to stage races), and kill connections so that their ping says dead. Clearing drops the idle connections, and
/// connections in use when it happened are discarded when they come back. Every call is counted and logged in order.
/// </summary>
internal sealed class FakeConnectionSource : IConnectionSource
{
    private readonly Lock _lock = new();
    private readonly Dictionary<MySqlConnection, int> _ids = new(ReferenceEqualityComparer.Instance);
    private readonly Stack<MySqlConnection> _idle = new();
    private readonly HashSet<MySqlConnection> _inUse = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<int> _dead = [];
    private readonly Dictionary<MySqlConnection, int> _generations = new(ReferenceEqualityComparer.Instance);
    private readonly List<string> _log = [];
    private OpenHold? _hold;
    private int _generation;
    private int _lastId;
    private int _opens;
    private int _closes;
    private int _resets;
    private int _pings;
    private int _clears;
    private int _keptForReuse;
    private object _generationToken = new();

    public string ConnectionString => "Server=fake;Database=db;User ID=u;Password=p";

    public string Description => "Server=fake;Port=3306;Database=db;User ID=u";

    /// <summary>
    /// Gets or sets whether opens and closes are written to <see cref="Log"/> (the default). Off, the fake allocates
    /// nothing per open and close, so a test can count what SqlHelper allocates.
    /// </summary>
    public bool KeepsLog { get; set; } = true;

    /// <summary>Gets or sets the exception every open throws (after any hold) while it is set.</summary>
    public Exception? OpenFailure { get; set; }

    /// <summary>Gets or sets the exception the next open throws (after any hold), once; it is cleared when thrown.</summary>
    public Exception? NextOpenFailure { get; set; }

    /// <summary>Gets or sets the exception every session reset throws while it is set.</summary>
    public Exception? ResetFailure { get; set; }

    public int Opens => Read(ref _opens);

    public int Closes => Read(ref _closes);

    public int Resets => Read(ref _resets);

    public int Pings => Read(ref _pings);

    public int Clears => Read(ref _clears);

    /// <summary>Gets how many connections were returned for reuse in the generation they came from (<see cref="CloseForReuseAsync"/>).</summary>
    public int KeptForReuse => Read(ref _keptForReuse);

    public bool IsDisposed { get; private set; }

    /// <summary>Gets the number of connections handed out and not closed yet.</summary>
    public int InUse
    {
        get
        {
            lock (_lock)
                return _inUse.Count;
        }
    }

    /// <summary>Gets the ids of the idle pooled connections, the next one to be handed out first.</summary>
    public IReadOnlyList<int> IdleIds
    {
        get
        {
            lock (_lock)
                return [.. _idle.Select(c => _ids[c])];
        }
    }

    /// <summary>Gets what happened, in order: <c>open 1</c>, <c>ping 1 dead</c>, <c>close 1 discarded</c>, ...</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_lock)
                return [.. _log];
        }
    }

    /// <summary>Makes every open from now on wait until the returned hold is released (or its caller cancels).</summary>
    public OpenHold HoldOpens()
    {
        var hold = new OpenHold();
        Volatile.Write(ref _hold, hold);
        return hold;
    }

    /// <summary>Marks connection <paramref name="connectionId"/> dead: its next ping says so, and closing it discards it.</summary>
    public void Kill(int connectionId)
    {
        lock (_lock)
            _dead.Add(connectionId);
    }

    public async ValueTask<MySqlConnection> OpenAsync(IOBehavior io, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _hold) is { } hold)
        {
            hold.Arrived();
            if (io == IOBehavior.Synchronous)
                hold.Released.Wait(cancellationToken);
            else
                await hold.Released.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        lock (_lock)
        {
            _opens++;
            if ((NextOpenFailure ?? OpenFailure) is { } failure)
            {
                NextOpenFailure = null;
                _log.Add("open failed");
                throw failure;
            }
            if (!_idle.TryPop(out var connection))
            {
                connection = new MySqlConnection();
                _ids.Add(connection, ++_lastId);
            }
            _inUse.Add(connection);
            _generations[connection] = _generation;
            if (KeepsLog)
                _log.Add($"open {_ids[connection]}");
            return connection;
        }
    }

    public ValueTask CloseAsync(MySqlConnection connection, IOBehavior io)
    {
        lock (_lock)
        {
            _closes++;
            if (!_inUse.Remove(connection))
                throw new InvalidOperationException($"Connection {_ids[connection]} was closed twice.");
            var id = _ids[connection];
            if (_dead.Contains(id) || _generations[connection] != _generation)
            {
                _log.Add($"close {id} discarded");
            }
            else
            {
                if (KeepsLog)
                    _log.Add($"close {id}");
                _idle.Push(connection);
            }
        }
        return default;
    }

    public object Generation
    {
        get
        {
            lock (_lock)
                return _generationToken;
        }
    }

    /// <summary>Closes as <see cref="CloseAsync"/> does (the fake pools its objects anyway) and counts a return for reuse in the current generation.</summary>
    public ValueTask CloseForReuseAsync(MySqlConnection connection, object generation, IOBehavior io)
    {
        lock (_lock)
        {
            if (generation == _generationToken)
                _keptForReuse++;
        }
        return CloseAsync(connection, io);
    }

    public bool ResetsByReconnecting => false;

    public Action<int>? NewSessionOpened { get; set; }

    public ValueTask DiscardAsync(MySqlConnection connection, IOBehavior io) =>
        throw new NotSupportedException("The fake source resets sessions in place.");

    public ValueTask ResetSessionAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _resets++;
            _log.Add($"reset {_ids[connection]}");
            if (ResetFailure is { } failure)
                throw failure;
        }
        return default;
    }

    public ValueTask ClearDiagnosticsAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken)
    {
        lock (_lock)
            _log.Add($"clear warnings {_ids[connection]}");
        return default;
    }

    public async ValueTask<bool> PingAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken)
    {
        bool alive;
        lock (_lock)
        {
            _pings++;
            var id = _ids[connection];
            alive = !_dead.Contains(id);
            _log.Add($"ping {id} {(alive ? "alive" : "dead")}");
        }
        if (!alive)
            await CloseAsync(connection, io);   // the contract: a connection that does not answer is closed by the ping
        return alive;
    }

    public int ConnectionIdOf(MySqlConnection connection)
    {
        lock (_lock)
            return _ids[connection];
    }

    public bool IsOpen(MySqlConnection connection)
    {
        lock (_lock)
            return _inUse.Contains(connection);
    }

    public ValueTask ClearAsync(IOBehavior io)
    {
        lock (_lock)
        {
            _clears++;
            _generation++;
            _generationToken = new object();
            _log.Add("clear");
            _idle.Clear();
        }
        return default;
    }

    public void Dispose() => IsDisposed = true;

    public ValueTask DisposeAsync()
    {
        IsDisposed = true;
        return default;
    }

    private int Read(ref int counter)
    {
        lock (_lock)
            return counter;
    }
}

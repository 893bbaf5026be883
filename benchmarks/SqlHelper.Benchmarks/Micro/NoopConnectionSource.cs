using MySqlConnector;
using SqlHelpers.Pooling;
using SqlHelpers.Utilities;

namespace SqlHelpers.Benchmarks.Micro;

/// <summary>
/// A connection source that does no work: it hands out never-opened <see cref="MySqlConnection"/> objects from a
/// preallocated set and takes them back without closing anything. A helper over it spends only its own time on an
/// open + dispose, which <see cref="ScopeCoreBenchmarks"/> measures without the driver's cost and noise around it.
/// </summary>
internal sealed class NoopConnectionSource(int capacity) : IConnectionSource
{
    private readonly MySqlConnection?[] _idle = [.. Enumerable.Range(0, capacity).Select(_ => new MySqlConnection())];
    private int _count = capacity;
    private readonly Lock _lock = new();

    public string ConnectionString => "Server=noop;Database=db";

    public string Description => "no server";

    public bool ResetsByReconnecting => false;

    public Action<int>? NewSessionOpened { get; set; }

    public ValueTask<MySqlConnection> OpenAsync(IOBehavior io, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var connection = _idle[--_count]!;
            _idle[_count] = null;
            return new ValueTask<MySqlConnection>(connection);
        }
    }

    public ValueTask CloseAsync(MySqlConnection connection, IOBehavior io)
    {
        lock (_lock)
            _idle[_count++] = connection;
        return default;
    }

    public object Generation => this;

    public ValueTask CloseForReuseAsync(MySqlConnection connection, object generation, IOBehavior io) => CloseAsync(connection, io);

    public int ConnectionIdOf(MySqlConnection connection) => 1;

    public bool IsOpen(MySqlConnection connection) => true;

    public ValueTask DiscardAsync(MySqlConnection connection, IOBehavior io) => default;

    public ValueTask ResetSessionAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken) => default;

    public ValueTask ClearDiagnosticsAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken) => default;

    public ValueTask<bool> PingAsync(MySqlConnection connection, IOBehavior io, CancellationToken cancellationToken) => new(true);

    public ValueTask ClearAsync(IOBehavior io) => default;

    public void Dispose()
    {
    }

    public ValueTask DisposeAsync() => default;
}

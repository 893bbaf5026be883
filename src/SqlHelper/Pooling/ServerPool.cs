using MySqlConnector;
using SqlHelpers.Scopes;

namespace SqlHelpers.Pooling;

/// <summary>
/// One server the helper sends scopes to (the primary, or a replica): its MySqlConnector pool, the admission gate that caps
/// the connections live scopes hold on it, and the registry of those scopes.
/// </summary>
internal sealed class ServerPool : IDisposable, IAsyncDisposable
{
    private int _available = 1;

    public ServerPool(string name, bool isReplica, MySqlConnectionStringBuilder connectionString, SqlHelperOptions options, int maxConnections, int reservedForNested)
    {
        Name = name;
        IsReplica = isReplica;
        MaxConnections = maxConnections;
        ReservedForNested = Math.Min(reservedForNested, maxConnections - 1);
        Source = new ConnectionSource(connectionString, options, maxConnections, isReplica ? 0 : options.MinIdle);
        Registry = new ScopeRegistry(maxConnections);
    }

    /// <summary>Gets the pool's name for messages and metrics: <c>host:port/database</c>, never credentials.</summary>
    public string Name { get; }

    public bool IsReplica { get; }

    public int MaxConnections { get; }

    public int ReservedForNested { get; }

    public ConnectionSource Source { get; }

    public AdmissionGate Gate { get; } = new();

    public ScopeRegistry Registry { get; }

    /// <summary>Gets whether read-only scopes may be routed here (replicas only: down or lagging ones are skipped).</summary>
    public bool IsAvailable => Volatile.Read(ref _available) != 0;

    /// <summary>Gets why the replica is skipped, or <c>null</c> when it is available.</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>Gets the replication lag seen by the last check, when the server reported one.</summary>
    public TimeSpan? Lag { get; private set; }

    /// <summary>
    /// The number of held connections below which a scope at <paramref name="depth"/> is admitted:
    /// <c>MaxConnections - max(0, ReservedForNested - (depth - 1))</c>. Outermost scopes leave the reserve to nested ones,
    /// one connection fewer per level, which makes nesting up to <c>ReservedForNested + 1</c> deep deadlock-free.
    /// </summary>
    public int LimitFor(int depth) => MaxConnections - Math.Max(0, ReservedForNested - (depth - 1));

    /// <summary>Records the result of a health check; returns <c>true</c> when availability changed.</summary>
    public bool SetHealth(bool available, TimeSpan? lag, string? reason)
    {
        Lag = lag;
        UnavailableReason = available ? null : reason;
        return Interlocked.Exchange(ref _available, available ? 1 : 0) != (available ? 1 : 0);
    }

    public void Dispose() => Source.Dispose();

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}

using MySqlConnector;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;
using SqlHelpers.Scopes;
using SqlHelpers.Utilities;

namespace SqlHelpers.Routing;

/// <summary>
/// Picks the pool a scope opens on: the primary, or for read-only scopes an available replica (round robin; down or
/// lagging ones skipped) with the primary as the last resort. A replica that cannot be reached is reported to
/// <see cref="ReplicaHealth"/> and the next candidate is tried.
/// </summary>
internal sealed class ScopeRouter : IDisposable
{
    private readonly ScopePool[] _primaryOnly;
    private readonly ScopeEvents _events;
    private readonly ReplicaMonitor? _monitor;
    private int _nextReplica;

    public ScopeRouter(ScopePool primary, ScopePool[] replicas, ScopeEvents events, SqlHelperOptions options, Clock clock)
    {
        Primary = primary;
        _primaryOnly = [primary];
        _events = events;
        Health = new ReplicaHealth(replicas, events);
        if (replicas.Length != 0)
            _monitor = new ReplicaMonitor(Health, options.MaxReplicaLag, options.ReplicaCheckInterval, events, clock.Time);
    }

    public ScopePool Primary { get; }

    public ReplicaHealth Health { get; }

    /// <summary>Gets the primary and every replica.</summary>
    public IEnumerable<ScopePool> AllPools => Health.Replicas.Length == 0 ? _primaryOnly : [Primary, .. Health.Replicas];

    /// <summary>Gets the candidates of a read-write scope: the primary alone.</summary>
    public ScopePool[] PrimaryOnly => _primaryOnly;

    /// <summary>Returns the pools a read-only open tries, in order: available replicas (rotating), then the primary.</summary>
    public ScopePool[] ReadOnlyCandidates()
    {
        var replicas = Health.Replicas;
        if (replicas.Length == 0)
            return _primaryOnly;
        var start = (int) ((uint) Interlocked.Increment(ref _nextReplica) % (uint) replicas.Length);
        var candidates = new List<ScopePool>(replicas.Length + 1);
        for (var i = 0; i < replicas.Length; i++)
        {
            var index = (start + i) % replicas.Length;
            if (Health.States[index].IsAvailable)
                candidates.Add(replicas[index]);
        }
        if (candidates.Count == 0)
            _events.ReplicaFallback("no replica is available");
        candidates.Add(Primary);
        return [.. candidates];
    }

    /// <summary>
    /// Opens a connection for <paramref name="lease"/> on the first of <paramref name="candidates"/> that gives one, and
    /// leaves the chosen pool in <see cref="ScopeLease.Pool"/>. Admission failures are not routed around: they throw.
    /// </summary>
    public ValueTask<MySqlConnection> OpenAsync(ScopeLease lease, IFlowHoldings? flow, ScopePool[] candidates, IOBehavior io, CancellationToken cancellationToken)
    {
        // Not an async method for the one-candidate case (every read-write scope): nothing to fall back to, no state machine.
        if (candidates.Length == 1)
        {
            lease.Pool = candidates[0];
            return candidates[0].OpenAsync(lease, flow, io, cancellationToken);
        }
        return OpenFirstAsync(lease, flow, candidates, io, cancellationToken);
    }

    private async ValueTask<MySqlConnection> OpenFirstAsync(ScopeLease lease, IFlowHoldings? flow, ScopePool[] candidates, IOBehavior io, CancellationToken cancellationToken)
    {
        for (var i = 0; ; i++)
        {
            var pool = candidates[i];
            lease.Pool = pool;
            try
            {
                return await pool.OpenAsync(lease, flow, io, cancellationToken).ConfigureAwait(false);
            }
            catch (MySqlException ex) when (i + 1 < candidates.Length && pool.IsReplica && !cancellationToken.IsCancellationRequested)
            {
                Health.ReportUnreachable(pool, ex);
                _events.ReplicaFallback($"replica {pool.Name} failed");
            }
        }
    }

    /// <summary>Asks the monitor to check every replica now.</summary>
    public Task CheckReplicasAsync(CancellationToken cancellationToken) => _monitor?.CheckAllAsync(cancellationToken) ?? Task.CompletedTask;

    public void Dispose() => _monitor?.Dispose();
}

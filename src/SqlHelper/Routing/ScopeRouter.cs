using MySqlConnector;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;
using SqlHelpers.Scopes;
using SqlHelpers.Utilities;

namespace SqlHelpers.Routing;

/// <summary>
/// Picks the pool a scope opens on: the primary, or for read-only scopes an available replica (round robin; down or
/// lagging ones skipped) with the primary as the last resort. A replica that cannot be reached is reported to
/// <see cref="ReplicaHealth"/> and the next candidate is tried. With cluster nodes every scope goes to a healthy node,
/// round robin, and when none is healthy the open fails with <see cref="SqlClusterUnavailableException"/>.
/// </summary>
internal sealed class ScopeRouter : IDisposable
{
    private readonly ScopePool[] _primaryOnly;
    private readonly ScopeEvents _events;
    private readonly ReplicaMonitor? _monitor;
    private readonly ReplicaMonitor? _nodeMonitor;
    private int _nextReplica;
    private int _nextNode;

    public ScopeRouter(ScopePool primary, ScopePool[] replicas, ScopePool[] nodes, ScopeEvents events, SqlHelperOptions options, Clock clock)
    {
        Primary = primary;
        _primaryOnly = [primary];
        _events = events;
        Health = new ReplicaHealth(replicas, events);
        Nodes = new ReplicaHealth(nodes, events, clusterNodes: true);
        if (replicas.Length != 0)
            _monitor = new ReplicaMonitor(Health, options.MaxReplicaLag, options.ReplicaCheckInterval, events, clock.Time);
        if (nodes.Length != 0)
            _nodeMonitor = new ReplicaMonitor(Nodes, options.MaxReplicaLag, options.ReplicaCheckInterval, events, clock.Time, clusterNodes: true);
    }

    public ScopePool Primary { get; }

    public ReplicaHealth Health { get; }

    /// <summary>Gets the health of the cluster nodes (none without <see cref="SqlHelperOptions.ClusterNodes"/>).</summary>
    public ReplicaHealth Nodes { get; }

    /// <summary>Gets the primary and every replica, or every cluster node (the first of which is <see cref="Primary"/>).</summary>
    public IEnumerable<ScopePool> AllPools => Nodes.Replicas.Length != 0 ? Nodes.Replicas : Health.Replicas.Length == 0 ? _primaryOnly : [Primary, .. Health.Replicas];

    /// <summary>Gets the pools that take writes: the primary alone, or every cluster node.</summary>
    public ScopePool[] WritePools => Nodes.Replicas.Length != 0 ? Nodes.Replicas : _primaryOnly;

    /// <summary>Returns the pools a read-write open tries, in order: the primary alone, or the healthy cluster nodes, rotating.</summary>
    /// <exception cref="SqlClusterUnavailableException">Cluster nodes are configured and none is healthy.</exception>
    public ScopePool[] WriteCandidates() => Nodes.Replicas.Length == 0 ? _primaryOnly : NodeCandidates();

    /// <summary>Returns the pools a read-only open tries, in order: available replicas (rotating), then the primary.</summary>
    public ScopePool[] ReadOnlyCandidates()
    {
        if (Nodes.Replicas.Length != 0)
            return NodeCandidates();
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
    public async ValueTask<MySqlConnection> OpenAsync(ScopeLease lease, IFlowHoldings? flow, ScopePool[] candidates, IOBehavior io, CancellationToken cancellationToken)
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
            catch (MySqlException ex) when (pool.ReportFailure is { } report && !cancellationToken.IsCancellationRequested)
            {
                // A cluster node that fails an open is skipped at once; the next node is tried, the last one's error thrown.
                report(pool, ex);
                if (i + 1 == candidates.Length)
                    throw;
            }
        }
    }

    /// <summary>Asks the monitors to check every replica and cluster node now.</summary>
    public Task CheckReplicasAsync(CancellationToken cancellationToken) => Task.WhenAll(
        _monitor?.CheckAllAsync(cancellationToken) ?? Task.CompletedTask,
        _nodeMonitor?.CheckAllAsync(cancellationToken) ?? Task.CompletedTask);

    public void Dispose()
    {
        _monitor?.Dispose();
        _nodeMonitor?.Dispose();
    }

    private ScopePool[] NodeCandidates()
    {
        var nodes = Nodes.Replicas;
        var start = (int) ((uint) Interlocked.Increment(ref _nextNode) % (uint) nodes.Length);
        var candidates = new List<ScopePool>(nodes.Length);
        for (var i = 0; i < nodes.Length; i++)
        {
            var index = (start + i) % nodes.Length;
            if (Nodes.States[index].IsAvailable)
                candidates.Add(nodes[index]);
        }
        if (candidates.Count == 0)
            throw new SqlClusterUnavailableException([.. nodes.Select((n, i) => $"{n.Name}: {Nodes.States[i].UnavailableReason}")]);
        return [.. candidates];
    }
}

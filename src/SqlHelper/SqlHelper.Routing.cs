using MySqlConnector;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;

namespace SqlHelpers;

// Read-only scopes: routed to a replica (each with its own pool and cap), except where the flow must read its own writes.
public sealed partial class SqlHelper
{
    private ServerPool[]? _primaryOnly;
    private int _nextReplica;

    /// <summary>
    /// Opens a read-only scope. It goes to an available replica (round robin; down or lagging replicas are skipped), or to
    /// the primary when none is configured or available. Read your own writes: when an enclosing scope of the calling flow
    /// has written on the primary or holds a transaction there, the read-only scope joins that scope instead (same
    /// connection and transaction), so the flow never misses its own change.
    /// </summary>
    /// <returns>The open scope; dispose it.</returns>
    /// <exception cref="SqlPoolExhaustedException">No connection could be had.</exception>
    /// <exception cref="MySqlException">Neither a replica nor the primary could be reached.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public SqlScope OpenReadOnly() =>
        ReadYourWritesTarget() is { } writer ? OpenJoined(Current!, writer) : OpenCore(_ambient, RouteReadOnly());

    /// <summary>Asynchronously opens a read-only scope; see <see cref="OpenReadOnly"/>.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The open scope; dispose it.</returns>
    /// <exception cref="SqlPoolExhaustedException">No connection could be had.</exception>
    /// <exception cref="MySqlException">Neither a replica nor the primary could be reached.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public ValueTask<SqlScope> OpenReadOnlyAsync(CancellationToken cancellationToken = default) =>
        ReadYourWritesTarget() is { } writer
            ? ValueTask.FromResult(OpenJoined(Current!, writer))
            : OpenCoreAsync(_ambient, RouteReadOnly(), cancellationToken);

    /// <summary>Gets the state of each configured replica as the last health check saw it.</summary>
    /// <returns>One entry per replica, in configuration order.</returns>
    public IReadOnlyList<SqlReplicaStatus> GetReplicaStatus() =>
        [.. _replicas.Select(static r => new SqlReplicaStatus(r.Name, r.IsAvailable, r.Lag, r.UnavailableReason, r.Gate.Held))];

    /// <summary>Asynchronously checks every replica's reachability and lag now, instead of waiting for the next periodic check.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when every replica has been checked.</returns>
    public Task CheckReplicasAsync(CancellationToken cancellationToken = default) =>
        _replicaMonitor?.CheckAllAsync(cancellationToken) ?? Task.CompletedTask;

    private ServerPool[] PrimaryOnly => _primaryOnly ??= [_primary];

    /// <summary>Whether the helper's own query methods may send reads outside any scope to a replica.</summary>
    private bool ReadsOutsideScopesGoToReplicas => _replicas.Length != 0 && _options.ReadFromReplicasOutsideScopes;

    /// <summary>The enclosing primary scope a read-only open must join so the flow reads its own writes, or <c>null</c>.</summary>
    private SqlScope? ReadYourWritesTarget()
    {
        if (!_ambient)
            return null;
        for (var scope = Current; scope is not null; scope = scope.Parent)
        {
            var owner = scope.Owner;
            if (owner.IsOpen && !owner.Lease.Pool!.IsReplica && (owner.Lease.Wrote || owner.Transaction is not null))
                return owner;
        }
        return null;
    }

    /// <summary>The pools a read-only open tries, in order: available replicas (rotating), then the primary.</summary>
    private ServerPool[] RouteReadOnly()
    {
        if (_replicas.Length == 0)
            return PrimaryOnly;
        var start = (int) ((uint) Interlocked.Increment(ref _nextReplica) % (uint) _replicas.Length);
        var candidates = new List<ServerPool>(_replicas.Length + 1);
        for (var i = 0; i < _replicas.Length; i++)
        {
            var replica = _replicas[(start + i) % _replicas.Length];
            if (replica.IsAvailable)
                candidates.Add(replica);
        }
        if (candidates.Count == 0)
            NoteFallback("no replica is available");
        candidates.Add(_primary);
        return [.. candidates];
    }

    private void ReplicaFailed(ServerPool pool, MySqlException exception)
    {
        if (!pool.IsReplica)
            return;
        if (pool.SetHealth(available: false, lag: null, reason: $"unreachable: {SecretRedactor.Redact(exception.Message, pool.Source.ConnectionString)}"))
            Log.ReplicaUnavailable(_logger, pool.Name, pool.UnavailableReason!);
        NoteFallback($"replica {pool.Name} failed");
    }

    private void NoteFallback(string reason)
    {
        _counters.ReplicaFallback();
        if (_telemetry.ReplicaFallbacks.Enabled)
            _telemetry.ReplicaFallbacks.Add(1, _telemetry.Tags);
        Log.ReplicaFallback(_logger, reason);
    }
}

namespace SqlHelpers;

// Read-only scopes: routed to a replica (each with its own pool and cap), except where the flow must read its own writes.
public sealed partial class SqlHelper
{
    /// <summary>
    /// Opens a read-only scope. It goes to an available replica (round robin; down or lagging replicas are skipped), or to
    /// the primary when none is configured or available. Read your own writes: when an enclosing scope of the calling flow
    /// has written on the primary or holds a transaction there, the read-only scope joins that scope instead (same
    /// connection and transaction), so the flow never misses its own change.
    /// </summary>
    /// <returns>The open scope; dispose it.</returns>
    /// <exception cref="SqlPoolExhaustedException">No connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">Neither a replica nor the primary could be reached.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public SqlScope OpenReadOnly()
    {
        ThrowIfDisposed();
        return ReadYourWritesTarget() is { } writer ? _opener.OpenJoined(Current!, writer) : _opener.Open(_stack is not null, _router.ReadOnlyCandidates());
    }

    /// <summary>Asynchronously opens a read-only scope; see <see cref="OpenReadOnly"/>.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The open scope; dispose it.</returns>
    /// <exception cref="SqlPoolExhaustedException">No connection could be had.</exception>
    /// <exception cref="MySqlConnector.MySqlException">Neither a replica nor the primary could be reached.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public ValueTask<SqlScope> OpenReadOnlyAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return ReadYourWritesTarget() is { } writer
            ? ValueTask.FromResult(_opener.OpenJoined(Current!, writer))
            : _opener.OpenAsync(_stack is not null, _router.ReadOnlyCandidates(), cancellationToken);
    }

    /// <summary>Gets the state of each configured replica as the last health check saw it.</summary>
    /// <returns>One entry per replica, in configuration order.</returns>
    public IReadOnlyList<SqlReplicaStatus> GetReplicaStatus() =>
        [.. _router.Health.Replicas.Select((r, i) => _router.Health.States[i] is var s
            ? new SqlReplicaStatus(r.Name, s.IsAvailable, s.Lag, s.UnavailableReason, r.Gate.Held)
            : null!)];

    /// <summary>Asynchronously checks every replica's reachability and lag now, instead of waiting for the next periodic check.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when every replica has been checked.</returns>
    public Task CheckReplicasAsync(CancellationToken cancellationToken = default) => _router.CheckReplicasAsync(cancellationToken);

    /// <summary>The enclosing primary scope a read-only open must join so the flow reads its own writes, or <c>null</c>.</summary>
    private SqlScope? ReadYourWritesTarget()
    {
        for (var scope = Current; scope is not null; scope = scope.Parent)
        {
            var owner = scope.Owner;
            if (owner.IsOpen && !owner.Lease.Pool!.IsReplica && (owner.Lease.Wrote || owner.Transaction is not null))
                return owner;
        }
        return null;
    }
}

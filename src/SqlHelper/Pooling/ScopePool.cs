using MySqlConnector;
using SqlHelpers.Batches;
using SqlHelpers.Diagnostics;
using SqlHelpers.Queries;
using SqlHelpers.Scopes;
using SqlHelpers.SessionState;
using SqlHelpers.Transactions;
using SqlHelpers.Utilities;

namespace SqlHelpers.Pooling;

/// <summary>
/// Everything about the scopes of one server (the primary, or a replica): admission (the cap, the reserve for nested
/// scopes, blocking, the acquire timeout and the deadlock verdict), opening from MySqlConnector's pool, liveness and
/// session reset through its <see cref="SessionTracker"/>, and release. A scope talks to its pool and lease only.
/// </summary>
internal sealed class ScopePool : IDisposable, IAsyncDisposable
{
    private readonly ScopePoolSettings _settings;

    public ScopePool(string name, bool isReplica, IConnectionSource source, ScopePoolSettings settings, ScopeEvents events, SelfDeadlockDetector? selfDeadlockDetector)
    {
        Name = name;
        IsReplica = isReplica;
        Source = source;
        _settings = settings;
        Events = events;
        SelfDeadlockDetector = selfDeadlockDetector;
        MaxConnections = settings.MaxConnections;
        ReservedForNested = Math.Min(settings.ReservedForNested, settings.MaxConnections - 1);
        Registry = new ScopeRegistry(settings.MaxConnections);
        Gate = new AdmissionGate(settings.Clock, settings.AcquireTimeout, AdmissionGate.DefaultSynchronousBargeWindow, AdmissionGate.DefaultAsynchronousBargeWindow);
        Session = new SessionTracker(settings, source, events, name);
    }

    /// <summary>Gets what batches need to know about the server (its <c>max_allowed_packet</c>), read once and kept.</summary>
    public ServerLimits Limits { get; } = new();

    /// <summary>Gets the pool's name for messages and metrics: <c>host:port/database</c>, never credentials.</summary>
    public string Name { get; }

    /// <summary>Gets whether this pool serves read-only scopes on a replica.</summary>
    public bool IsReplica { get; }

    /// <summary>
    /// Gets or sets where a scope reports that this server refused it as not ready (a cluster node's error 1047); set by the
    /// router for cluster nodes, so a scope never reaches past its pool.
    /// </summary>
    public Action<ScopePool, MySqlException>? ReportFailure { get; set; }

    /// <summary>Gets the cap on connections held by live scopes on this server.</summary>
    public int MaxConnections { get; }

    /// <summary>Gets how many connections only nested scopes may take.</summary>
    public int ReservedForNested { get; }

    public IConnectionSource Source { get; }

    public AdmissionGate Gate { get; }

    public ScopeRegistry Registry { get; }

    public ScopeEvents Events { get; }

    public SessionTracker Session { get; }

    public Clock Clock => _settings.Clock;

    /// <summary>Gets the check of parameter objects against the SQL's <c>@names</c>.</summary>
    public ParameterCheck ParameterCheck => _settings.ParameterCheck;

    /// <summary>Gets whether batches send runs of identical single-row INSERTs as multi-row INSERTs (<see cref="SqlHelperOptions.RewriteBatchedInserts"/>).</summary>
    public bool RewriteBatchedInserts => _settings.RewriteBatchedInserts;

    /// <summary>Gets the detector of nested scopes waiting on their own flow's locks, or <c>null</c> where it does not apply.</summary>
    public SelfDeadlockDetector? SelfDeadlockDetector { get; }

    /// <summary>
    /// The number of held connections below which a scope at <paramref name="depth"/> is admitted:
    /// <c>MaxConnections - max(0, ReservedForNested - (depth - 1))</c>. Outermost scopes leave the reserve to nested ones,
    /// one connection fewer per level, which makes nesting up to <c>ReservedForNested + 1</c> deep deadlock-free.
    /// </summary>
    public int LimitFor(int depth) => MaxConnections - Math.Max(0, ReservedForNested - (depth - 1));

    /// <summary>
    /// Admits <paramref name="lease"/> (waiting as the options say) and opens a connection for it. On failure nothing is
    /// held: the admission slot is given back.
    /// </summary>
    /// <exception cref="SqlPoolExhaustedException">No slot could be had.</exception>
    public ValueTask<MySqlConnection> OpenAsync(ScopeLease lease, IFlowHoldings? flow, IOBehavior io, CancellationToken cancellationToken)
    {
        // Not an async method: with a free slot and a pooled connection at hand, the common case, no state machine runs
        // (the synchronous API reads the completed result; the asynchronous one gets it without a suspension either).
        var admitted = AdmitAsync(lease, flow, io, cancellationToken);
        if (!admitted.IsCompletedSuccessfully)
            return OpenAfterWaitAsync(admitted, lease, io, cancellationToken);
        admitted.GetAwaiter().GetResult();
        return OpenAdmitted(lease, io, cancellationToken);
    }

    /// <summary>
    /// Gives the connection of <paramref name="lease"/> back exactly once: resets its session when the policy says so,
    /// returns it to MySqlConnector's pool (which discards a broken one) and frees the admission slot.
    /// </summary>
    public ValueTask ReleaseAsync(ScopeLease lease, IOBehavior io)
    {
        if (!lease.TryMarkReleased())
            return default;
        if (!lease.IsJoined && lease.Connection is { } connection)
        {
            // Not an async method unless returning the connection takes I/O (a session reset under WhenDirty).
            ValueTask returned;
            try
            {
                returned = Session.ReturnAsync(lease, connection, io);
                if (!returned.IsCompletedSuccessfully)
                    return FinishReleaseAsync(lease, returned);
                returned.GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is MySqlException or InvalidOperationException or IOException)
            {
                Events.ScopeReleaseFailed(lease, ex);
            }
            catch
            {
                FinishRelease(lease);
                throw;
            }
        }
        FinishRelease(lease);
        return default;
    }

    /// <summary>
    /// Reclaims the lease of a scope that was never disposed (called from its finalizer): reports the leak and returns the
    /// connection on the thread pool, never on the finalizer thread.
    /// </summary>
    public void Reclaim(ScopeLease lease)
    {
        lease.ShareConnection();   // nobody ended the scope: keep nothing of it for reuse
        Events.ScopeAbandoned(lease, Clock.Since(lease.OpenedMilliseconds), LeakDetector.DescribeSites(lease, Registry.Snapshot()));
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.pool.ReleaseAsync(state.lease, IOBehavior.Synchronous).RunSynchronously(), (pool: this, lease), preferLocal: false);
    }

    /// <summary>Frees the admission slot of a lease whose open failed or whose connection went back.</summary>
    public void ReleaseAdmission(ScopeLease lease)
    {
        Registry.Remove(lease);
        Gate.Release();
    }

    /// <summary>Fails every open waiting for a slot (the helper is being disposed).</summary>
    public void FailWaiters(Exception exception) => Gate.FailAll(exception);

    public void Dispose()
    {
        Gate.Dispose();
        Source.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Gate.Dispose();
        return Source.DisposeAsync();
    }

    /// <summary>Takes an admission slot for <paramref name="lease"/> and registers it; not an async method, so the uncontended path builds no state machine.</summary>
    private ValueTask AdmitAsync(ScopeLease lease, IFlowHoldings? flow, IOBehavior io, CancellationToken cancellationToken)
    {
        var limit = LimitFor(lease.Depth);
        if (!Gate.TryEnter(limit))
            return WaitForSlotAsync(lease, flow, limit, io, cancellationToken);
        Registry.Add(lease);
        return default;
    }

    private async ValueTask WaitForSlotAsync(ScopeLease lease, IFlowHoldings? flow, int limit, IOBehavior io, CancellationToken cancellationToken)
    {
        var allOpenedOnThisThread = true;
        var heldByThisFlow = flow?.CountHeld(this, out allOpenedOnThisThread) ?? 0;
        // A synchronous open on the thread that opened every scope of its stack blocks the only code that could release
        // them: when those scopes alone fill the limit, waiting can never end. Not on a thread-pool thread: there a child
        // flow (Task.Run) often runs on the very thread its parent used, and the parent may still release. An async flow
        // cannot tell whether it owns its stack's scopes or inherited them, so it never fails early.
        if (io == IOBehavior.Synchronous && heldByThisFlow >= limit && allOpenedOnThisThread && !Thread.CurrentThread.IsThreadPoolThread)
            throw Exhausted(ExhaustionReason.WouldDeadlock, lease, limit, heldByThisFlow);
        if (!_settings.Blocking)
            throw Exhausted(ExhaustionReason.NotBlocking, lease, limit, heldByThisFlow);

        var start = Clock.NowMilliseconds;
        var waiter = Gate.Enqueue(limit, io);
        var outcome = waiter.Outcome;
        var waited = outcome == AdmissionOutcome.Pending;   // admitted at once (into the reserve, or a slot freed meanwhile): not a wait
        if (waited)
        {
            // The gate decides every outcome under its lock (admitted, timed out, cancelled, failed), so none can race another.
            using var registration = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static state => ((AdmissionWaiter) state!).Cancel(), waiter)
                : default;
            outcome = await waiter.WaitAsync().ConfigureAwait(false);   // synchronous waiters block and return it completed
        }
        switch (outcome)
        {
            case AdmissionOutcome.Admitted:
                Registry.Add(lease);
                if (waited)
                    Events.AcquireWaited(Clock.Since(start));
                return;
            case AdmissionOutcome.TimedOut:
                throw Exhausted(ExhaustionReason.TimedOut, lease, limit, flow?.CountHeld(this, out _) ?? 0);
            case AdmissionOutcome.Canceled:
                throw new OperationCanceledException(cancellationToken);
            default:
                waiter.Error!.Throw();   // the helper was disposed while this open waited
                throw new InvalidOperationException("Unreachable.");
        }
    }

    private ValueTask<MySqlConnection> OpenAdmitted(ScopeLease lease, IOBehavior io, CancellationToken cancellationToken)
    {
        try
        {
            var generation = Source.Generation;
            var open = Session.OpenLiveAsync(io, MaxConnections, cancellationToken);
            if (!open.IsCompletedSuccessfully)
                return ReleaseAdmissionOnFailureAsync(lease, open, generation);
            Session.OnOpened(lease, generation);
            return open;
        }
        catch
        {
            ReleaseAdmission(lease);
            throw;
        }
    }

    private async ValueTask<MySqlConnection> OpenAfterWaitAsync(ValueTask admitted, ScopeLease lease, IOBehavior io, CancellationToken cancellationToken)
    {
        await admitted.ConfigureAwait(false);
        return await OpenAdmitted(lease, io, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<MySqlConnection> ReleaseAdmissionOnFailureAsync(ScopeLease lease, ValueTask<MySqlConnection> open, object generation)
    {
        try
        {
            var connection = await open.ConfigureAwait(false);
            Session.OnOpened(lease, generation);
            return connection;
        }
        catch
        {
            ReleaseAdmission(lease);
            throw;
        }
    }

    private async ValueTask FinishReleaseAsync(ScopeLease lease, ValueTask returned)
    {
        try
        {
            await returned.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or IOException)
        {
            Events.ScopeReleaseFailed(lease, ex);
        }
        finally
        {
            FinishRelease(lease);
        }
    }

    /// <summary>After the connection went back (or could not): frees the admission slot and records the close.</summary>
    private void FinishRelease(ScopeLease lease)
    {
        // Closed before the slot is freed: the scope the slot goes to must not be counted open alongside this one.
        Events.ScopeClosed(lease, Clock);
        if (!lease.IsJoined)
            ReleaseAdmission(lease);
    }

    private SqlPoolExhaustedException Exhausted(ExhaustionReason reason, ScopeLease lease, int limit, int heldByThisFlow)
    {
        var exception = ExhaustionReport.Create(reason, lease.Depth, limit, heldByThisFlow, Registry.Snapshot(), this, _settings.AcquireTimeout, Clock);
        Events.PoolExhausted(exception, reason == ExhaustionReason.TimedOut);
        return exception;
    }
}

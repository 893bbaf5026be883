using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;
using SqlHelpers.Queries;
using SqlHelpers.Routing;
using SqlHelpers.Scopes;
using SqlHelpers.Transactions;
using SqlHelpers.Utilities;

namespace SqlHelpers;

/// <summary>
/// Hands out scopes (pooled connections with their own command) and keeps, per async flow, a stack of them, so code deep
/// in a call chain reaches the innermost scope through <see cref="Current"/> and the query helpers without anyone passing
/// a connection around. Nested <see cref="Open()"/> calls each take their own connection and release it in LIFO order.
/// </summary>
/// <remarks>
/// Create one helper per database and share it (it is thread-safe); disposing it closes its pools.
/// </remarks>
public sealed partial class SqlHelper : IDisposable, IAsyncDisposable
{
    private readonly SqlHelperOptions _options;
    private readonly ScopeStack? _stack;
    private readonly ScopeEvents _events;
    private readonly ScopeRouter _router;
    private readonly ScopeOpener _opener;
    private readonly LeakDetector? _leakDetector;
    private readonly Clock _clock;
    private int _disposed;

    /// <summary>Creates a helper over <paramref name="connectionString"/> with default options.</summary>
    /// <param name="connectionString">A MySqlConnector connection string.</param>
    /// <exception cref="ArgumentException">The connection string is empty or not valid.</exception>
    public SqlHelper(string connectionString)
        : this(new SqlHelperOptions { ConnectionString = connectionString })
    {
    }

    /// <summary>Creates a helper with <paramref name="options"/>, validating them first. No connection is opened here.</summary>
    /// <param name="options">The options; they are copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <c>null</c>.</exception>
    /// <exception cref="ArgumentException">An option has a bad value; the message and <see cref="ArgumentException.ParamName"/> name it.</exception>
    public SqlHelper(SqlHelperOptions options)
        : this(options, SqlHelperOptionsValidator.ThrowIfInvalid(options), static (builder, o, max, minIdle) => new ConnectionSource(builder, o, max, minIdle))
    {
    }

    /// <summary>Builds a helper over connection sources made by <paramref name="createSource"/> (a fake one in unit tests).</summary>
    internal SqlHelper(SqlHelperOptions options, ValidatedOptions validated, Func<MySqlConnectionStringBuilder, SqlHelperOptions, int, int, IConnectionSource> createSource)
    {
        _options = options.Clone();
        _clock = new Clock(_options.TimeProvider ?? TimeProvider.System);
        var ambient = _options.Mode == ScopeMode.AsyncFlowStack;
        _stack = ambient ? new ScopeStack() : null;
        var logger = (ILogger?) _options.LoggerFactory?.CreateLogger("SqlHelper") ?? NullLogger.Instance;
        var primaryName = PoolName(validated.Primary);
        ScopePool? primary = null;
        _events = new ScopeEvents(logger, primaryName, _options.MaxConnections, () => HeldOnWritePools, _options.Mode);

        var reservedForNested = ambient ? _options.EffectiveReservedForNested : 0;
        var parameterCheck = new ParameterCheck(_options.ValidateParameters, _options.SessionInit);
        var statements = new StatementAnalyzer();
        ScopePoolSettings Settings(int max) => new()
        {
            MaxConnections = max,
            ReservedForNested = reservedForNested,
            Blocking = _options.Blocking,
            AcquireTimeout = _options.AcquireTimeout,
            SessionReset = _options.SessionReset,
            PingAfterIdle = _options.PingAfterIdle,
            ParameterCheck = parameterCheck,
            RewriteBatchedInserts = _options.RewriteBatchedInserts,
            Statements = statements,
            Clock = _clock,
        };

        var primarySource = createSource(validated.Primary, _options, _options.MaxConnections, _options.MinIdle);
        // With several hosts in the primary's connection string the detector's own connection could reach another node
        // than the scopes it watches: detection is off there.
        var detector = validated.Primary.Server.Contains(',', StringComparison.Ordinal) || _options.SelfDeadlockDetectionDelay == Timeout.InfiniteTimeSpan
            ? null
            : new SelfDeadlockDetector(primarySource.ConnectionString, _options.SelfDeadlockDetectionDelay, _events);
        primary = new ScopePool(primaryName, isReplica: false, primarySource, Settings(_options.MaxConnections), _events, detector);
        var replicaMax = _options.ReplicaMaxConnections ?? _options.MaxConnections;
        ScopePool[] replicas = [.. validated.Replicas.Select(replica => new ScopePool(PoolName(replica), isReplica: true,
            createSource(replica, _options, replicaMax, 0), Settings(replicaMax), _events, selfDeadlockDetector: null))];
        // Cluster nodes: one pool per node, the first standing in for the primary (statistics, warm-up).
        ScopePool[] nodes = [.. validated.Nodes.Select((node, i) => i == 0 ? primary : new ScopePool(PoolName(node), isReplica: false,
            createSource(node, _options, _options.MaxConnections, _options.MinIdle), Settings(_options.MaxConnections), _events,
            _options.SelfDeadlockDetectionDelay == Timeout.InfiniteTimeSpan ? null : new SelfDeadlockDetector(node.ConnectionString, _options.SelfDeadlockDetectionDelay, _events)))];
        _router = new ScopeRouter(primary, replicas, nodes, _events, _options, _clock);
        _opener = new ScopeOpener(_stack, _router, _events, _clock, _options.CaptureOpenSite);
        if (_options.LeakDetectionThreshold is { } threshold)
            _leakDetector = new LeakDetector([.. _router.AllPools], threshold, _events, _clock);
    }

    /// <summary>Gets a copy of the options the helper was built with; changing it has no effect on the helper.</summary>
    public SqlHelperOptions Options => _options.Clone();

    /// <summary>
    /// Gets the innermost live scope of the calling async flow, or <c>null</c> when it has none (always <c>null</c> in
    /// <see cref="ScopeMode.PerInstance"/> mode). A child flow (<c>Task.Run</c>, an un-awaited async call) sees the scopes
    /// of the flow that started it; scopes it opens are never seen by its parent.
    /// </summary>
    public SqlScope? Current => _stack?.Current;

    /// <summary>
    /// Gets the number of live scopes on the calling flow's stack: 0 when it has none. After an enclosing scope was disposed
    /// out of order it counts only the scopes still live, so it may be less than <see cref="SqlScope.Depth"/> of
    /// <see cref="Current"/>, which keeps the depth the scope was opened at.
    /// </summary>
    public int Depth => _stack?.LiveDepth ?? 0;

    /// <summary>
    /// Opens a scope: takes a connection from the pool (waiting as <see cref="SqlHelperOptions.Blocking"/> says) and, in
    /// <see cref="ScopeMode.AsyncFlowStack"/> mode, pushes it on the calling flow's stack.
    /// </summary>
    /// <returns>The open scope; dispose it to release the connection.</returns>
    /// <exception cref="SqlPoolExhaustedException">No connection could be had (see its message and <see cref="SqlPoolExhaustedException.WouldDeadlock"/>).</exception>
    /// <exception cref="MySqlException">The server could not be reached or refused the login.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public SqlScope Open()
    {
        ThrowIfDisposed();
        return _opener.Open(_stack is not null, _router.WriteCandidates());
    }

    /// <summary>
    /// Opens a scope that either takes its own connection (<see cref="ScopeOption.RequiresNew"/>, as <see cref="Open()"/>)
    /// or joins <see cref="Current"/> (<see cref="ScopeOption.Required"/>): same connection and transaction, nothing taken
    /// from the pool, and disposing it ends neither. <see cref="ScopeOption.Nested"/> joins too and sets a savepoint in the
    /// current scope's transaction: the scope's commit releases it, its rollback or a dispose without commit rolls back to it.
    /// </summary>
    /// <param name="option">Whether to join the current scope.</param>
    /// <returns>The open scope; dispose it.</returns>
    /// <exception cref="SqlPoolExhaustedException">A new connection was needed and none could be had.</exception>
    /// <exception cref="InvalidOperationException"><see cref="ScopeOption.Nested"/> and <see cref="Current"/> has no transaction in progress.</exception>
    /// <exception cref="SqlConnectionLostException"><see cref="ScopeOption.Nested"/> and the current scope's connection was lost.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public SqlScope Open(ScopeOption option)
    {
        ThrowIfDisposed();
        if (option == ScopeOption.Nested && Current is { } enclosing)
            return OpenSavepoint(enclosing);
        return option == ScopeOption.Required && Current is { } current ? _opener.OpenJoined(current) : Open();
    }

    /// <summary>
    /// Asynchronously opens a scope. In <see cref="ScopeMode.AsyncFlowStack"/> mode the scope is on the caller's stack
    /// once the returned task completes: <c>await using var s = await db.OpenAsync();</c> leaves <c>db.Current == s</c>.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation (the wait for a connection included).</param>
    /// <returns>The open scope; dispose it to release the connection.</returns>
    /// <exception cref="SqlPoolExhaustedException">No connection could be had within <see cref="SqlHelperOptions.AcquireTimeout"/>.</exception>
    /// <exception cref="MySqlException">The server could not be reached or refused the login.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public ValueTask<SqlScope> OpenAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _opener.OpenAsync(_stack is not null, _router.WriteCandidates(), cancellationToken);
    }

    /// <summary>Asynchronously opens a scope that takes its own connection or joins <see cref="Current"/>; see <see cref="Open(ScopeOption)"/>.</summary>
    /// <param name="option">Whether to join the current scope.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The open scope; dispose it.</returns>
    /// <exception cref="SqlPoolExhaustedException">A new connection was needed and none could be had.</exception>
    /// <exception cref="InvalidOperationException"><see cref="ScopeOption.Nested"/> and <see cref="Current"/> has no transaction in progress.</exception>
    /// <exception cref="SqlConnectionLostException"><see cref="ScopeOption.Nested"/> and the current scope's connection was lost.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public ValueTask<SqlScope> OpenAsync(ScopeOption option, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (option == ScopeOption.Nested && Current is { } enclosing)
            return OpenSavepointAsync(enclosing, cancellationToken);
        return option == ScopeOption.Required && Current is { } current
            ? ValueTask.FromResult(_opener.OpenJoined(current))
            : OpenAsync(cancellationToken);
    }

    /// <summary>
    /// Opens <see cref="SqlHelperOptions.MinIdle"/> connections now so they are ready before the first scope: on the primary,
    /// or on every reachable node of <see cref="SqlHelperOptions.ClusterNodes"/> (a node that cannot be reached is marked down).
    /// </summary>
    /// <exception cref="MySqlException">The server (with cluster nodes: every node) could not be reached.</exception>
    public void WarmUp() => WarmUpCoreAsync(IOBehavior.Synchronous, default).RunSynchronously();

    /// <summary>Asynchronously opens <see cref="SqlHelperOptions.MinIdle"/> connections so they are ready before the first scope; see <see cref="WarmUp"/>.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the connections are open and idle in the pool.</returns>
    /// <exception cref="MySqlException">The server (with cluster nodes: every node) could not be reached.</exception>
    public Task WarmUpAsync(CancellationToken cancellationToken = default) => WarmUpCoreAsync(IOBehavior.Asynchronous, cancellationToken).AsTask();

    /// <summary>Closes every idle pooled connection; connections held by live scopes are closed when those scopes end.</summary>
    public void ClearPool() => ClearPoolCoreAsync(IOBehavior.Synchronous).RunSynchronously();

    /// <summary>Asynchronously closes every idle pooled connection; connections held by live scopes are closed when those scopes end.</summary>
    /// <returns>A task that completes when the idle connections are closed.</returns>
    public Task ClearPoolAsync() => ClearPoolCoreAsync(IOBehavior.Asynchronous).AsTask();

    /// <summary>Gets a snapshot of the helper's counters.</summary>
    /// <returns>The counters as they are now.</returns>
    public SqlHelperStatistics GetStatistics()
    {
        var live = _router.AllPools.SelectMany(static p => p.Registry.Snapshot()).ToList();
        var byDepth = new int[live.Count == 0 ? 0 : live.Max(static l => l.Depth)];
        foreach (var lease in live)
            byDepth[lease.Depth - 1]++;
        var counters = _events.Counters;
        return new SqlHelperStatistics
        {
            OpenScopes = counters.OpenScopes,
            PeakOpenScopes = counters.PeakOpenScopes,
            ScopesOpened = counters.ScopesOpened,
            AcquireWaits = counters.AcquireWaits,
            AcquireTimeouts = counters.AcquireTimeouts,
            PoolExhaustions = counters.Exhaustions,
            TotalAcquireWait = counters.TotalAcquireWait,
            MisnestedDisposals = counters.MisnestedDisposals,
            LeaksDetected = counters.Leaks,
            ScopesReclaimed = counters.Reclaimed,
            SessionResets = counters.SessionResets,
            SessionResetsSkipped = counters.SessionResetsSkipped,
            ConnectionPings = counters.ConnectionPings,
            DeadConnectionsReplaced = counters.DeadConnectionsReplaced,
            DiagnosticsClears = counters.DiagnosticsClears,
            MaxConnections = _options.MaxConnections,
            HeldConnections = HeldOnWritePools,
            AvailableClusterNodes = _router.Nodes.States.Count(static s => s.IsAvailable),
            ReplicaHeldConnections = _router.Health.Replicas.Sum(static r => r.Gate.Held),
            ReadOnlyScopesOnReplicas = counters.ReplicaScopes,
            ReplicaFallbacks = counters.ReplicaFallbacks,
            OpenScopesByDepth = byDepth,
        };
    }

    /// <summary>Gets a snapshot of the live scopes of every flow: flow, depth, age and, with <see cref="SqlHelperOptions.CaptureOpenSite"/>, where each was opened.</summary>
    /// <returns>The live scopes, oldest first.</returns>
    public IReadOnlyList<SqlScopeInfo> GetOpenScopes() =>
        [.. _router.AllPools.SelectMany(static p => p.Registry.Snapshot()).OrderBy(static l => l.OpenedMilliseconds).Select(Describe)];

    /// <summary>
    /// Closes the pools. Scopes still open are reported through the logger; their connections are closed when they are
    /// disposed. Opens waiting for a connection fail with <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose() => DisposeCoreAsync(IOBehavior.Synchronous).RunSynchronously();

    /// <summary>Asynchronously closes the pools; see <see cref="Dispose"/>.</summary>
    /// <returns>A task that completes when the idle connections are closed.</returns>
    public ValueTask DisposeAsync() => DisposeCoreAsync(IOBehavior.Asynchronous);

    /// <summary>Returns a description of the helper that names its mode and server, never its password.</summary>
    /// <returns>A description such as <c>SqlHelper(AsyncFlowStack, Server=127.0.0.1;Port=3306;Database=app;User ID=app, 2/20 held)</c>.</returns>
    public override string ToString()
    {
        var replicas = _router.Health.Replicas.Length;
        var nodes = _router.Nodes.Replicas.Length;
        var servers = nodes != 0 ? $"{nodes} cluster nodes ({_router.Primary.Source.Description}, ...)" : _router.Primary.Source.Description;
        var cap = nodes != 0 ? $"{_options.MaxConnections} per node" : _options.MaxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"SqlHelper({_options.Mode}, {servers}, {HeldOnWritePools}/{cap} held{(replicas == 0 ? "" : $", {replicas} replica(s)")})";
    }

    /// <summary>The admission limit of the primary for a scope at <paramref name="depth"/>; see <see cref="ScopePool.LimitFor"/>.</summary>
    internal int LimitFor(int depth) => _router.Primary.LimitFor(depth);

    /// <summary>Gets the primary server's pool (tests).</summary>
    internal ScopePool PrimaryPool => _router.Primary;

    private SqlScopeInfo Describe(ScopeLease lease) => new()
    {
        ScopeId = lease.Id,
        FlowId = lease.FlowId,
        Depth = lease.Depth,
        Age = _clock.Since(lease.OpenedMilliseconds),
        ConnectionId = lease.ConnectionId,
        ThreadId = lease.ThreadId,
        OpenSite = lease.OpenSite,
    };

    /// <summary>Connections held by live scopes on the servers that take writes: the primary, or every cluster node.</summary>
    private int HeldOnWritePools
    {
        get
        {
            var held = 0;
            foreach (var pool in _router?.WritePools ?? [])
                held += pool.Gate.Held;
            return held;
        }
    }

    private async ValueTask WarmUpCoreAsync(IOBehavior io, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (_options.MinIdle == 0)
            return;
        // Every cluster node gets its idle connections; a node that cannot be reached is marked down (as a failed open
        // would) and skipped, and only when no node can be reached does the warm-up fail.
        MySqlException? firstFailure = null;
        var warmed = 0;
        foreach (var pool in _router.WritePools)
        {
            try
            {
                var source = pool.Source;
                await source.CloseAsync(await source.OpenAsync(io, cancellationToken).ConfigureAwait(false), io).ConfigureAwait(false);
                warmed++;
            }
            catch (MySqlException ex) when (pool.ReportFailure is { } report && !cancellationToken.IsCancellationRequested)
            {
                report(pool, ex);
                firstFailure ??= ex;
            }
        }
        if (warmed == 0 && firstFailure is not null)
            throw firstFailure;
    }

    private async ValueTask ClearPoolCoreAsync(IOBehavior io)
    {
        ThrowIfDisposed();
        foreach (var pool in _router.AllPools)
            await pool.Source.ClearAsync(io).ConfigureAwait(false);
    }

    private async ValueTask DisposeCoreAsync(IOBehavior io)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _leakDetector?.Dispose();
        _router.Dispose();
        foreach (var pool in _router.AllPools)
            pool.FailWaiters(new ObjectDisposedException(nameof(SqlHelper), "The SqlHelper was disposed while this open was waiting for a connection."));
        foreach (var scope in GetOpenScopes())
            _events.ScopeStillOpenAtHelperDispose(scope);
        _events.Dispose();
        foreach (var pool in _router.AllPools)
        {
            if (io == IOBehavior.Synchronous)
                pool.Dispose();
            else
                await pool.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string PoolName(MySqlConnectionStringBuilder connectionString) =>
        $"{connectionString.Server}:{connectionString.Port}/{connectionString.Database}";

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}

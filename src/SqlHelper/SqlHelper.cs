using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;
using SqlHelpers.Queries;
using SqlHelpers.Scopes;
using SqlHelpers.Transactions;

namespace SqlHelpers;

/// <summary>
/// Hands out scopes (pooled connections with their own command) and keeps, per async flow, a stack of them, so code deep
/// in a call chain reaches the innermost scope through <see cref="Current"/> and the query helpers without anyone passing
/// a connection around. Nested <see cref="Open()"/> calls each take their own connection and release it in LIFO order.
/// </summary>
/// <remarks>
/// Create one helper per database and share it (it is thread-safe); disposing it closes its pool.
/// </remarks>
public sealed partial class SqlHelper : IDisposable, IAsyncDisposable
{
    private readonly SqlHelperOptions _options;
    private readonly ServerPool _primary;
    private readonly ServerPool[] _replicas;
    private readonly ReplicaMonitor? _replicaMonitor;
    private readonly ScopeStack _stack = new();
    private readonly StatisticsCounters _counters = new();
    private readonly ILogger _logger;
    private readonly SelfDeadlockDetector _selfDeadlockDetector;
    private readonly SqlHelperTelemetry _telemetry;
    private readonly LeakDetector? _leakDetector;
    private readonly ParameterCheck _parameterCheck;
    private readonly bool _ambient;
    private long _lastScopeId;
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
    {
        ArgumentNullException.ThrowIfNull(options);
        var connectionString = SqlHelperOptionsValidator.Validate(options);
        _options = options.Clone();
        _ambient = _options.Mode == ScopeMode.AsyncFlowStack;
        var reservedForNested = _ambient ? _options.EffectiveReservedForNested : 0;
        _logger = (ILogger?) _options.LoggerFactory?.CreateLogger("SqlHelper") ?? NullLogger.Instance;
        _primary = new ServerPool(PoolName(connectionString), isReplica: false, connectionString, _options, _options.MaxConnections, reservedForNested);
        _replicas = [.. SqlHelperOptionsValidator.ValidateReplicas(_options).Select(replica =>
            new ServerPool(PoolName(replica), isReplica: true, replica, _options, _options.ReplicaMaxConnections ?? _options.MaxConnections, reservedForNested))];
        // With several hosts in the primary's connection string the detector's own connection could reach another node
        // than the scopes it watches: detection is off there.
        var detectionDelay = connectionString.Server.Contains(',', StringComparison.Ordinal) ? Timeout.InfiniteTimeSpan : _options.SelfDeadlockDetectionDelay;
        _selfDeadlockDetector = new SelfDeadlockDetector(_primary.Source.ConnectionString, detectionDelay, _logger);
        _parameterCheck = new ParameterCheck(_options.ValidateParameters, _options.SessionInit);
        _telemetry = new SqlHelperTelemetry(_counters, () => _primary.Gate.Held, _options.MaxConnections, _primary.Name);
        if (_options.LeakDetectionThreshold is { } threshold)
            _leakDetector = new LeakDetector([_primary, .. _replicas], threshold, ReportSuspectedLeak);
        if (_replicas.Length != 0)
            _replicaMonitor = new ReplicaMonitor(_replicas, _options.MaxReplicaLag, _options.ReplicaCheckInterval, _logger, _telemetry);
    }

    /// <summary>Gets a copy of the options the helper was built with; changing it has no effect on the helper.</summary>
    public SqlHelperOptions Options => _options.Clone();

    /// <summary>
    /// Gets the innermost live scope of the calling async flow, or <c>null</c> when it has none (always <c>null</c> in
    /// <see cref="ScopeMode.PerInstance"/> mode). A child flow (<c>Task.Run</c>, an un-awaited async call) sees the scopes
    /// of the flow that started it; scopes it opens are never seen by its parent.
    /// </summary>
    public SqlScope? Current => _ambient ? _stack.Current : null;

    /// <summary>Gets the depth of <see cref="Current"/>: 0 when the calling flow has no live scope.</summary>
    public int Depth => Current?.Depth ?? 0;

    /// <summary>
    /// Opens a scope: takes a connection from the pool (waiting as <see cref="SqlHelperOptions.Blocking"/> says) and, in
    /// <see cref="ScopeMode.AsyncFlowStack"/> mode, pushes it on the calling flow's stack.
    /// </summary>
    /// <returns>The open scope; dispose it to release the connection.</returns>
    /// <exception cref="SqlPoolExhaustedException">No connection could be had (see its message and <see cref="SqlPoolExhaustedException.WouldDeadlock"/>).</exception>
    /// <exception cref="MySqlException">The server could not be reached or refused the login.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public SqlScope Open() => OpenCore(_ambient);

    /// <summary>
    /// Opens a scope that either takes its own connection (<see cref="ScopeOption.RequiresNew"/>, as <see cref="Open()"/>)
    /// or joins <see cref="Current"/> (<see cref="ScopeOption.Required"/>): same connection and transaction, nothing taken
    /// from the pool, and disposing it ends neither.
    /// </summary>
    /// <param name="option">Whether to join the current scope.</param>
    /// <returns>The open scope; dispose it.</returns>
    /// <exception cref="SqlPoolExhaustedException">A new connection was needed and none could be had.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public SqlScope Open(ScopeOption option) =>
        option == ScopeOption.Required && Current is { } current ? OpenJoined(current) : OpenCore(_ambient);

    /// <summary>Asynchronously opens a scope that takes its own connection or joins <see cref="Current"/>; see <see cref="Open(ScopeOption)"/>.</summary>
    /// <param name="option">Whether to join the current scope.</param>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>The open scope; dispose it.</returns>
    /// <exception cref="SqlPoolExhaustedException">A new connection was needed and none could be had.</exception>
    /// <exception cref="ObjectDisposedException">The helper has been disposed.</exception>
    public ValueTask<SqlScope> OpenAsync(ScopeOption option, CancellationToken cancellationToken = default) =>
        option == ScopeOption.Required && Current is { } current
            ? ValueTask.FromResult(OpenJoined(current))
            : OpenCoreAsync(_ambient, cancellationToken);

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
    public ValueTask<SqlScope> OpenAsync(CancellationToken cancellationToken = default) => OpenCoreAsync(_ambient, cancellationToken);

    /// <summary>Opens <see cref="SqlHelperOptions.MinIdle"/> connections now so they are ready before the first scope.</summary>
    /// <exception cref="MySqlException">The server could not be reached.</exception>
    public void WarmUp()
    {
        ThrowIfDisposed();
        if (_options.MinIdle > 0)
            _primary.Source.Open().Dispose();
    }

    /// <summary>Asynchronously opens <see cref="SqlHelperOptions.MinIdle"/> connections so they are ready before the first scope.</summary>
    /// <param name="cancellationToken">A token to cancel the asynchronous operation.</param>
    /// <returns>A task that completes when the connections are open and idle in the pool.</returns>
    /// <exception cref="MySqlException">The server could not be reached.</exception>
    public async Task WarmUpAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (_options.MinIdle > 0)
            await (await _primary.Source.OpenAsync(cancellationToken).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Closes every idle pooled connection; connections held by live scopes are closed when those scopes end.</summary>
    public void ClearPool()
    {
        ThrowIfDisposed();
        foreach (var pool in AllPools)
            pool.Source.Clear();
    }

    /// <summary>Asynchronously closes every idle pooled connection; connections held by live scopes are closed when those scopes end.</summary>
    /// <returns>A task that completes when the idle connections are closed.</returns>
    public Task ClearPoolAsync()
    {
        ThrowIfDisposed();
        return Task.WhenAll(AllPools.Select(static pool => pool.Source.ClearAsync()));
    }

    /// <summary>Gets a snapshot of the helper's counters.</summary>
    /// <returns>The counters as they are now.</returns>
    public SqlHelperStatistics GetStatistics()
    {
        var live = _primary.Registry.Snapshot();
        var byDepth = new int[live.Count == 0 ? 0 : live.Max(static l => l.Depth)];
        foreach (var lease in live)
            byDepth[lease.Depth - 1]++;
        return new SqlHelperStatistics
        {
            OpenScopes = _counters.OpenScopes,
            PeakOpenScopes = _counters.PeakOpenScopes,
            ScopesOpened = _counters.ScopesOpened,
            AcquireWaits = _counters.AcquireWaits,
            AcquireTimeouts = _counters.AcquireTimeouts,
            PoolExhaustions = _counters.Exhaustions,
            TotalAcquireWait = _counters.TotalAcquireWait,
            MisnestedDisposals = _counters.MisnestedDisposals,
            LeaksDetected = _counters.Leaks,
            ScopesReclaimed = _counters.Reclaimed,
            SessionResets = _counters.SessionResets,
            SessionResetsSkipped = _counters.SessionResetsSkipped,
            MaxConnections = _options.MaxConnections,
            HeldConnections = _primary.Gate.Held,
            ReplicaHeldConnections = _replicas.Sum(static r => r.Gate.Held),
            ReadOnlyScopesOnReplicas = _counters.ReplicaScopes,
            ReplicaFallbacks = _counters.ReplicaFallbacks,
            OpenScopesByDepth = byDepth,
        };
    }

    /// <summary>Gets a snapshot of the live scopes of every flow: flow, depth, age and, with <see cref="SqlHelperOptions.CaptureOpenSite"/>, where each was opened.</summary>
    /// <returns>The live scopes, oldest first.</returns>
    public IReadOnlyList<SqlScopeInfo> GetOpenScopes() =>
        [.. AllPools.SelectMany(static p => p.Registry.Snapshot()).OrderBy(static l => l.OpenedTimestamp).Select(Describe)];

    /// <summary>
    /// Closes the pool. Scopes still open are reported through the logger; their connections are closed when they are
    /// disposed. Opens waiting for a connection fail with <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (!BeginDispose())
            return;
        foreach (var pool in AllPools)
            pool.Dispose();
    }

    /// <summary>Asynchronously closes the pool; see <see cref="Dispose"/>.</summary>
    /// <returns>A task that completes when the idle connections are closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose())
            return;
        foreach (var pool in AllPools)
            await pool.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Returns a description of the helper that names its mode and server, never its password.</summary>
    /// <returns>A description such as <c>SqlHelper(AsyncFlowStack, Server=127.0.0.1;Port=3306;Database=app;User ID=app, 2/20 held)</c>.</returns>
    public override string ToString() =>
        $"SqlHelper({_options.Mode}, {_primary.Source.Description}, {_primary.Gate.Held}/{_options.MaxConnections} held{(_replicas.Length == 0 ? "" : $", {_replicas.Length} replica(s)")})";

    private IEnumerable<ServerPool> AllPools => _replicas.Length == 0 ? [_primary] : [_primary, .. _replicas];

    internal ParameterCheck Parameters => _parameterCheck;

    internal StatementAnalyzer Statements { get; } = new();

    internal bool ResetsWhenDirty => _options.SessionReset == SessionResetPolicy.WhenDirty;

    private SqlScopeInfo Describe(ScopeLease lease) => new()
    {
        ScopeId = lease.Id,
        FlowId = lease.FlowId,
        Depth = lease.Depth,
        Age = lease.Age,
        ConnectionId = lease.ConnectionId,
        ThreadId = lease.ThreadId,
        OpenSite = lease.OpenSite,
    };

    private bool BeginDispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return false;
        _leakDetector?.Dispose();
        _replicaMonitor?.Dispose();
        _telemetry.Dispose();
        foreach (var pool in AllPools)
            pool.Gate.FailAll(new ObjectDisposedException(nameof(SqlHelper), "The SqlHelper was disposed while this open was waiting for a connection."));
        foreach (var scope in GetOpenScopes())
            Log.ScopeStillOpenAtHelperDispose(_logger, scope, scope.OpenSite is null ? "" : $", opened at:\n{scope.OpenSite}");
        return true;
    }

    private static string PoolName(MySqlConnectionStringBuilder connectionString) =>
        $"{connectionString.Server}:{connectionString.Port}/{connectionString.Database}";

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}

using Microsoft.Extensions.Logging;

namespace SqlHelpers;

/// <summary>
/// Configures a <see cref="SqlHelper"/>. The options are validated when the helper is built and copied, so changing this
/// object afterwards has no effect on a helper that already exists.
/// </summary>
public sealed class SqlHelperOptions
{
    /// <summary>The default for <see cref="MaxConnections"/>.</summary>
    public const int DefaultMaxConnections = 100;

    /// <summary>The default for <see cref="AcquireTimeout"/>: 15 seconds.</summary>
    public static readonly TimeSpan DefaultAcquireTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Gets or sets the MySqlConnector connection string. Pool sizes in it are replaced by <see cref="MaxConnections"/> and
    /// <see cref="MinIdle"/>; everything else (including <c>ConnectionReset</c>, on by default) is passed through.
    /// <c>AllowUserVariables</c> is turned on unless the string sets it, so session variables (<c>SET @x = 1</c>) work in
    /// SQL and in <see cref="SessionInit"/>; set <c>AllowUserVariables=false</c> to make an undefined <c>@name</c> an error.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Gets or sets how scopes are tracked. The default is <see cref="ScopeMode.AsyncFlowStack"/>.</summary>
    public ScopeMode Mode { get; set; } = ScopeMode.AsyncFlowStack;

    /// <summary>
    /// Gets or sets the hard cap on connections held by live scopes of the helper.
    /// MySqlConnector's pool is sized to match. The default is 100.
    /// </summary>
    public int MaxConnections { get; set; } = DefaultMaxConnections;

    /// <summary>
    /// Gets or sets how many connections are opened ahead of use and kept ready. They are
    /// opened by <see cref="SqlHelper.WarmUp"/> / <see cref="SqlHelper.WarmUpAsync"/>, or with the first scope. The default is 0.
    /// </summary>
    public int MinIdle { get; set; }

    /// <summary>
    /// Gets or sets whether <see cref="SqlHelper.Open()"/> waits (up to <see cref="AcquireTimeout"/>) when every connection
    /// is in use. When <c>false</c>, it fails at once with <see cref="SqlPoolExhaustedException"/>. The default is <c>true</c>.
    /// </summary>
    public bool Blocking { get; set; } = true;

    /// <summary>Gets or sets how long an open waits for a free connection when <see cref="Blocking"/> is on. The default is 15 s.</summary>
    public TimeSpan AcquireTimeout { get; set; } = DefaultAcquireTimeout;

    /// <summary>
    /// Gets or sets SQL statements run on a connection before a scope gets it, after a new physical connection is made and
    /// after every session reset.
    /// </summary>
    public IList<string> SessionInit { get; set; } = [];

    /// <summary>
    /// Gets or sets when sessions are reset between scopes. <see cref="SessionResetPolicy.Always"/> (the default) keeps
    /// MySqlConnector's reset on every pooled open; <see cref="SessionResetPolicy.WhenDirty"/> resets only connections whose
    /// scope may have changed session state, saving a round trip per clean scope.
    /// </summary>
    public SessionResetPolicy SessionReset { get; set; } = SessionResetPolicy.Always;

    /// <summary>
    /// Gets or sets how many connections only nested scopes may take, so that outermost scopes cannot starve the scopes
    /// nested inside them. A scope at depth <c>d</c> is admitted only while fewer than
    /// <c>MaxConnections - max(0, ReservedForNested - (d - 1))</c> connections are held, which makes nesting up to
    /// <c>ReservedForNested + 1</c> deep deadlock-free. <c>null</c> (the default) means 1, or 0 when <see cref="MaxConnections"/> is 1.
    /// </summary>
    /// <remarks>
    /// The reserve is held back from outermost scopes even when nobody nests: with the default, a pool of 16 connections
    /// gives outermost scopes at most 15, which a saturated server notices as one connection fewer. An application that
    /// never opens a scope inside another (or uses <see cref="ScopeMode.PerInstance"/>, which never reserves) can set 0.
    /// </remarks>
    public int? ReservedForNested { get; set; }

    /// <summary>
    /// Gets or sets whether a scope records the stack trace of the code that opened it, shown in leak reports, in the
    /// helper's report of scopes still open when it is disposed, and in <see cref="SqlHelper.GetOpenScopes"/>. Off by default: a stack trace costs microseconds per open.
    /// </summary>
    public bool CaptureOpenSite { get; set; }

    /// <summary>
    /// Gets or sets how long a statement of a nested scope may wait while an enclosing scope of the same flow holds a
    /// transaction on another connection, before SqlHelper looks at the server's lock waits to see whether that enclosing
    /// scope is what it waits for (then it fails with <see cref="SqlSelfDeadlockException"/> instead of waiting
    /// <c>innodb_lock_wait_timeout</c>). The default is 0.5 s; <see cref="Timeout.InfiniteTimeSpan"/> turns detection off.
    /// </summary>
    public TimeSpan SelfDeadlockDetectionDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Gets or sets how long a scope may be held before it is reported, once, as a possible leak (with its depth, age, flow
    /// and, with <see cref="CaptureOpenSite"/>, where it and the scopes around it were opened); a later line says when it was
    /// released. <c>null</c> (the default) turns this off.
    /// </summary>
    public TimeSpan? LeakDetectionThreshold { get; set; }

    /// <summary>
    /// Gets or sets whether the query helpers check, before sending anything, that a parameter object has a member for every
    /// <c>@name</c> the SQL uses, except session variables the SQL or <see cref="SessionInit"/> assigns. On by default; turn
    /// it off if your SQL reads session variables set by earlier statements while also passing a parameter object.
    /// </summary>
    public bool ValidateParameters { get; set; } = true;

    /// <summary>
    /// Gets or sets whether <see cref="SqlScope.ExecuteBatch"/> sends a run of consecutive single-row plain INSERTs with the
    /// same SQL (<c>INSERT [INTO] t [(columns)] VALUES (...)</c>, no <c>IGNORE</c>, <c>REPLACE</c> or
    /// <c>ON DUPLICATE KEY UPDATE</c>) as multi-row INSERT statements, as MySQL Connector/J's
    /// <c>rewriteBatchedStatements</c> does. The server then parses one statement per up to 1,000 rows instead of one per
    /// row, several times faster; each statement of the run still reports 1 affected row. Off by default, because a failure
    /// changes grain: the server rejects the multi-row statement that carried the failing row, so the
    /// <see cref="SqlBatchException"/> names that statement's range of batch indexes, and on a transactional table none of
    /// its rows are inserted (rows of the run before the failing one are, without the option). Runs before a statement that
    /// mentions <c>LAST_INSERT_ID</c> are never rewritten. <c>Execute(sql, rows)</c> rewrites single-row INSERTs whatever
    /// this says (it reports only a total, as Dapper's loop does).
    /// </summary>
    public bool RewriteBatchedInserts { get; set; }

    /// <summary>
    /// Gets or sets the connection strings of read replicas. <see cref="SqlHelper.OpenReadOnly"/> routes to them (each has
    /// its own pool); with none, read-only scopes use the primary (<see cref="ConnectionString"/>).
    /// </summary>
    public IList<string> ReplicaConnectionStrings { get; set; } = [];

    /// <summary>Gets or sets the cap on connections held on each replica; <c>null</c> (the default) means <see cref="MaxConnections"/>.</summary>
    public int? ReplicaMaxConnections { get; set; }

    /// <summary>Gets or sets the replication lag beyond which a replica is skipped. The default is 30 s.</summary>
    public TimeSpan MaxReplicaLag { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how often replicas are checked for reachability and lag (never per query). The default is 5 s.</summary>
    public TimeSpan ReplicaCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets the connection strings of the nodes of a Galera cluster (MariaDB Galera, Percona XtraDB Cluster), one per
    /// node. When set, leave <see cref="ConnectionString"/> and <see cref="ReplicaConnectionStrings"/> empty: every scope,
    /// read-write or read-only, goes to a healthy node, round robin, each node with its own pool of up to
    /// <see cref="MaxConnections"/> connections. A node is healthy while it is ready, synced and in the primary component and not
    /// desynced; nodes are checked every <see cref="ReplicaCheckInterval"/>, and a node that fails an open or answers error 1047
    /// (not prepared) is skipped at once.
    /// </summary>
    public IList<string> ClusterNodes { get; set; } = [];

    /// <summary>
    /// Gets or sets whether every session runs <c>SET SESSION wsrep_sync_wait = 1</c>, so a read on one Galera node waits
    /// until that node has applied every write the cluster committed before the read began: read-your-writes across nodes.
    /// It costs a cluster round trip (and the wait for the node to catch up) per read. Off by default; needs a Galera server.
    /// </summary>
    /// <remarks>
    /// A Galera node ignores <c>wsrep_sync_wait</c> on a session that was reset (codership/galera#613), so with this option
    /// no session is reset in place: one that needs a reset is closed and replaced by a new connection. Under
    /// <see cref="SessionResetPolicy.WhenDirty"/> only sessions a scope changed are replaced; under
    /// <see cref="SessionResetPolicy.Always"/> every one is, so each scope opens a new connection.
    /// </remarks>
    public bool CausalReads { get; set; }

    /// <summary>
    /// Gets or sets whether <see cref="SqlHelper.FetchAll{T}"/> and <see cref="SqlHelper.FetchOne{T}"/> (and their async
    /// twins) may read from a replica when the calling flow has no current scope. Off by default: replicas may lag.
    /// </summary>
    public bool ReadFromReplicasOutsideScopes { get; set; }

    /// <summary>
    /// Gets or sets how long a pooled connection may sit idle before, under <see cref="SessionResetPolicy.WhenDirty"/>, it is
    /// pinged (and replaced when dead) before a scope gets it; a connection used more recently is trusted, so under steady
    /// load no ping is sent. Under <see cref="SessionResetPolicy.Always"/> MySqlConnector's reset on open proves every
    /// connection alive and this is not used. The default is 500 ms (HikariCP's <c>aliveBypassWindowMs</c>); zero pings always.
    /// </summary>
    public TimeSpan PingAfterIdle { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Gets or sets the time source of timeouts, timers and ages (acquire timeout, leak threshold, replica checks, retry
    /// pauses). <c>null</c> (the default) means <see cref="System.TimeProvider.System"/>; tests may pass a fake one.
    /// </summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Gets or sets the logger factory for SqlHelper's own events (and MySqlConnector's). <c>null</c> logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Gets the effective <see cref="ReservedForNested"/>: the configured value, or the default for <see cref="MaxConnections"/>.</summary>
    internal int EffectiveReservedForNested => ReservedForNested ?? (MaxConnections > 1 ? 1 : 0);

    internal SqlHelperOptions Clone() => new()
    {
        ConnectionString = ConnectionString,
        Mode = Mode,
        MaxConnections = MaxConnections,
        MinIdle = MinIdle,
        Blocking = Blocking,
        AcquireTimeout = AcquireTimeout,
        SessionInit = [.. SessionInit ?? []],
        ReservedForNested = ReservedForNested,
        CaptureOpenSite = CaptureOpenSite,
        LoggerFactory = LoggerFactory,
        SelfDeadlockDetectionDelay = SelfDeadlockDetectionDelay,
        LeakDetectionThreshold = LeakDetectionThreshold,
        ValidateParameters = ValidateParameters,
        RewriteBatchedInserts = RewriteBatchedInserts,
        SessionReset = SessionReset,
        ReplicaConnectionStrings = [.. ReplicaConnectionStrings ?? []],
        ReplicaMaxConnections = ReplicaMaxConnections,
        MaxReplicaLag = MaxReplicaLag,
        ReplicaCheckInterval = ReplicaCheckInterval,
        ReadFromReplicasOutsideScopes = ReadFromReplicasOutsideScopes,
        ClusterNodes = [.. ClusterNodes ?? []],
        CausalReads = CausalReads,
        PingAfterIdle = PingAfterIdle,
        TimeProvider = TimeProvider,
    };
}

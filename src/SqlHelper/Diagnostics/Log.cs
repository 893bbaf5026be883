using Microsoft.Extensions.Logging;

namespace SqlHelpers.Diagnostics;

/// <summary>SqlHelper's log events. Messages never contain a connection string or a password.</summary>
internal static partial class Log
{
    [LoggerMessage(EventIds.ScopeOpened, LogLevel.Trace, "Opened scope {ScopeId} (flow {FlowId}, depth {Depth}) on connection {ConnectionId}")]
    public static partial void ScopeOpened(ILogger logger, long scopeId, long flowId, int depth, int connectionId);

    [LoggerMessage(EventIds.ScopeClosed, LogLevel.Trace, "Closed scope {ScopeId} (flow {FlowId}, depth {Depth}) after {HeldSeconds:0.000} s")]
    public static partial void ScopeClosed(ILogger logger, long scopeId, long flowId, int depth, double heldSeconds);

    [LoggerMessage(EventIds.ScopeMisnested, LogLevel.Warning, "Scope {ScopeId} (flow {FlowId}, depth {Depth}) was disposed while a scope nested in it was still open; its connection was released and the nested scope stays usable. Dispose scopes in reverse order of opening.")]
    public static partial void ScopeMisnested(ILogger logger, long scopeId, long flowId, int depth);

    [LoggerMessage(EventIds.ScopeReleaseFailed, LogLevel.Warning, "Releasing the connection of scope {ScopeId} failed; the connection was discarded")]
    public static partial void ScopeReleaseFailed(ILogger logger, Exception exception, long scopeId);

    [LoggerMessage(EventIds.ScopeStillOpenAtHelperDispose, LogLevel.Warning, "The SqlHelper was disposed while {Scope} was still open{OpenSite}")]
    public static partial void ScopeStillOpenAtHelperDispose(ILogger logger, SqlScopeInfo scope, string openSite);

    [LoggerMessage(EventIds.PoolExhausted, LogLevel.Error, "{Message}")]
    public static partial void PoolExhausted(ILogger logger, string message);

    [LoggerMessage(EventIds.DeadConnectionReplaced, LogLevel.Information, "Pooled connection {ConnectionId} to {Pool} was idle {IdleSeconds:0.0} s and did not answer a ping; it was discarded and replaced before any statement ran on it")]
    public static partial void DeadConnectionReplaced(ILogger logger, int connectionId, string pool, double idleSeconds);

    [LoggerMessage(EventIds.SelfDeadlockDetectionOff, LogLevel.Warning, "Detection of nested scopes waiting on their own flow's locks is off: the server refused to show lock waits ({Reason}). Grant PROCESS (MariaDB) or performance_schema access (MySQL 8) to enable it; until then innodb_lock_wait_timeout applies")]
    public static partial void SelfDeadlockDetectionOff(ILogger logger, string reason);

    [LoggerMessage(EventIds.SelfDeadlockCheckFailed, LogLevel.Debug, "Looking up lock waits failed")]
    public static partial void SelfDeadlockCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventIds.TransactionRetry, LogLevel.Warning, "Transaction attempt {Attempt} of {MaxAttempts} failed with MySQL error {ErrorNumber}; rolled back, retrying in {DelayMs} ms")]
    public static partial void TransactionRetry(ILogger logger, int attempt, int maxAttempts, int errorNumber, int delayMs);

    [LoggerMessage(EventIds.ScopeLeakSuspected, LogLevel.Warning, "Possible leak: scope {ScopeId} (flow {FlowId}, depth {Depth}, connection {ConnectionId}) has been open for {AgeSeconds:0.0} s, longer than LeakDetectionThreshold{Sites}")]
    public static partial void ScopeLeakSuspected(ILogger logger, long scopeId, long flowId, int depth, int connectionId, double ageSeconds, string sites);

    [LoggerMessage(EventIds.ScopeLeakReleased, LogLevel.Information, "Scope {ScopeId} (flow {FlowId}, depth {Depth}), reported as a possible leak, was released after {AgeSeconds:0.0} s")]
    public static partial void ScopeLeakReleased(ILogger logger, long scopeId, long flowId, int depth, double ageSeconds);

    [LoggerMessage(EventIds.ScopeAbandoned, LogLevel.Warning, "Leak: scope {ScopeId} (flow {FlowId}, depth {Depth}, connection {ConnectionId}) was never disposed and became unreachable after {AgeSeconds:0.0} s; its connection was reclaimed{Sites}")]
    public static partial void ScopeAbandoned(ILogger logger, long scopeId, long flowId, int depth, int connectionId, double ageSeconds, string sites);

    [LoggerMessage(EventIds.ReplicaUnavailable, LogLevel.Warning, "Replica {Replica} is skipped: {Reason}")]
    public static partial void ReplicaUnavailable(ILogger logger, string replica, string reason);

    [LoggerMessage(EventIds.ReplicaAvailable, LogLevel.Information, "Replica {Replica} is available again")]
    public static partial void ReplicaAvailable(ILogger logger, string replica);

    [LoggerMessage(EventIds.ReplicaFallback, LogLevel.Warning, "A read-only scope went to the primary: {Reason}")]
    public static partial void ReplicaFallback(ILogger logger, string reason);

    [LoggerMessage(EventIds.ReplicaLagUnreadable, LogLevel.Warning, "Replica lag cannot be read ({Reason}); replicas are judged by reachability only. Grant REPLICATION CLIENT (or SLAVE MONITOR on MariaDB) to check lag")]
    public static partial void ReplicaLagUnreadable(ILogger logger, string reason);
}

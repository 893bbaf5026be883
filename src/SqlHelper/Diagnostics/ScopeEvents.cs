using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SqlHelpers.Scopes;

namespace SqlHelpers.Diagnostics;

/// <summary>
/// The one place each event of a helper is recorded: every method here updates the statistics counter, the meter
/// instrument and the log line of its event together, so no event is counted in one file and metered in another.
/// </summary>
internal sealed class ScopeEvents : IDisposable
{
    private readonly StatisticsCounters _counters = new();
    private readonly SqlHelperTelemetry _telemetry;
    private readonly string _mode;

    public ScopeEvents(ILogger logger, string poolName, int maxConnections, Func<int> heldConnections, ScopeMode mode)
    {
        Logger = logger;
        _mode = mode.ToString();
        _telemetry = new SqlHelperTelemetry(_counters, heldConnections, maxConnections, poolName);
    }

    /// <summary>Gets the logger of the helper's own events.</summary>
    public ILogger Logger { get; }

    /// <summary>Gets the counters behind <see cref="SqlHelperStatistics"/>.</summary>
    public StatisticsCounters Counters => _counters;

    /// <summary>Starts the activity that spans a scope, when someone listens; it never becomes <see cref="Activity.Current"/>.</summary>
    public Activity? StartScopeActivity(ScopeLease lease, ScopeLease? parent)
    {
        if (!SqlHelperTelemetry.Source.HasListeners())
            return null;
        // An async open or dispose could not undo a change of Activity.Current in the caller's flow; nested scopes name
        // their enclosing scope's span as parent explicitly.
        var previous = Activity.Current;
        var parentContext = parent?.Activity?.Context ?? previous?.Context ?? default;
        var activity = SqlHelperTelemetry.Source.StartActivity(SqlHelperTelemetry.ScopeActivityName, ActivityKind.Internal, parentContext);
        Activity.Current = previous;
        if (activity is { IsAllDataRequested: true })
        {
            foreach (var tag in _telemetry.Tags)
                activity.SetTag(tag.Key, tag.Value);
            activity.SetTag("sqlhelper.scope.depth", lease.Depth);
            activity.SetTag("sqlhelper.scope.mode", _mode);
            activity.SetTag("sqlhelper.scope.joined", lease.IsJoined);
        }
        return activity;
    }

    public void ScopeOpened(ScopeLease lease, bool onReplica)
    {
        _counters.ScopeOpened();
        if (onReplica && !lease.IsJoined)
            _counters.ReplicaScopeOpened();
        if (_telemetry.Depth.Enabled)
            _telemetry.Depth.Record(lease.Depth, _telemetry.Tags);
        lease.Activity?.SetTag("sqlhelper.connection.id", lease.ConnectionId);
        if (Logger.IsEnabled(LogLevel.Trace))
            Log.ScopeOpened(Logger, lease.Id, lease.FlowId, lease.Depth, lease.ConnectionId ?? 0);
    }

    public void ScopeOpenFailed(ScopeLease lease, Exception exception)
    {
        if (lease.Activity is { } activity)
        {
            activity.SetStatus(ActivityStatusCode.Error, exception.Message);
            activity.AddException(exception);
            activity.Stop();
        }
    }

    public void ScopeClosed(ScopeLease lease, TimeSpan held)
    {
        _counters.ScopeClosed();
        if (_telemetry.HoldTime.Enabled)
            _telemetry.HoldTime.Record(held.TotalSeconds, _telemetry.Tags);
        lease.Activity?.Stop();
        if (lease.LeakReported)
            Log.ScopeLeakReleased(Logger, lease.Id, lease.FlowId, lease.Depth, held.TotalSeconds);
        if (Logger.IsEnabled(LogLevel.Trace))
            Log.ScopeClosed(Logger, lease.Id, lease.FlowId, lease.Depth, held.TotalSeconds);
    }

    public void ScopeMisnested(ScopeLease lease)
    {
        _counters.Misnested();
        Log.ScopeMisnested(Logger, lease.Id, lease.FlowId, lease.Depth);
    }

    public void ScopeReleaseFailed(ScopeLease lease, Exception exception) => Log.ScopeReleaseFailed(Logger, exception, lease.Id);

    public void ScopeStillOpenAtHelperDispose(SqlScopeInfo scope) =>
        Log.ScopeStillOpenAtHelperDispose(Logger, scope, scope.OpenSite is null ? "" : $", opened at:\n{scope.OpenSite}");

    public void AcquireWaited(TimeSpan waited)
    {
        _counters.AcquireWaited(waited);
        if (_telemetry.AcquireWait.Enabled)
            _telemetry.AcquireWait.Record(waited.TotalSeconds, _telemetry.Tags);
    }

    public void PoolExhausted(SqlPoolExhaustedException exception, bool timedOut)
    {
        if (timedOut)
            _counters.AcquireTimedOut();
        _counters.Exhausted();
        if (_telemetry.Exhaustions.Enabled)
            _telemetry.Exhaustions.Add(1, _telemetry.Tags);
        Log.PoolExhausted(Logger, exception.Message);
    }

    public void LeakSuspected(ScopeLease lease, TimeSpan age, string sites)
    {
        LeakCounted();
        Log.ScopeLeakSuspected(Logger, lease.Id, lease.FlowId, lease.Depth, lease.ConnectionId ?? 0, age.TotalSeconds, sites);
    }

    /// <summary>A scope was never disposed and became unreachable; its connection is being reclaimed.</summary>
    public void ScopeAbandoned(ScopeLease lease, TimeSpan age, string sites)
    {
        _counters.ScopeReclaimed();
        if (lease.IsJoined)
            return;
        if (lease.TryMarkLeakReported())
            LeakCounted();
        Log.ScopeAbandoned(Logger, lease.Id, lease.FlowId, lease.Depth, lease.ConnectionId ?? 0, age.TotalSeconds, sites);
    }

    public void SessionReset() => _counters.SessionReset();

    public void SessionResetSkipped() => _counters.SessionResetSkipped();

    public void ConnectionPinged() => _counters.ConnectionPinged();

    public void DiagnosticsCleared() => _counters.DiagnosticsCleared();

    public void DeadConnectionReplaced(string pool, int connectionId, TimeSpan idle)
    {
        _counters.DeadConnectionReplaced();
        Log.DeadConnectionReplaced(Logger, connectionId, pool, idle.TotalSeconds);
    }

    public void ReplicaFallback(string reason)
    {
        _counters.ReplicaFallback();
        if (_telemetry.ReplicaFallbacks.Enabled)
            _telemetry.ReplicaFallbacks.Add(1, _telemetry.Tags);
        Log.ReplicaFallback(Logger, reason);
    }

    public void ReplicaUnavailable(string replica, string reason) => Log.ReplicaUnavailable(Logger, replica, reason);

    public void ReplicaAvailable(string replica) => Log.ReplicaAvailable(Logger, replica);

    public void ReplicaLagUnreadable(string reason) => Log.ReplicaLagUnreadable(Logger, reason);

    public void ObserveReplicas(Func<int> availableReplicas) => _telemetry.ObserveReplicas(availableReplicas);

    public void TransactionRetried(int attempt, int maxAttempts, int errorNumber, TimeSpan pause) =>
        Log.TransactionRetry(Logger, attempt, maxAttempts, errorNumber, (int) pause.TotalMilliseconds);

    public void SelfDeadlockDetectionOff(string reason) => Log.SelfDeadlockDetectionOff(Logger, reason);

    public void SelfDeadlockCheckFailed(Exception exception) => Log.SelfDeadlockCheckFailed(Logger, exception);

    public void Dispose() => _telemetry.Dispose();

    private void LeakCounted()
    {
        _counters.LeakDetected();
        if (_telemetry.Leaks.Enabled)
            _telemetry.Leaks.Add(1, _telemetry.Tags);
    }
}

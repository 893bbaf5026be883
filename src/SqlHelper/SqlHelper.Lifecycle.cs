using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;
using SqlHelpers.Scopes;

namespace SqlHelpers;

// A scope's life: open (admission, pool, push), end (unlink), release (connection back exactly once), and reclaim
// when a scope was never disposed.
public sealed partial class SqlHelper
{
    /// <summary>Called by a scope that has just ended (on the flow that disposed it): unlinks it and reports misnesting.</summary>
    internal void OnScopeEnding(SqlScope scope)
    {
        if (!_ambient)
            return;
        if (scope.HasLiveChildren)
        {
            _counters.Misnested();
            Log.ScopeMisnested(_logger, scope.Lease.Id, scope.Lease.FlowId, scope.Depth);
        }
        _stack.Pop(scope);
        scope.Parent?.ChildEnded();
    }

    internal void Release(ScopeLease lease)
    {
        if (!lease.TryMarkReleased())
            return;
        try
        {
            if (!lease.IsJoined && lease.Connection is { } connection)
            {
                if (ResetsWhenDirty)
                    ResetIfDirty(lease, connection);
                connection.Dispose();   // rolls back an uncommitted transaction, returns the session to the pool
            }
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or IOException)
        {
            Log.ScopeReleaseFailed(_logger, ex, lease.Id);
        }
        finally
        {
            Closed(lease);
        }
    }

    internal async ValueTask ReleaseAsync(ScopeLease lease, MySqlCommand? command)
    {
        if (command is not null)
            await command.DisposeAsync().ConfigureAwait(false);
        if (!lease.TryMarkReleased())
            return;
        try
        {
            if (!lease.IsJoined && lease.Connection is { } connection)
            {
                if (ResetsWhenDirty)
                    await ResetIfDirtyAsync(lease, connection).ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or IOException)
        {
            Log.ScopeReleaseFailed(_logger, ex, lease.Id);
        }
        finally
        {
            Closed(lease);
        }
    }

    /// <summary>
    /// Called from the finalizer of a scope that was never disposed: reports the leak and returns its connection on the
    /// thread pool (no I/O on the finalizer thread). The lease, unlike the scope, is still reachable from the registry.
    /// </summary>
    internal void Reclaim(ScopeLease lease)
    {
        _counters.ScopeReclaimed();
        if (!lease.IsJoined)
            ReportAbandoned(lease);
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.helper.Release(state.lease), (helper: this, lease), preferLocal: false);
    }

    /// <summary>Opens a scope on the primary, on the calling flow's stack when <paramref name="push"/> is set.</summary>
    private SqlScope OpenCore(bool push) => OpenCore(push, PrimaryOnly);

    /// <summary>
    /// Opens a scope on the first of <paramref name="candidates"/> that gives a connection: a replica that cannot be
    /// reached is marked unavailable and the next candidate (finally the primary) is tried.
    /// </summary>
    private SqlScope OpenCore(bool push, ServerPool[] candidates)
    {
        ThrowIfDisposed();
        var parent = push ? _stack.PeekForPush() : null;
        var scope = NewScope(parent);
        var lease = scope.Lease;
        for (var i = 0; ; i++)
        {
            lease.Pool = candidates[i];
            try
            {
                Admit(lease, parent);
            }
            catch (Exception ex)
            {
                OpenFailed(scope, ex, admitted: false);
                throw;
            }
            try
            {
                scope.Activate(lease.Pool.Source.Open());
                break;
            }
            catch (MySqlException ex) when (i + 1 < candidates.Length)
            {
                ReleaseAdmission(lease);
                ReplicaFailed(lease.Pool, ex);
            }
            catch (Exception ex)
            {
                OpenFailed(scope, ex, admitted: true);
                throw;
            }
        }
        OnOpened(scope);
        if (push)
        {
            parent?.ChildStarted();
            _stack.Push(scope);
        }
        return scope;
    }

    private ValueTask<SqlScope> OpenCoreAsync(bool push, CancellationToken cancellationToken) => OpenCoreAsync(push, PrimaryOnly, cancellationToken);

    private ValueTask<SqlScope> OpenCoreAsync(bool push, ServerPool[] candidates, CancellationToken cancellationToken)
    {
        // Not an async method: the push below must land in the caller's flow. The scope goes on the stack now, still
        // opening (readers skip it), and becomes visible when the open completes; a failed open leaves it skipped forever.
        ThrowIfDisposed();
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<SqlScope>(cancellationToken);
        var parent = push ? _stack.PeekForPush() : null;
        var scope = NewScope(parent);
        if (push)
        {
            parent?.ChildStarted();
            _stack.Push(scope);
        }
        return CompleteOpenAsync(scope, parent, candidates, cancellationToken);
    }

    private async ValueTask<SqlScope> CompleteOpenAsync(SqlScope scope, SqlScope? parent, ServerPool[] candidates, CancellationToken cancellationToken)
    {
        var lease = scope.Lease;
        for (var i = 0; ; i++)
        {
            lease.Pool = candidates[i];
            try
            {
                await AdmitAsync(lease, parent, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                OpenFailed(scope, ex, admitted: false);
                scope.MarkFailed();
                throw;
            }
            try
            {
                scope.Activate(await lease.Pool.Source.OpenAsync(cancellationToken).ConfigureAwait(false));
                break;
            }
            catch (MySqlException ex) when (i + 1 < candidates.Length && !cancellationToken.IsCancellationRequested)
            {
                ReleaseAdmission(lease);
                ReplicaFailed(lease.Pool, ex);
            }
            catch (Exception ex)
            {
                OpenFailed(scope, ex, admitted: true);
                scope.MarkFailed();
                throw;
            }
        }
        OnOpened(scope);
        return scope;
    }

    /// <summary>Opens a scope nested in <paramref name="current"/> that shares the connection of <paramref name="target"/> (by default current's own).</summary>
    private SqlScope OpenJoined(SqlScope current, SqlScope? target = null)
    {
        ThrowIfDisposed();
        var owner = (target ?? current).Owner;
        var lease = NewLease(current, isJoined: true);
        lease.Pool = owner.Lease.Pool;
        var scope = new SqlScope(this, current, lease, joinTarget: owner);
        scope.Activate(owner.Lease.Connection!);
        OnOpened(scope);
        current.ChildStarted();
        _stack.Push(scope);
        return scope;
    }

    private SqlScope NewScope(SqlScope? parent) => new(this, parent, NewLease(parent, isJoined: false));

    private ScopeLease NewLease(SqlScope? parent, bool isJoined)
    {
        var id = Interlocked.Increment(ref _lastScopeId);
        var openSite = _options.CaptureOpenSite ? CaptureOpenSite() : null;
        var lease = new ScopeLease(id, parent?.Lease.FlowId ?? id, (parent?.Depth ?? 0) + 1, openSite, isJoined);
        if (SqlHelperTelemetry.Source.HasListeners())
            lease.Activity = StartActivity(lease, parent);
        return lease;
    }

    private void OnOpened(SqlScope scope)
    {
        _counters.ScopeOpened();
        if (scope.Lease.Pool!.IsReplica && !scope.IsJoined)
            _counters.ReplicaScopeOpened();
        var lease = scope.Lease;
        if (_telemetry.Depth.Enabled)
            _telemetry.Depth.Record(lease.Depth, _telemetry.Tags);
        lease.Activity?.SetTag("sqlhelper.connection.id", lease.ConnectionId);
        if (_logger.IsEnabled(LogLevel.Trace))
            Log.ScopeOpened(_logger, lease.Id, lease.FlowId, lease.Depth, lease.ConnectionId ?? 0);
    }

    private void OpenFailed(SqlScope scope, Exception exception, bool admitted)
    {
        var lease = scope.Lease;
        if (admitted)
            ReleaseAdmission(lease);
        if (exception is SqlPoolExhaustedException && _telemetry.Exhaustions.Enabled)
            _telemetry.Exhaustions.Add(1, _telemetry.Tags);
        if (lease.Activity is { } activity)
        {
            activity.SetStatus(ActivityStatusCode.Error, exception.Message);
            activity.AddException(exception);
            activity.Stop();
        }
        GC.SuppressFinalize(scope);
    }

    private void Closed(ScopeLease lease)
    {
        _counters.ScopeClosed();
        if (!lease.IsJoined)
            ReleaseAdmission(lease);
        if (_telemetry.HoldTime.Enabled)
            _telemetry.HoldTime.Record(lease.Age.TotalSeconds, _telemetry.Tags);
        lease.Activity?.Stop();
        if (lease.LeakReported)
            Log.ScopeLeakReleased(_logger, lease.Id, lease.FlowId, lease.Depth, lease.Age.TotalSeconds);
        if (_logger.IsEnabled(LogLevel.Trace))
            Log.ScopeClosed(_logger, lease.Id, lease.FlowId, lease.Depth, lease.Age.TotalSeconds);
    }

    private void ReleaseAdmission(ScopeLease lease)
    {
        lease.Pool!.Registry.Remove(lease);
        lease.Pool.Gate.Release();
    }
}

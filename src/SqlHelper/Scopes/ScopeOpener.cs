using System.Diagnostics;
using MySqlConnector;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;
using SqlHelpers.Routing;
using SqlHelpers.Utilities;

namespace SqlHelpers.Scopes;

/// <summary>
/// Creates scopes and puts them on the calling flow's stack: one open path for both behaviours. The router finds a new
/// scope a connection first, then the scope is pushed, before the open method returns to its caller: an asynchronous
/// open that has to wait is pushed while still opening (readers skip it), so that it lands in the caller's flow. A failed
/// open leaves nothing held.
/// </summary>
/// <remarks>
/// Pushing after the driver's open starts means the driver runs in the caller's execution context as it was (for an
/// outermost scope the default one), as a scope's close runs after its pop, and that a failed open is never linked.
/// A raw open and close run a little slower while an <see cref="AsyncLocal{T}"/> holds a value (≈ 10 ns for a reopened
/// object here, more for a new one).
/// </remarks>
internal sealed class ScopeOpener
{
    private readonly ScopeStack? _stack;
    private readonly ScopeRouter _router;
    private readonly ScopeEvents _events;
    private readonly Clock _clock;
    private readonly bool _captureOpenSite;
    private long _lastScopeId;

    public ScopeOpener(ScopeStack? stack, ScopeRouter router, ScopeEvents events, Clock clock, bool captureOpenSite)
    {
        _stack = stack;
        _router = router;
        _events = events;
        _clock = clock;
        _captureOpenSite = captureOpenSite;
    }

    /// <summary>Opens a scope synchronously, on the calling flow's stack when <paramref name="push"/> is set.</summary>
    public SqlScope Open(bool push, ScopePool[] candidates)
    {
        var (scope, parent) = Start(push);
        CompleteAsync(scope, parent, candidates, IOBehavior.Synchronous, CancellationToken.None).RunSynchronously();
        if (push)
            _stack!.Push(scope);   // after a successful open only: a failed scope is never linked
        return scope;
    }

    /// <summary>
    /// Asynchronously opens a scope. Not an async method: the push must land in the caller's flow; the scope becomes
    /// visible there when the returned task completes.
    /// </summary>
    public ValueTask<SqlScope> OpenAsync(bool push, ScopePool[] candidates, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<SqlScope>(cancellationToken);
        var (scope, parent) = Start(push);
        var open = CompleteAsync(scope, parent, candidates, IOBehavior.Asynchronous, cancellationToken);   // throws when it failed at once
        if (push)
            _stack!.Push(scope);
        return open;
    }

    /// <summary>Opens a scope nested in <paramref name="current"/> that shares the connection of <paramref name="target"/> (by default current's own).</summary>
    public SqlScope OpenJoined(SqlScope current, SqlScope? target = null)
    {
        var owner = (target ?? current).Owner;
        var lease = NewLease(current, isJoined: true);
        lease.Pool = owner.Lease.Pool;
        var scope = new SqlScope(_stack, current, lease, joinTarget: owner);
        scope.Activate(owner.Lease.Connection!, owner.Lease.ConnectionId ?? 0);
        _events.ScopeOpened(lease, onReplica: lease.Pool!.IsReplica);
        current.ChildStarted();
        _stack?.Push(scope);
        return scope;
    }

    /// <summary>Creates a scope nested in the calling flow's innermost one (when <paramref name="push"/>); the caller pushes it once its open started.</summary>
    private (SqlScope Scope, SqlScope? Parent) Start(bool push)
    {
        var parent = push ? _stack!.PeekForPush() : null;
        var scope = new SqlScope(push ? _stack : null, parent, NewLease(parent, isJoined: false));
        if (push)
            parent?.ChildStarted();
        return (scope, parent);
    }

    private ValueTask<SqlScope> CompleteAsync(SqlScope scope, SqlScope? parent, ScopePool[] candidates, IOBehavior io, CancellationToken cancellationToken)
    {
        // Not an async method: when the open completes at once (a free slot, a pooled connection), no state machine runs.
        try
        {
            var open = _router.OpenAsync(scope.Lease, parent, candidates, io, cancellationToken);
            if (!open.IsCompletedSuccessfully)
                return CompleteAfterOpenAsync(scope, open);
            Activate(scope, open.Result);
        }
        catch (Exception ex)
        {
            OpenFailed(scope, ex);
            throw;
        }
        return new ValueTask<SqlScope>(Opened(scope));
    }

    private async ValueTask<SqlScope> CompleteAfterOpenAsync(SqlScope scope, ValueTask<MySqlConnection> open)
    {
        try
        {
            Activate(scope, await open.ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            OpenFailed(scope, ex);
            throw;
        }
        return Opened(scope);
    }

    private static void Activate(SqlScope scope, MySqlConnection connection) =>
        scope.Activate(connection, scope.Lease.Pool!.Source.ConnectionIdOf(connection));

    private void OpenFailed(SqlScope scope, Exception exception)
    {
        scope.MarkFailed();
        _events.ScopeOpenFailed(scope.Lease, exception);
    }

    private SqlScope Opened(SqlScope scope)
    {
        _events.ScopeOpened(scope.Lease, onReplica: scope.Lease.Pool!.IsReplica);
        return scope;
    }

    private ScopeLease NewLease(SqlScope? parent, bool isJoined)
    {
        var id = Interlocked.Increment(ref _lastScopeId);
        var lease = new ScopeLease(id, parent?.Lease.FlowId ?? id, (parent?.Depth ?? 0) + 1, _clock.NowMilliseconds,
            _captureOpenSite ? CaptureOpenSite() : null, isJoined);
        lease.Activity = _events.StartScopeActivity(lease, parent?.Lease);
        return lease;
    }

    /// <summary>The stack of the user code that opened a scope, without SqlHelper's own frames.</summary>
    private static string CaptureOpenSite()
    {
        var frames = new StackTrace(1, fNeedFileInfo: true).GetFrames()
            .SkipWhile(static f => f.GetMethod()?.DeclaringType?.Assembly == typeof(ScopeOpener).Assembly);
        return new StackTrace(frames).ToString();
    }
}

using System.Diagnostics;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;
using SqlHelpers.Scopes;

namespace SqlHelpers;

// Admission: may a scope at this depth take a connection now, wait, or fail (and with what message)?
public sealed partial class SqlHelper
{
    /// <summary>
    /// The number of held connections below which a scope at <paramref name="depth"/> is admitted:
    /// <c>MaxConnections - max(0, ReservedForNested - (depth - 1))</c>. Outermost scopes leave the reserve to nested ones,
    /// one connection fewer per level, which makes nesting up to <c>ReservedForNested + 1</c> deep deadlock-free.
    /// </summary>
    internal int LimitFor(int depth) => _options.MaxConnections - Math.Max(0, _reservedForNested - (depth - 1));

    private void Admit(ScopeLease lease, SqlScope? parent)
    {
        var limit = LimitFor(lease.Depth);
        if (!_gate.TryEnter(limit))
            WaitForAdmission(lease, parent, limit);
        _registry.Add(lease);
    }

    private void WaitForAdmission(ScopeLease lease, SqlScope? parent, int limit)
    {
        var heldByThisFlow = CountHeldBy(parent, out var allOpenedOnThisThread);
        // A synchronous open on the thread that opened every scope of its stack blocks the only code that could release
        // them: when those scopes alone fill the limit, waiting can never end.
        if (heldByThisFlow >= limit && allOpenedOnThisThread)
            throw Exhausted(ExhaustionReason.WouldDeadlock, lease.Depth, limit, heldByThisFlow);
        if (!_options.Blocking)
            throw Exhausted(ExhaustionReason.NotBlocking, lease.Depth, limit, heldByThisFlow);

        var start = Stopwatch.GetTimestamp();
        var waiter = _gate.Enqueue(limit);
        if (!waiter.Task.IsCompleted && !waiter.Task.Wait(_options.AcquireTimeout) && _gate.TryCancel(waiter))
        {
            _counters.AcquireTimedOut();
            throw Exhausted(ExhaustionReason.TimedOut, lease.Depth, limit, CountHeldBy(parent, out _));
        }
        waiter.Task.GetAwaiter().GetResult();
        _counters.AcquireWaited(start);
    }

    private async ValueTask AdmitAsync(ScopeLease lease, SqlScope? parent, CancellationToken cancellationToken)
    {
        var limit = LimitFor(lease.Depth);
        if (!_gate.TryEnter(limit))
            await WaitForAdmissionAsync(lease, parent, limit, cancellationToken).ConfigureAwait(false);
        _registry.Add(lease);
    }

    private async ValueTask WaitForAdmissionAsync(ScopeLease lease, SqlScope? parent, int limit, CancellationToken cancellationToken)
    {
        // An async flow cannot tell whether it owns the scopes on its stack or inherited them from a parent flow that may
        // still release them, so it never fails early for a deadlock; the timeout message says when one is likely.
        if (!_options.Blocking)
            throw Exhausted(ExhaustionReason.NotBlocking, lease.Depth, limit, CountHeldBy(parent, out _));

        var start = Stopwatch.GetTimestamp();
        var waiter = _gate.Enqueue(limit);
        if (!waiter.Task.IsCompleted)
        {
            try
            {
                await waiter.Task.WaitAsync(_options.AcquireTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException) when (_gate.TryCancel(waiter))
            {
                _counters.AcquireTimedOut();
                throw Exhausted(ExhaustionReason.TimedOut, lease.Depth, limit, CountHeldBy(parent, out _));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                if (!_gate.TryCancel(waiter))
                    _gate.Release();
                throw;
            }
            catch (TimeoutException)
            {
                // Admitted in the same instant the wait timed out: keep the slot.
            }
        }
        await waiter.Task.ConfigureAwait(false);
        _counters.AcquireWaited(start);
    }

    /// <summary>Counts the connections held by live scopes on the stack that starts at <paramref name="scope"/>.</summary>
    private static int CountHeldBy(SqlScope? scope, out bool allOpenedOnThisThread)
    {
        var count = 0;
        var thread = Environment.CurrentManagedThreadId;
        allOpenedOnThisThread = true;
        for (; scope is not null; scope = scope.Parent)
        {
            if (!scope.IsOpen)
                continue;
            count++;
            allOpenedOnThisThread &= scope.Lease.ThreadId == thread;
        }
        return count;
    }

    private SqlPoolExhaustedException Exhausted(ExhaustionReason reason, int depth, int limit, int heldByThisFlow)
    {
        _counters.Exhausted();
        var exception = ExhaustionReport.Create(reason, depth, limit, heldByThisFlow, _registry.Snapshot(), _options);
        Log.PoolExhausted(_logger, exception.Message);
        return exception;
    }
}

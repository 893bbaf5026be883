using System.Diagnostics;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;
using SqlHelpers.Scopes;

namespace SqlHelpers;

// Admission: may a scope at this depth take a connection now, wait, or fail (and with what message)?
public sealed partial class SqlHelper
{
    /// <summary>The admission limit of the primary for a scope at <paramref name="depth"/>; see <see cref="ServerPool.LimitFor"/>.</summary>
    internal int LimitFor(int depth) => _primary.LimitFor(depth);

    private void Admit(ScopeLease lease, SqlScope? parent)
    {
        var pool = lease.Pool!;
        var limit = pool.LimitFor(lease.Depth);
        if (!pool.Gate.TryEnter(limit))
            WaitForAdmission(lease, parent, limit);
        pool.Registry.Add(lease);
    }

    private void WaitForAdmission(ScopeLease lease, SqlScope? parent, int limit)
    {
        var gate = lease.Pool!.Gate;
        var heldByThisFlow = CountHeldBy(parent, lease.Pool, out var allOpenedOnThisThread);
        // A synchronous open on the thread that opened every scope of its stack blocks the only code that could release
        // them: when those scopes alone fill the limit, waiting can never end. Not on a thread-pool thread: there a child
        // flow (Task.Run) often runs on the very thread its parent used, and the parent may still release.
        if (heldByThisFlow >= limit && allOpenedOnThisThread && !Thread.CurrentThread.IsThreadPoolThread)
            throw Exhausted(ExhaustionReason.WouldDeadlock, lease, limit, heldByThisFlow);
        if (!_options.Blocking)
            throw Exhausted(ExhaustionReason.NotBlocking, lease, limit, heldByThisFlow);

        var start = Stopwatch.GetTimestamp();
        var waiter = gate.Enqueue(limit);
        if (!waiter.Task.IsCompleted && !waiter.Task.Wait(_options.AcquireTimeout) && gate.TryCancel(waiter))
        {
            _counters.AcquireTimedOut();
            throw Exhausted(ExhaustionReason.TimedOut, lease, limit, CountHeldBy(parent, lease.Pool, out _));
        }
        waiter.Task.GetAwaiter().GetResult();
        Waited(start);
    }

    private async ValueTask AdmitAsync(ScopeLease lease, SqlScope? parent, CancellationToken cancellationToken)
    {
        var pool = lease.Pool!;
        var limit = pool.LimitFor(lease.Depth);
        if (!pool.Gate.TryEnter(limit))
            await WaitForAdmissionAsync(lease, parent, limit, cancellationToken).ConfigureAwait(false);
        pool.Registry.Add(lease);
    }

    private async ValueTask WaitForAdmissionAsync(ScopeLease lease, SqlScope? parent, int limit, CancellationToken cancellationToken)
    {
        // An async flow cannot tell whether it owns the scopes on its stack or inherited them from a parent flow that may
        // still release them, so it never fails early for a deadlock; the timeout message says when one is likely.
        var gate = lease.Pool!.Gate;
        if (!_options.Blocking)
            throw Exhausted(ExhaustionReason.NotBlocking, lease, limit, CountHeldBy(parent, lease.Pool, out _));

        var start = Stopwatch.GetTimestamp();
        var waiter = gate.Enqueue(limit);
        if (!waiter.Task.IsCompleted)
        {
            try
            {
                await waiter.Task.WaitAsync(_options.AcquireTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException) when (gate.TryCancel(waiter))
            {
                _counters.AcquireTimedOut();
                throw Exhausted(ExhaustionReason.TimedOut, lease, limit, CountHeldBy(parent, lease.Pool, out _));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                if (!gate.TryCancel(waiter))
                    gate.Release();
                throw;
            }
            catch (TimeoutException)
            {
                // Admitted in the same instant the wait timed out: keep the slot.
            }
        }
        await waiter.Task.ConfigureAwait(false);
        Waited(start);
    }

    private void Waited(long startTimestamp)
    {
        _counters.AcquireWaited(startTimestamp);
        if (_telemetry.AcquireWait.Enabled)
            _telemetry.AcquireWait.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, _telemetry.Tags);
    }

    /// <summary>Counts the connections of <paramref name="pool"/> held by live scopes on the stack that starts at <paramref name="scope"/>.</summary>
    private static int CountHeldBy(SqlScope? scope, ServerPool pool, out bool allOpenedOnThisThread)
    {
        var count = 0;
        var thread = Environment.CurrentManagedThreadId;
        allOpenedOnThisThread = true;
        for (; scope is not null; scope = scope.Parent)
        {
            if (!scope.IsOpen || scope.IsJoined || scope.Lease.Pool != pool)
                continue;
            count++;
            allOpenedOnThisThread &= scope.Lease.ThreadId == thread;
        }
        return count;
    }

    private SqlPoolExhaustedException Exhausted(ExhaustionReason reason, ScopeLease lease, int limit, int heldByThisFlow)
    {
        _counters.Exhausted();
        var pool = lease.Pool!;
        var exception = ExhaustionReport.Create(reason, lease.Depth, limit, heldByThisFlow, pool.Registry.Snapshot(), pool, _options);
        Log.PoolExhausted(_logger, exception.Message);
        return exception;
    }
}

using SqlHelpers.Pooling;
using SqlHelpers.Tests.Infrastructure;
using SqlHelpers.Utilities;

namespace SqlHelpers.Tests.Pooling;

/// <summary>
/// The admission gate alone, on a manual clock: bounded barging, the strict handoff after the window, the depth limits,
/// timeouts, cancellation and failure. No server; a synchronous waiter that nobody waits on stands for a parked thread.
/// </summary>
public sealed class AdmissionGateTests
{
    private static readonly TimeSpan SyncWindow = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan AsyncWindow = TimeSpan.FromMilliseconds(1);

    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void Release_OldestWaiterWithinItsWindow_OffersTheSlotAndARunningFlowMayTakeIt()
    {
        using var gate = NewGate(Timeout.InfiniteTimeSpan);
        Assert.True(gate.TryEnter(1));
        var parked = gate.Enqueue(1, IOBehavior.Synchronous);

        gate.Release();

        Assert.Equal(AdmissionOutcome.Pending, parked.Outcome);   // nothing reserved for it
        Assert.Equal(0, gate.Held);
        Assert.True(gate.TryEnter(1));                            // the releasing flow opens again at once
        Assert.Equal(AdmissionOutcome.Pending, parked.Outcome);
    }

    [Fact]
    public void Release_OldestWaiterPastItsWindow_HandsTheSlotOverAndNewcomersQueue()
    {
        using var gate = NewGate(Timeout.InfiniteTimeSpan);
        Assert.True(gate.TryEnter(1));
        var first = gate.Enqueue(1, IOBehavior.Synchronous);
        var second = gate.Enqueue(1, IOBehavior.Synchronous);
        _time.Advance(SyncWindow);

        gate.Release();

        Assert.Equal(AdmissionOutcome.Admitted, first.Outcome);
        Assert.Equal(AdmissionOutcome.Pending, second.Outcome);
        Assert.Equal(1, gate.Held);
        Assert.False(gate.TryEnter(2));                           // strict: a free slot is not taken past a late waiter
        gate.Release();
        Assert.Equal(AdmissionOutcome.Admitted, second.Outcome);
    }

    [Fact]
    public void TryEnter_AsynchronousWaiterPastItsShorterWindow_RefusesANewcomer()
    {
        using var gate = NewGate(Timeout.InfiniteTimeSpan);
        Assert.True(gate.TryEnter(2));
        _ = gate.Enqueue(1, IOBehavior.Asynchronous);             // cannot fit: its limit is 1, one slot is held

        Assert.True(gate.TryEnter(2));                            // within the window: a nested newcomer gets the second slot
        gate.Release();
        _time.Advance(AsyncWindow);

        Assert.False(gate.TryEnter(2));
    }

    [Fact]
    public void Release_Strict_AdmitsANestedWaiterThatFitsBehindAnOutermostOneThatDoesNot()
    {
        using var gate = NewGate(Timeout.InfiniteTimeSpan);
        Assert.True(gate.TryEnter(2));
        Assert.True(gate.TryEnter(2));
        var outermost = gate.Enqueue(1, IOBehavior.Synchronous);
        var nested = gate.Enqueue(2, IOBehavior.Synchronous);
        _time.Advance(SyncWindow);

        gate.Release();

        Assert.Equal(AdmissionOutcome.Pending, outermost.Outcome);
        Assert.Equal(AdmissionOutcome.Admitted, nested.Outcome);
        Assert.Equal(2, gate.Held);
    }

    [Fact]
    public void Waiter_NobodyReleases_TimesOutAtTheAcquireTimeoutAndHoldsNothing()
    {
        using var gate = NewGate(TimeSpan.FromMilliseconds(100));
        Assert.True(gate.TryEnter(1));
        var parked = gate.Enqueue(1, IOBehavior.Synchronous);

        _time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(AdmissionOutcome.Pending, parked.Outcome);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(AdmissionOutcome.TimedOut, parked.Outcome);
        gate.Release();
        Assert.Equal(0, gate.Held);
        Assert.True(gate.TryEnter(1));                            // no waiter is left to defer to
    }

    [Fact]
    public void Waiters_TimeOutOldestFirst_EachAfterItsOwnAcquireTimeout()
    {
        using var gate = NewGate(TimeSpan.FromMilliseconds(100));
        Assert.True(gate.TryEnter(1));
        var first = gate.Enqueue(1, IOBehavior.Synchronous);
        _time.Advance(TimeSpan.FromMilliseconds(60));
        var second = gate.Enqueue(1, IOBehavior.Synchronous);

        _time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.Equal(AdmissionOutcome.TimedOut, first.Outcome);
        Assert.Equal(AdmissionOutcome.Pending, second.Outcome);

        _time.Advance(TimeSpan.FromMilliseconds(60));
        Assert.Equal(AdmissionOutcome.TimedOut, second.Outcome);
    }

    [Fact]
    public void TryCancel_QueuedWaiter_RemovesItAndANewcomerIsNoLongerHeldBack()
    {
        using var gate = NewGate(Timeout.InfiniteTimeSpan);
        Assert.True(gate.TryEnter(1));
        var parked = gate.Enqueue(1, IOBehavior.Synchronous);
        _time.Advance(SyncWindow);

        Assert.True(gate.TryCancel(parked));
        Assert.False(gate.TryCancel(parked));

        Assert.Equal(AdmissionOutcome.Canceled, parked.Outcome);
        gate.Release();
        Assert.True(gate.TryEnter(1));
    }

    [Fact]
    public void TryCancel_AfterTheWaiterWasAdmitted_ReturnsFalseAndTheSlotStaysItsOwn()
    {
        using var gate = NewGate(Timeout.InfiniteTimeSpan);
        Assert.True(gate.TryEnter(1));
        var parked = gate.Enqueue(1, IOBehavior.Synchronous);
        _time.Advance(SyncWindow);
        gate.Release();

        Assert.False(gate.TryCancel(parked));
        Assert.Equal(AdmissionOutcome.Admitted, parked.Outcome);
        Assert.Equal(1, gate.Held);
    }

    [Fact]
    public void FailAll_FailsEveryWaiterWithTheException()
    {
        using var gate = NewGate(Timeout.InfiniteTimeSpan);
        Assert.True(gate.TryEnter(1));
        var a = gate.Enqueue(1, IOBehavior.Synchronous);
        var b = gate.Enqueue(1, IOBehavior.Asynchronous);
        var exception = new ObjectDisposedException("SqlHelper");

        gate.FailAll(exception);

        Assert.Equal(AdmissionOutcome.Failed, a.Outcome);
        Assert.Equal(AdmissionOutcome.Failed, b.Outcome);
        Assert.Same(exception, a.Error!.SourceException);
    }

    [Fact]
    public async Task WaitAsync_AsynchronousWaiterHandedASlot_CompletesAdmitted()
    {
        using var gate = NewGate(Timeout.InfiniteTimeSpan);
        Assert.True(gate.TryEnter(1));
        var waiter = gate.Enqueue(1, IOBehavior.Asynchronous);
        var wait = waiter.WaitAsync().AsTask();
        _time.Advance(AsyncWindow);

        gate.Release();

        Assert.Equal(AdmissionOutcome.Admitted, await wait.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, gate.Held);
    }

    [Fact]
    public async Task WaitAsync_SynchronousWaiterOfferedASlot_TakesItWhenNobodyElseDoes()
    {
        using var gate = NewGate(Timeout.InfiniteTimeSpan);
        Assert.True(gate.TryEnter(1));
        var waiter = gate.Enqueue(1, IOBehavior.Synchronous);
        var blocked = Task.Factory.StartNew(() => waiter.WaitAsync().Result, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        gate.Release();                                           // within the window: an offer, not a handoff

        Assert.Equal(AdmissionOutcome.Admitted, await blocked.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, gate.Held);
    }

    [Fact]
    public async Task ManySyncAndAsyncFlows_RealClock_EveryEntryAdmittedOnceAndTheLimitNeverPassed()
    {
        // Windows of 1 ms on the real clock switch the gate between barging and strict all the time.
        using var gate = new AdmissionGate(Clock.System, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1));
        const int limit = 4;
        const int rounds = 400;
        var inside = 0;
        var mostInside = 0;
        var entries = 0;

        async Task EnterAsync(IOBehavior io)
        {
            if (!gate.TryEnter(limit))
            {
                var waiter = gate.Enqueue(limit, io);
                var outcome = waiter.Outcome == AdmissionOutcome.Pending ? await waiter.WaitAsync() : waiter.Outcome;
                Assert.Equal(AdmissionOutcome.Admitted, outcome);
            }
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref mostInside, now);
            Interlocked.Increment(ref entries);
        }

        void Leave()
        {
            Interlocked.Decrement(ref inside);
            gate.Release();
        }

        var asyncFlows = Enumerable.Range(0, 24).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < rounds; i++)
            {
                await EnterAsync(IOBehavior.Asynchronous);
                await Task.Yield();
                Thread.SpinWait(500);   // hold the slot a little, so waits cross the windows both ways
                Leave();
            }
        }));
        var syncFlows = Enumerable.Range(0, 6).Select(_ => Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < rounds; i++)
            {
                EnterAsync(IOBehavior.Synchronous).GetAwaiter().GetResult();
                Thread.SpinWait(500);
                Leave();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));

        await Task.WhenAll(asyncFlows.Concat(syncFlows)).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(30 * rounds, entries);
        Assert.InRange(mostInside, 1, limit);
        Assert.Equal(0, gate.Held);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
                return;
            seen = previous;
        }
    }

    private AdmissionGate NewGate(TimeSpan acquireTimeout) => new(new Clock(_time), acquireTimeout, SyncWindow, AsyncWindow);
}

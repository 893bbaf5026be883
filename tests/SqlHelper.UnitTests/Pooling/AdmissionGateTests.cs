using SqlHelpers.Pooling;
using SqlHelpers.Utilities;

namespace SqlHelpers.UnitTests.Pooling;

/// <summary>
/// The admission gate alone, on a fake clock: the depth limits, strict handoff in order (without a barge window, and after
/// it), bounded barging within the window, timeouts, cancellation and failure. A synchronous waiter that nobody waits on
/// stands for a parked thread.
/// </summary>
[Collection(StressCollection.Name)]
public sealed class AdmissionGateTests
{
    private static readonly TimeSpan SyncWindow = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan AsyncWindow = TimeSpan.FromMilliseconds(1);

    private readonly TestTimeProvider _time = new();

    [Fact]
    public void TryEnter_BelowLimit_TakesSlotsUpToTheLimitOnly()
    {
        var gate = StrictGate();

        Assert.True(gate.TryEnter(2));
        Assert.True(gate.TryEnter(2));
        Assert.False(gate.TryEnter(2));
        Assert.Equal(2, gate.Held);
    }

    [Fact]
    public void Enqueue_SlotFreeAndNobodyQueued_IsAdmittedAtOnce()
    {
        var gate = StrictGate();

        var waiter = gate.Enqueue(1, IOBehavior.Asynchronous);

        Assert.Equal(AdmissionOutcome.Admitted, waiter.Outcome);
        Assert.False(waiter.Queued);
        Assert.Equal(1, gate.Held);
    }

    [Fact]
    public void Release_SeveralQueued_HandsEachSlotToTheOldestWaiterInTurn()
    {
        // Given one slot held and three waiters queued in order
        var gate = StrictGate();
        Assert.True(gate.TryEnter(1));
        var waiters = new[] { gate.Enqueue(1, IOBehavior.Asynchronous), gate.Enqueue(1, IOBehavior.Asynchronous), gate.Enqueue(1, IOBehavior.Asynchronous) };
        Assert.All(waiters, w => Assert.Equal(AdmissionOutcome.Pending, w.Outcome));

        // When the slot is released three times, Then each release admits exactly the oldest waiter left
        for (var i = 0; i < waiters.Length; i++)
        {
            gate.Release();
            for (var j = 0; j < waiters.Length; j++)
                Assert.Equal(j <= i, waiters[j].Outcome != AdmissionOutcome.Pending);
            Assert.Equal(1, gate.Held);   // handed over, never freed in between
        }
        gate.Release();
        Assert.Equal(0, gate.Held);
    }

    [Fact]
    public void TryEnter_SomebodyQueued_NewcomerDoesNotOvertakeEvenBelowItsLimit()
    {
        var gate = StrictGate();
        Assert.True(gate.TryEnter(2));
        Assert.True(gate.TryEnter(2));
        var waiter = gate.Enqueue(2, IOBehavior.Asynchronous);

        // A newcomer whose limit would let it in takes the queue, not the fast path.
        Assert.False(gate.TryEnter(2));
        gate.Release();

        Assert.Equal(AdmissionOutcome.Admitted, waiter.Outcome);
        Assert.Equal(2, gate.Held);
    }

    [Fact]
    public void Release_NestedWaiterBehindOutermostOne_NestedIsAdmittedPastItByItsHigherLimit()
    {
        // Given MaxConnections 3 with one reserved for nested scopes: outermost scopes are admitted below 2, nested below 3
        const int outermostLimit = 2;
        const int nestedLimit = 3;
        var gate = StrictGate();
        for (var i = 0; i < 3; i++)
            Assert.True(gate.TryEnter(nestedLimit));
        var outermost = gate.Enqueue(outermostLimit, IOBehavior.Asynchronous);
        var nested = gate.Enqueue(nestedLimit, IOBehavior.Asynchronous);

        // When one connection is released
        gate.Release();

        // Then the nested waiter gets it although it queued later; the outermost one keeps waiting for the reserve to free up
        Assert.Equal(AdmissionOutcome.Admitted, nested.Outcome);
        Assert.Equal(AdmissionOutcome.Pending, outermost.Outcome);
        Assert.Equal(3, gate.Held);
        gate.Release();
        Assert.Equal(AdmissionOutcome.Pending, outermost.Outcome);   // 2 held: still not below 2
        gate.Release();
        Assert.Equal(AdmissionOutcome.Admitted, outermost.Outcome);
        Assert.Equal(2, gate.Held);
    }

    [Fact]
    public void Enqueue_NestedNewcomerWhileOutermostWaits_IsAdmittedAtOnceIntoTheReserve()
    {
        var gate = StrictGate();
        Assert.True(gate.TryEnter(2));
        Assert.True(gate.TryEnter(2));
        var outermost = gate.Enqueue(2, IOBehavior.Asynchronous);

        var nested = gate.Enqueue(3, IOBehavior.Asynchronous);

        Assert.Equal(AdmissionOutcome.Admitted, nested.Outcome);
        Assert.Equal(AdmissionOutcome.Pending, outermost.Outcome);
        Assert.Equal(3, gate.Held);
    }

    [Fact]
    public void TryCancel_QueuedWaiter_LeavesTheQueueAndTheNextWaiterGetsTheSlot()
    {
        var gate = StrictGate();
        Assert.True(gate.TryEnter(1));
        var first = gate.Enqueue(1, IOBehavior.Asynchronous);
        var second = gate.Enqueue(1, IOBehavior.Asynchronous);

        Assert.True(gate.TryCancel(first));
        gate.Release();

        Assert.Equal(AdmissionOutcome.Canceled, first.Outcome);   // it left holding nothing
        Assert.Equal(AdmissionOutcome.Admitted, second.Outcome);
        Assert.Equal(1, gate.Held);
        Assert.False(gate.TryCancel(first));   // a second cancel finds nothing
    }

    [Fact]
    public void TryCancel_AlreadyAdmitted_ReturnsFalseAndTheCallerOwnsTheSlot()
    {
        var gate = StrictGate();
        Assert.True(gate.TryEnter(1));
        var waiter = gate.Enqueue(1, IOBehavior.Asynchronous);
        gate.Release();

        Assert.False(gate.TryCancel(waiter));
        Assert.Equal(AdmissionOutcome.Admitted, waiter.Outcome);
        Assert.Equal(1, gate.Held);
    }

    [Fact]
    public async Task TryCancel_RacingRelease_SlotIsNeverLostNorDoubled()
    {
        // Given, each round, one held slot and one waiter; When one thread releases the slot while another cancels the
        // waiter, as ScopePool does on cancellation (give the slot back when the waiter was admitted in the same instant)
        const int rounds = 300;
        var gate = StrictGate();
        var cancelled = 0;
        var admitted = 0;
        using var start = new Barrier(2);
        using var end = new Barrier(2);
        var releaser = Flows.RunOnOwnThread(() =>
        {
            for (var i = 0; i < rounds; i++)
            {
                start.SignalAndWait();
                gate.Release();
                end.SignalAndWait();
            }
        });
        var canceller = Flows.RunOnOwnThread(() =>
        {
            for (var i = 0; i < rounds; i++)
            {
                Assert.True(gate.TryEnter(1));
                var waiter = gate.Enqueue(1, IOBehavior.Asynchronous);
                Assert.Equal(AdmissionOutcome.Pending, waiter.Outcome);
                start.SignalAndWait();
                if (gate.TryCancel(waiter))
                {
                    cancelled++;
                    Assert.Equal(AdmissionOutcome.Canceled, waiter.Outcome);
                }
                else
                {
                    admitted++;
                    Assert.Equal(AdmissionOutcome.Admitted, waiter.Outcome);
                    gate.Release();
                }
                end.SignalAndWait();
                // Then nothing is held and the next round starts from a clean gate
                Assert.Equal(0, gate.Held);
            }
        });

        await TestTime.AllBounded([releaser, canceller]);

        Assert.Equal(rounds, cancelled + admitted);
        Assert.Equal(0, gate.Held);
        Assert.True(gate.TryEnter(1));
        Assert.False(gate.TryEnter(1));
    }

    [Fact]
    public async Task EnterAndRelease_ManyThreads_NeverMoreHeldThanTheLimitAndNothingLeftHeld()
    {
        const int limit = 3;
        const int threads = 8;
        const int rounds = 300;
        var gate = StrictGate();
        var inside = 0;
        var maxInside = 0;
        var workers = Enumerable.Range(0, threads).Select(_ => Flows.RunOnOwnThread(() =>
        {
            for (var i = 0; i < rounds; i++)
            {
                if (!gate.TryEnter(limit))
                {
                    var wait = gate.Enqueue(limit, IOBehavior.Asynchronous).WaitAsync().AsTask();
                    Assert.True(wait.Wait(TestTime.SafetyNet));
                    Assert.Equal(AdmissionOutcome.Admitted, wait.Result);
                }
                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref maxInside, now);
                Assert.True(gate.Held <= limit);
                Interlocked.Decrement(ref inside);
                gate.Release();
            }
        }));

        await TestTime.AllBounded(workers);

        Assert.InRange(maxInside, 1, limit);
        Assert.Equal(0, gate.Held);
        Assert.True(gate.TryEnter(1));   // nobody is left counted as waiting
    }

    [Fact]
    public async Task FailAll_QueuedWaiters_FailsEachWithTheExceptionAndFreesNothing()
    {
        var gate = StrictGate();
        Assert.True(gate.TryEnter(1));
        var first = gate.Enqueue(1, IOBehavior.Asynchronous);
        var second = gate.Enqueue(1, IOBehavior.Asynchronous);
        var exception = new ObjectDisposedException("SqlHelper");

        gate.FailAll(exception);

        Assert.Equal(AdmissionOutcome.Failed, await first.WaitAsync().Bounded());
        Assert.Equal(AdmissionOutcome.Failed, second.Outcome);
        Assert.Same(exception, first.Error!.SourceException);
        Assert.Same(exception, second.Error!.SourceException);
        Assert.False(gate.TryCancel(first));
        Assert.Equal(1, gate.Held);
        gate.Release();
        Assert.Equal(0, gate.Held);
        Assert.True(gate.TryEnter(1));   // the fast path is open again: no waiter is still counted
    }

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

    [Theory]
    [InlineData(250, -1, 250)]       // no timeout: the window as it is
    [InlineData(250, 15_000, 250)]   // the default timeout is far longer
    [InlineData(250, 1_000, 250)]    // exactly four windows
    [InlineData(250, 100, 25)]       // a short timeout: a quarter of it
    [InlineData(1, 2, 0)]            // half a millisecond: the gate counts whole milliseconds, so strict
    [InlineData(250, 0, 0)]          // no wait at all: strict
    public void Windows_AreAsGivenButAtMostAQuarterOfTheAcquireTimeout(double windowMs, double timeoutMs, double expectedMs)
    {
        var timeout = timeoutMs < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(timeoutMs);
        var window = TimeSpan.FromMilliseconds(windowMs);

        using var gate = new AdmissionGate(new Clock(_time), timeout, window, window);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), gate.SynchronousBargeWindow);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), gate.AsynchronousBargeWindow);
    }

    [Fact]
    public void Release_ShortAcquireTimeout_OverlyBargedWaiterIsHandedASlotWellBeforeItTimesOut()
    {
        // A blocked waiter with a 100 ms timeout: the gate turns strict after 25 ms, not after the default 250 ms.
        using var gate = new AdmissionGate(new Clock(_time), TimeSpan.FromMilliseconds(100), AdmissionGate.DefaultSynchronousBargeWindow, AsyncWindow);
        Assert.True(gate.TryEnter(1));
        var waiter = gate.Enqueue(1, IOBehavior.Synchronous);
        gate.Release();
        Assert.True(gate.TryEnter(1));                            // within 25 ms a running flow may take the slot
        _time.Advance(TimeSpan.FromMilliseconds(25));

        gate.Release();

        Assert.Equal(AdmissionOutcome.Admitted, waiter.Outcome);  // 75 ms before its timeout
    }

    [Fact]
    public async Task ScopePool_AcquireTimeoutShorterThanFourWindows_UsesAQuarterOfItAsTheSynchronousWindow()
    {
        await using var quick = FakeDb.Create(o => o.AcquireTimeout = TimeSpan.FromMilliseconds(200));
        await using var standard = FakeDb.Create();

        Assert.Equal(TimeSpan.FromMilliseconds(50), quick.Helper.PrimaryPool.Gate.SynchronousBargeWindow);
        Assert.Equal(AdmissionGate.DefaultAsynchronousBargeWindow, quick.Helper.PrimaryPool.Gate.AsynchronousBargeWindow);
        Assert.Equal(AdmissionGate.DefaultSynchronousBargeWindow, standard.Helper.PrimaryPool.Gate.SynchronousBargeWindow);
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

        Assert.Equal(AdmissionOutcome.Admitted, await wait.Bounded());
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

        Assert.Equal(AdmissionOutcome.Admitted, await blocked.Bounded());
        Assert.Equal(1, gate.Held);
    }

    [Fact]
    public async Task Resume_ReleaseLandsBetweenTheOfferedWaitersTryAndItsDispatch_WaiterIsStillAdmitted()
    {
        // The lost wake-up fixed in 33a5439: a release that frees a slot (outside the lock) after an offered async waiter's
        // failed try, and before that waiter's own dispatch, got the slot offered to the very waiter whose work item was
        // running; nothing queued it again, so it kept the offer and waited for ever.
        // Given one slot, held, and an async waiter queued within its barge window
        using var gate = NewGate(Timeout.InfiniteTimeSpan);
        Assert.True(gate.TryEnter(1));
        var waiter = gate.Enqueue(1, IOBehavior.Asynchronous);
        var wait = waiter.WaitAsync().AsTask();
        // (The hooks run on the waiter's work item, under the gate's lock: they record, the test asserts.)
        var barged = false;
        var returned = false;
        var restOfRelease = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.ResumeTrying = () =>
        {
            gate.ResumeTrying = null;
            barged = gate.TryEnter(1);   // a running flow takes the offered slot first
        };
        gate.ResumeMissed = () =>
        {
            gate.ResumeMissed = null;
            // ... and gives it back right after the waiter's try: its decrement lands now, the rest of its release waits
            // for the lock the waiter's retry holds.
            returned = gate.ReturnSlot();
            restOfRelease.SetResult(Task.Factory.StartNew(gate.DispatchReturned, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        };

        // When the holder releases (an offer: the waiter's work item runs the retry staged above)
        gate.Release();
        await (await restOfRelease.Task.Bounded()).Bounded();

        // Then the waiter took the slot freed during its retry, before the rest of that release ran
        Assert.True(barged);
        Assert.True(returned);
        Assert.Equal(AdmissionOutcome.Admitted, waiter.Outcome);
        Assert.Equal(AdmissionOutcome.Admitted, await wait.Bounded());
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

    /// <summary>A gate that is strict from the first waiter on (no barge window): releases hand slots over in order.</summary>
    private AdmissionGate StrictGate() => new(new Clock(_time), Timeout.InfiniteTimeSpan, TimeSpan.Zero, TimeSpan.Zero);

    private AdmissionGate NewGate(TimeSpan acquireTimeout) => new(new Clock(_time), acquireTimeout, SyncWindow, AsyncWindow);
}

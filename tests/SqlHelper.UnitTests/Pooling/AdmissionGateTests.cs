using SqlHelpers.Pooling;

namespace SqlHelpers.UnitTests.Pooling;

[Collection(StressCollection.Name)]
public sealed class AdmissionGateTests
{
    [Fact]
    public void TryEnter_BelowLimit_TakesSlotsUpToTheLimitOnly()
    {
        var gate = new AdmissionGate();

        Assert.True(gate.TryEnter(2));
        Assert.True(gate.TryEnter(2));
        Assert.False(gate.TryEnter(2));
        Assert.Equal(2, gate.Held);
    }

    [Fact]
    public void Enqueue_SlotFreeAndNobodyQueued_IsAdmittedAtOnce()
    {
        var gate = new AdmissionGate();

        var waiter = gate.Enqueue(1);

        Assert.True(waiter.Task.IsCompletedSuccessfully);
        Assert.Null(waiter.Node);
        Assert.Equal(1, gate.Held);
    }

    [Fact]
    public void Release_SeveralQueued_HandsEachSlotToTheOldestWaiterInTurn()
    {
        // Given one slot held and three waiters queued in order
        var gate = new AdmissionGate();
        Assert.True(gate.TryEnter(1));
        var waiters = new[] { gate.Enqueue(1), gate.Enqueue(1), gate.Enqueue(1) };
        Assert.All(waiters, w => Assert.False(w.Task.IsCompleted));

        // When the slot is released three times, Then each release admits exactly the oldest waiter left
        for (var i = 0; i < waiters.Length; i++)
        {
            gate.Release();
            for (var j = 0; j < waiters.Length; j++)
                Assert.Equal(j <= i, waiters[j].Task.IsCompleted);
            Assert.Equal(1, gate.Held);   // handed over, never freed in between
        }
        gate.Release();
        Assert.Equal(0, gate.Held);
    }

    [Fact]
    public void TryEnter_SomebodyQueued_NewcomerDoesNotOvertakeEvenBelowItsLimit()
    {
        var gate = new AdmissionGate();
        Assert.True(gate.TryEnter(2));
        Assert.True(gate.TryEnter(2));
        var waiter = gate.Enqueue(2);

        // A newcomer whose limit would let it in takes the queue, not the fast path.
        Assert.False(gate.TryEnter(2));
        gate.Release();

        Assert.True(waiter.Task.IsCompletedSuccessfully);
        Assert.Equal(2, gate.Held);
    }

    [Fact]
    public void Release_NestedWaiterBehindOutermostOne_NestedIsAdmittedPastItByItsHigherLimit()
    {
        // Given MaxConnections 3 with one reserved for nested scopes: outermost scopes are admitted below 2, nested below 3
        const int outermostLimit = 2;
        const int nestedLimit = 3;
        var gate = new AdmissionGate();
        for (var i = 0; i < 3; i++)
            Assert.True(gate.TryEnter(nestedLimit));
        var outermost = gate.Enqueue(outermostLimit);
        var nested = gate.Enqueue(nestedLimit);

        // When one connection is released
        gate.Release();

        // Then the nested waiter gets it although it queued later; the outermost one keeps waiting for the reserve to free up
        Assert.True(nested.Task.IsCompletedSuccessfully);
        Assert.False(outermost.Task.IsCompleted);
        Assert.Equal(3, gate.Held);
        gate.Release();
        Assert.False(outermost.Task.IsCompleted);   // 2 held: still not below 2
        gate.Release();
        Assert.True(outermost.Task.IsCompletedSuccessfully);
        Assert.Equal(2, gate.Held);
    }

    [Fact]
    public void Enqueue_NestedNewcomerWhileOutermostWaits_IsAdmittedAtOnceIntoTheReserve()
    {
        var gate = new AdmissionGate();
        Assert.True(gate.TryEnter(2));
        Assert.True(gate.TryEnter(2));
        var outermost = gate.Enqueue(2);

        var nested = gate.Enqueue(3);

        Assert.True(nested.Task.IsCompletedSuccessfully);
        Assert.False(outermost.Task.IsCompleted);
        Assert.Equal(3, gate.Held);
    }

    [Fact]
    public void TryCancel_QueuedWaiter_LeavesTheQueueAndTheNextWaiterGetsTheSlot()
    {
        var gate = new AdmissionGate();
        Assert.True(gate.TryEnter(1));
        var first = gate.Enqueue(1);
        var second = gate.Enqueue(1);

        Assert.True(gate.TryCancel(first));
        gate.Release();

        Assert.False(first.Task.IsCompleted);
        Assert.True(second.Task.IsCompletedSuccessfully);
        Assert.Equal(1, gate.Held);
        Assert.False(gate.TryCancel(first));   // a second cancel finds nothing
    }

    [Fact]
    public void TryCancel_AlreadyAdmitted_ReturnsFalseAndTheCallerOwnsTheSlot()
    {
        var gate = new AdmissionGate();
        Assert.True(gate.TryEnter(1));
        var waiter = gate.Enqueue(1);
        gate.Release();

        Assert.False(gate.TryCancel(waiter));
        Assert.True(waiter.Task.IsCompletedSuccessfully);
        Assert.Equal(1, gate.Held);
    }

    [Fact]
    public async Task TryCancel_RacingRelease_SlotIsNeverLostNorDoubled()
    {
        // Given, each round, one held slot and one waiter; When one thread releases the slot while another cancels the
        // waiter, as ScopePool does on cancellation (give the slot back when the waiter was admitted in the same instant)
        const int rounds = 300;
        var gate = new AdmissionGate();
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
                var waiter = gate.Enqueue(1);
                Assert.False(waiter.Task.IsCompleted);
                start.SignalAndWait();
                if (gate.TryCancel(waiter))
                {
                    cancelled++;
                    Assert.False(waiter.Task.IsCompleted);
                }
                else
                {
                    admitted++;
                    Assert.True(waiter.Task.IsCompletedSuccessfully);
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
        var gate = new AdmissionGate();
        var inside = 0;
        var maxInside = 0;
        var workers = Enumerable.Range(0, threads).Select(_ => Flows.RunOnOwnThread(() =>
        {
            for (var i = 0; i < rounds; i++)
            {
                if (!gate.TryEnter(limit))
                    Assert.True(gate.Enqueue(limit).Task.Wait(TestTime.SafetyNet));
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
        var gate = new AdmissionGate();
        Assert.True(gate.TryEnter(1));
        var first = gate.Enqueue(1);
        var second = gate.Enqueue(1);
        var exception = new ObjectDisposedException("SqlHelper");

        gate.FailAll(exception);

        Assert.Same(exception, await Assert.ThrowsAsync<ObjectDisposedException>(() => first.Task));
        Assert.Same(exception, await Assert.ThrowsAsync<ObjectDisposedException>(() => second.Task));
        Assert.False(gate.TryCancel(first));
        Assert.Equal(1, gate.Held);
        gate.Release();
        Assert.Equal(0, gate.Held);
        Assert.True(gate.TryEnter(1));   // the fast path is open again: no waiter is still counted
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
}

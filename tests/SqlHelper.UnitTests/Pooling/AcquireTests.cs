namespace SqlHelpers.UnitTests.Pooling;

/// <summary>Waiting for a connection: the acquire timeout in fake time, cancellation, non-blocking mode, helper disposal.</summary>
public sealed class AcquireTests
{
    private static readonly TimeSpan AcquireTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task OpenAsync_PoolFull_TimesOutExactlyWhenFakeTimePassesAcquireTimeout()
    {
        // Given the only connection held by another flow and an open queued behind it
        await using var db = FakeDb.Create(o => { o.MaxConnections = 1; o.AcquireTimeout = AcquireTimeout; });
        await using var held = await db.Helper.OpenAsync();
        var waiting = Flows.RunDetached(async () => await db.Helper.OpenAsync());
        await db.WaitForQueuedAsync(1);

        // When fake time reaches one tick short of the timeout, Then the open still waits
        db.Time.Advance(AcquireTimeout - TimeSpan.FromTicks(1));
        Assert.False(waiting.IsCompleted);

        // When the last tick passes, Then it fails as timed out, not as a deadlock, and holds nothing
        db.Time.Advance(TimeSpan.FromTicks(1));
        var ex = await Assert.ThrowsAsync<SqlPoolExhaustedException>(() => waiting.Bounded());
        Assert.False(ex.WouldDeadlock);
        Assert.Equal(1, ex.MaxConnections);
        Assert.Equal(1, ex.HeldConnections);
        Assert.Equal(0, ex.HeldByThisFlow);
        Assert.StartsWith("Timed out after 5 s (AcquireTimeout) waiting to open a scope at depth 1", ex.Message, StringComparison.Ordinal);
        var stats = db.Stats;
        Assert.Equal(1, stats.AcquireTimeouts);
        Assert.Equal(1, stats.PoolExhaustions);
        Assert.Equal(0, stats.AcquireWaits);
        Assert.Equal(1, stats.HeldConnections);
        Assert.Equal(1, stats.OpenScopes);
        Assert.Equal(1, db.Source.Opens);
    }

    [Fact]
    public async Task OpenAsync_SlotFreedOneMillisecondBeforeAcquireTimeout_GetsTheConnectionAndRecordsTheFakeWait()
    {
        await using var db = FakeDb.Create(o => { o.MaxConnections = 1; o.AcquireTimeout = AcquireTimeout; });
        var held = await db.Helper.OpenAsync();
        var waiting = Flows.RunDetached(async () => await db.Helper.OpenAsync());
        await db.WaitForQueuedAsync(1);

        db.Time.Advance(AcquireTimeout - TimeSpan.FromMilliseconds(1));
        await held.DisposeAsync();
        await using var scope = await waiting.Bounded();
        db.Time.Advance(TimeSpan.FromMinutes(1));   // the timeout's timer is gone with the wait

        Assert.False(scope.IsDisposed);
        var stats = db.Stats;
        Assert.Equal(1, stats.AcquireWaits);
        Assert.Equal(AcquireTimeout - TimeSpan.FromMilliseconds(1), stats.TotalAcquireWait);
        Assert.Equal(0, stats.AcquireTimeouts);
        Assert.Equal(0, stats.PoolExhaustions);
        Assert.Equal(1, stats.HeldConnections);
        Assert.Equal(["open 1", "close 1", "open 1"], db.Source.Log);   // the waiter got the connection the first scope gave back
    }

    [Fact]
    public async Task OpenAsync_CancelledWhileQueued_FreesItsPlaceSoTheNextWaiterGetsTheReleasedSlot()
    {
        // Given the only connection held, and two opens of other flows queued: the first cancellable, then another
        await using var db = FakeDb.Create(o => { o.MaxConnections = 1; o.AcquireTimeout = AcquireTimeout; });
        var held = await db.Helper.OpenAsync();
        using var cancellation = new CancellationTokenSource();
        var cancelled = Flows.RunDetached(async () =>
        {
            await db.Helper.OpenAsync(cancellation.Token);
            return db.Helper.Current;
        });
        await db.WaitForQueuedAsync(1);
        var next = Flows.RunDetached(async () => await db.Helper.OpenAsync());
        await db.WaitForQueuedAsync(2);

        // When the first is cancelled
        await cancellation.CancelAsync();

        // Then it throws, holds nothing, and the slot released afterwards goes to the open queued behind it
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.Bounded());
        Assert.Equal(1, db.Stats.HeldConnections);
        Assert.Single(db.Helper.GetOpenScopes());
        await held.DisposeAsync();
        await using var scope = await next.Bounded();
        var stats = db.Stats;
        Assert.Equal(1, stats.HeldConnections);
        Assert.Equal(1, stats.OpenScopes);
        Assert.Equal(2, stats.ScopesOpened);
        Assert.Equal(1, stats.AcquireWaits);
        Assert.Equal(0, stats.PoolExhaustions);
        Assert.Equal(0, stats.AcquireTimeouts);
        Assert.Equal(2, db.Source.Opens);
    }

    [Fact]
    public async Task OpenAsync_CancelledWhileTheSourceIsOpening_GivesItsSlotBack()
    {
        await using var db = FakeDb.Create(o => o.MaxConnections = 1);
        var hold = db.Source.HoldOpens();
        using var cancellation = new CancellationTokenSource();
        var opening = Flows.RunDetached(async () => await db.Helper.OpenAsync(cancellation.Token));
        await hold.WaitForArrivalAsync();
        Assert.Equal(1, db.Stats.HeldConnections);   // an open in progress holds its slot

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => opening.Bounded());
        Assert.Equal(0, db.Stats.HeldConnections);
        Assert.Empty(db.Helper.GetOpenScopes());
        hold.Release();
        await using var scope = await Flows.RunDetached(async () => await db.Helper.OpenAsync()).Bounded();
        Assert.Equal(1, db.Stats.HeldConnections);
    }

    [Fact]
    public async Task OpenAsync_WhileAnotherOpenIsInTheSource_WaitsForThatSlotAndGetsItWhenReleased()
    {
        // Given an open held inside the source: it counts as held and shows as opening
        await using var db = FakeDb.Create(o => { o.MaxConnections = 1; o.AcquireTimeout = AcquireTimeout; });
        var hold = db.Source.HoldOpens();
        var first = Flows.RunDetached(async () => await db.Helper.OpenAsync());
        await hold.WaitForArrivalAsync();
        var opening = Assert.Single(db.Helper.GetOpenScopes());
        Assert.Null(opening.ConnectionId);

        // When a second flow opens, Then it queues
        var second = Flows.RunDetached(async () => await db.Helper.OpenAsync());
        await db.WaitForQueuedAsync(1);
        Assert.False(second.IsCompleted);

        // When the source lets the first open finish and its scope ends, Then the second gets the connection
        hold.Release();
        var firstScope = await first.Bounded();
        Assert.Equal(1, Assert.Single(db.Helper.GetOpenScopes()).ConnectionId);
        db.Time.Advance(TimeSpan.FromSeconds(2));
        await firstScope.DisposeAsync();
        await using var secondScope = await second.Bounded();
        Assert.Equal(TimeSpan.FromSeconds(2), db.Stats.TotalAcquireWait);
        Assert.Equal(1, db.Stats.HeldConnections);
    }

    [Fact]
    public async Task Open_BlockingOff_ThrowsAtOnceWithoutWaitingOrTimer()
    {
        await using var db = FakeDb.Create(o => { o.MaxConnections = 1; o.Blocking = false; });
        await using var held = await db.Helper.OpenAsync();

        var (syncError, asyncCompletedAtOnce, asyncError) = await Flows.RunDetached(async () =>
        {
            var syncError = Assert.Throws<SqlPoolExhaustedException>(() => db.Helper.Open());
            var task = db.Helper.OpenAsync();
            var completedAtOnce = task.IsCompleted;
            var asyncError = await Assert.ThrowsAsync<SqlPoolExhaustedException>(() => task.AsTask());
            return (syncError, completedAtOnce, asyncError);
        }).Bounded();

        Assert.True(asyncCompletedAtOnce);
        foreach (var ex in new[] { syncError, asyncError })
        {
            Assert.False(ex.WouldDeadlock);
            Assert.Contains("without waiting (Blocking is off)", ex.Message, StringComparison.Ordinal);
            Assert.Equal(0, ex.HeldByThisFlow);
        }
        Assert.Equal(0, db.Time.TimersCreated);
        var stats = db.Stats;
        Assert.Equal(2, stats.PoolExhaustions);
        Assert.Equal(0, stats.AcquireTimeouts);
        Assert.Equal(0, stats.AcquireWaits);
        Assert.Equal(1, stats.HeldConnections);
        Assert.Equal(1, db.Source.Opens);
    }

    [Fact]
    public async Task DisposeHelper_OpenWaiting_FailsItWithObjectDisposedAndItHoldsNothing()
    {
        var db = FakeDb.Create(o => { o.MaxConnections = 1; o.AcquireTimeout = AcquireTimeout; });
        var held = await db.Helper.OpenAsync();
        var waiting = Flows.RunDetached(async () => await db.Helper.OpenAsync());
        await db.WaitForQueuedAsync(1);

        await db.Helper.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.Bounded());
        Assert.Equal(1, db.Stats.HeldConnections);
        await held.DisposeAsync();   // a scope outliving its helper still gives its connection back once
        Assert.Equal(0, db.Stats.HeldConnections);
        Assert.Equal(1, db.Source.Closes);
        Assert.True(db.Source.IsDisposed);
    }

    [Fact]
    public async Task OpenAsync_CancelledInTheInstantTheHelperIsDisposed_GivesBackNoSlotItNeverHad()
    {
        // A cancellation callback registered after the open queued runs before the open's own (newest first): the helper's
        // disposal fails the queued waiter, then the cancellation wakes the open, which finds its waiter gone from the queue
        // although it was never admitted. The thread pool may win the race the other way now and then, so it runs a few rounds.
        for (var round = 0; round < 10; round++)
        {
            // Given the only connection held, and an open of another flow queued with a token
            var db = FakeDb.Create(o => { o.MaxConnections = 1; o.AcquireTimeout = AcquireTimeout; });
            var held = await db.Helper.OpenAsync();
            using var cancellation = new CancellationTokenSource();
            var waiting = Flows.RunDetached(async () => await db.Helper.OpenAsync(cancellation.Token));
            await db.WaitForQueuedAsync(1);
            using var disposeFirst = cancellation.Token.Register(() => db.Helper.Dispose());

            // When the token is cancelled and the helper disposed in the same instant
            await cancellation.CancelAsync();

            // Then the open fails either way, and the held scope still counts as the one held connection
            var ex = await Record.ExceptionAsync(() => waiting.Bounded());
            Assert.True(ex is OperationCanceledException or ObjectDisposedException, $"round {round}: {ex}");
            Assert.Equal(1, db.Stats.HeldConnections);
            await held.DisposeAsync();
            Assert.Equal(0, db.Stats.HeldConnections);
        }
    }

    [Fact]
    public async Task Statistics_WaitsTimeoutsAndScopes_AreCountedInFakeTime()
    {
        // Given two connections, one reserved for nested scopes (outermost scopes get one)
        await using var db = FakeDb.Create(o => { o.MaxConnections = 2; o.AcquireTimeout = AcquireTimeout; });
        var outer = await db.Helper.OpenAsync();
        var nested = await db.Helper.OpenAsync();
        var stats = db.Stats;
        Assert.Equal(2, stats.OpenScopes);
        Assert.Equal(2, stats.HeldConnections);
        Assert.Equal([1, 1], stats.OpenScopesByDepth);

        // When an outermost open of another flow waits 3 s of fake time for a connection
        var waiting = Flows.RunDetached(async () => await db.Helper.OpenAsync());
        await db.WaitForQueuedAsync(1);
        db.Time.Advance(TimeSpan.FromSeconds(3));
        await nested.DisposeAsync();
        Assert.False(waiting.IsCompleted);   // one held: the reserve is not for outermost scopes
        await outer.DisposeAsync();
        var other = await waiting.Bounded();

        // And another waits out its whole timeout
        var timingOut = Flows.RunDetached(async () => await db.Helper.OpenAsync());
        await db.WaitForQueuedAsync(1);
        db.Time.Advance(AcquireTimeout);
        await Assert.ThrowsAsync<SqlPoolExhaustedException>(() => timingOut.Bounded());

        // Then
        stats = db.Stats;
        Assert.Equal(1, stats.OpenScopes);
        Assert.Equal(2, stats.PeakOpenScopes);
        Assert.Equal(3, stats.ScopesOpened);
        Assert.Equal(1, stats.HeldConnections);
        Assert.Equal(1, stats.AcquireWaits);
        Assert.Equal(TimeSpan.FromSeconds(3), stats.TotalAcquireWait);
        Assert.Equal(1, stats.AcquireTimeouts);
        Assert.Equal(1, stats.PoolExhaustions);
        Assert.Equal([1], stats.OpenScopesByDepth);
        await other.DisposeAsync();
        stats = db.Stats;
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(0, stats.HeldConnections);
        Assert.Empty(stats.OpenScopesByDepth);
    }
}

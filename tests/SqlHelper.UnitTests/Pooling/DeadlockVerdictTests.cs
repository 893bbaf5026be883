namespace SqlHelpers.UnitTests.Pooling;

/// <summary>
/// When a synchronous open fails at once with <see cref="SqlPoolExhaustedException.WouldDeadlock"/>: only on a thread that
/// is not a thread-pool thread, that opened every scope of its own stack, when those scopes hold every slot it may take.
/// Everywhere else the open waits (another flow might release) and a timeout says <c>WouldDeadlock = false</c>.
/// </summary>
public sealed class DeadlockVerdictTests
{
    private static readonly TimeSpan AcquireTimeout = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(1)]   // no reserve: the nested scope's limit is the one connection the outer scope holds
    [InlineData(2)]   // one reserved: the third level's limit is both connections, held by the two levels above
    public async Task Open_SyncOnOwnThreadWhoseStackHoldsEverySlot_ThrowsWouldDeadlockAtOnce(int maxConnections)
    {
        await using var db = FakeDb.Create(o => { o.MaxConnections = maxConnections; o.AcquireTimeout = AcquireTimeout; });

        var (ex, currentDepthAfter) = await Flows.RunOnOwnThread(() =>
        {
            var scopes = Enumerable.Range(0, maxConnections).Select(_ => db.Helper.Open()).ToList();
            var ex = Assert.Throws<SqlPoolExhaustedException>(() => db.Helper.Open());
            var depth = db.Helper.Depth;
            Assert.Same(scopes[^1], db.Helper.Current);   // the failed open left the stack as it was
            for (var i = scopes.Count - 1; i >= 0; i--)
                scopes[i].Dispose();
            return (ex, depth);
        }).Bounded();

        Assert.True(ex.WouldDeadlock);
        Assert.Equal(maxConnections, ex.HeldByThisFlow);
        Assert.Equal(maxConnections, ex.HeldConnections);
        Assert.StartsWith($"Opening a scope at depth {maxConnections + 1} would wait forever", ex.Message, StringComparison.Ordinal);
        Assert.Contains("which cannot happen while this thread waits", ex.Message, StringComparison.Ordinal);
        Assert.Equal(maxConnections, currentDepthAfter);
        Assert.Equal(0, db.Time.TimersCreated);   // it never waited
        var stats = db.Stats;
        Assert.Equal(1, stats.PoolExhaustions);
        Assert.Equal(0, stats.AcquireTimeouts);
        Assert.Equal(0, stats.AcquireWaits);
        Assert.Equal(0, stats.HeldConnections);
        Assert.Equal(0, stats.MisnestedDisposals);
    }

    [Fact]
    public async Task Open_SyncOnOwnThreadWhileAnotherFlowHoldsASlot_WaitsAndTimesOutWithoutVerdict()
    {
        // Given three connections (one reserved for nested scopes), one held by another flow, two by this thread's stack
        await using var db = FakeDb.Create(o => { o.MaxConnections = 3; o.AcquireTimeout = AcquireTimeout; });
        await using var other = await Flows.RunDetached(async () => await db.Helper.OpenAsync()).Bounded();
        var third = Flows.RunOnOwnThread(() =>
        {
            using var outer = db.Helper.Open();
            using var nested = db.Helper.Open();
            return Assert.Throws<SqlPoolExhaustedException>(() => db.Helper.Open());
        });

        // When the third level waits out its timeout
        await db.WaitForQueuedAsync(1);
        db.Time.Advance(AcquireTimeout);

        // Then it timed out: the other flow could have released
        var ex = await third.Bounded();
        Assert.False(ex.WouldDeadlock);
        Assert.Equal(2, ex.HeldByThisFlow);
        Assert.Equal(3, ex.HeldConnections);
        Assert.Equal(1, db.Stats.AcquireTimeouts);
    }

    [Fact]
    public async Task Open_SyncInChildFlowOnOwnThread_WaitsAndTimesOutWithWouldDeadlockFalse()
    {
        // Given the parent flow holding the only connection
        await using var db = FakeDb.Create(o => { o.MaxConnections = 1; o.AcquireTimeout = AcquireTimeout; });
        await using var parent = await db.Helper.OpenAsync();

        // When a child flow on a thread of its own (not a pool thread, but not the thread that opened its stack) opens
        var child = Flows.RunOnOwnThread(() => Assert.Throws<SqlPoolExhaustedException>(() => db.Helper.Open()));
        await db.WaitForQueuedAsync(1);
        db.Time.Advance(AcquireTimeout);

        // Then it waited, since its parent may release, and its timeout names no verdict
        var ex = await child.Bounded();
        Assert.False(ex.WouldDeadlock);
        Assert.Equal(1, ex.HeldByThisFlow);
        Assert.StartsWith("Timed out after 5 s", ex.Message, StringComparison.Ordinal);
        Assert.Contains("holds every connection this scope may take", ex.Message, StringComparison.Ordinal);
        var stats = db.Stats;
        Assert.Equal(1, stats.AcquireTimeouts);
        Assert.Equal(1, stats.PoolExhaustions);
        Assert.Same(parent, db.Helper.Current);
    }

    [Fact]
    public async Task Open_SyncInChildFlowOnThreadPool_WaitsAndTimesOutWithWouldDeadlockFalse()
    {
        await using var db = FakeDb.Create(o => { o.MaxConnections = 1; o.AcquireTimeout = AcquireTimeout; });
        await using var parent = await db.Helper.OpenAsync();

        var child = Task.Run(() => Assert.Throws<SqlPoolExhaustedException>(() => db.Helper.Open()));
        await db.WaitForQueuedAsync(1);
        db.Time.Advance(AcquireTimeout);

        var ex = await child.Bounded();
        Assert.False(ex.WouldDeadlock);
        Assert.Equal(1, ex.HeldByThisFlow);
        Assert.Equal(1, db.Stats.AcquireTimeouts);
    }

    [Fact]
    public async Task Open_SyncInChildFlowOnOwnThread_GetsTheConnectionWhenTheParentReleasesIt()
    {
        await using var db = FakeDb.Create(o => { o.MaxConnections = 1; o.AcquireTimeout = AcquireTimeout; });
        var parent = await db.Helper.OpenAsync();
        var child = Flows.RunOnOwnThread(() =>
        {
            using var scope = db.Helper.Open();
            return scope.Depth;
        });
        await db.WaitForQueuedAsync(1);

        await parent.DisposeAsync();

        Assert.Equal(2, await child.Bounded());   // nested in the parent's scope, which it saw when it started
        Assert.Equal(1, db.Stats.AcquireWaits);
        Assert.Equal(0, db.Stats.PoolExhaustions);
    }

    [Fact]
    public async Task OpenAsync_OwnStackHoldsEverySlot_WaitsAndTimesOutWithWouldDeadlockFalse()
    {
        // An async flow cannot tell whether it opened its stack's scopes or inherited them: it never fails early.
        await using var db = FakeDb.Create(o => { o.MaxConnections = 1; o.AcquireTimeout = AcquireTimeout; });
        await using var outer = await db.Helper.OpenAsync();

        var nested = db.Helper.OpenAsync().AsTask();
        await db.WaitForQueuedAsync(1);
        db.Time.Advance(AcquireTimeout);

        var ex = await Assert.ThrowsAsync<SqlPoolExhaustedException>(() => nested.Bounded());
        Assert.False(ex.WouldDeadlock);
        Assert.Equal(1, ex.HeldByThisFlow);
        Assert.Same(outer, db.Helper.Current);
        Assert.Equal(1, db.Helper.Depth);
    }

    [Fact]
    public async Task Open_SyncOnThreadPoolThreadWhoseStackHoldsEverySlot_WaitsInsteadOfFailingEarly()
    {
        // A child flow often runs on the very pool thread its parent used, so a pool thread never gets the verdict.
        await using var db = FakeDb.Create(o => { o.MaxConnections = 1; o.AcquireTimeout = AcquireTimeout; });
        var flow = Flows.RunDetached(() =>
        {
            using var outer = db.Helper.Open();
            return Assert.Throws<SqlPoolExhaustedException>(() => db.Helper.Open());
        });
        await db.WaitForQueuedAsync(1);
        db.Time.Advance(AcquireTimeout);

        var ex = await flow.Bounded();
        Assert.False(ex.WouldDeadlock);
        Assert.Equal(1, ex.HeldByThisFlow);
        Assert.Equal(0, db.Stats.HeldConnections);
    }
}

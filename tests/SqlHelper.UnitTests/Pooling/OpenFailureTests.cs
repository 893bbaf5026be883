namespace SqlHelpers.UnitTests.Pooling;

/// <summary>An open the source fails: the slot goes back, and the stack and the statistics stay as they were.</summary>
public sealed class OpenFailureTests
{
    [Fact]
    public async Task Open_SourceThrows_ReleasesTheSlotAndLeavesStackAndStatisticsUnchanged()
    {
        await using var db = FakeDb.Create(o => o.MaxConnections = 1);
        var failure = new InvalidOperationException("The server is gone.");
        db.Source.OpenFailure = failure;

        Assert.Same(failure, Assert.Throws<InvalidOperationException>(() => db.Helper.Open()));
        Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(() => db.Helper.OpenAsync().AsTask()));

        Assert.Null(db.Helper.Current);
        Assert.Equal(0, db.Helper.Depth);
        Assert.Empty(db.Helper.GetOpenScopes());
        var stats = db.Stats;
        Assert.Equal(0, stats.HeldConnections);
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(0, stats.ScopesOpened);
        Assert.Equal(0, stats.PoolExhaustions);

        // The one slot is free again: the next open takes it without waiting
        db.Source.OpenFailure = null;
        await using var scope = await db.Helper.OpenAsync();
        Assert.Equal(1, scope.Depth);
        Assert.Equal(0, db.Stats.AcquireWaits);
        Assert.Equal(0, db.Time.TimersCreated);
    }

    [Fact]
    public async Task Open_NestedOpenFails_EnclosingScopeStaysCurrentAndIsNotMisnestedWhenDisposed()
    {
        await using var db = FakeDb.Create(o => o.MaxConnections = 3);
        var outer = db.Helper.Open();
        db.Source.OpenFailure = new InvalidOperationException("The server is gone.");

        Assert.Throws<InvalidOperationException>(() => db.Helper.Open());
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.Helper.OpenAsync().AsTask());

        Assert.Same(outer, db.Helper.Current);
        Assert.Equal(1, db.Helper.Depth);
        Assert.Equal(1, db.Stats.HeldConnections);
        db.Source.OpenFailure = null;
        using (var nested = db.Helper.Open())
            Assert.Equal(2, nested.Depth);   // nested in the outer scope, not in a failed one
        outer.Dispose();
        var stats = db.Stats;
        Assert.Equal(0, stats.MisnestedDisposals);   // the failed opens are not counted as children still open
        Assert.Equal(0, stats.HeldConnections);
        Assert.Equal(2, stats.ScopesOpened);
        Assert.Null(db.Helper.Current);
    }

    [Fact]
    public async Task Open_SourceFailsAfterWaiting_HandsTheSlotToTheNextWaiter()
    {
        // Given the only connection held, and two opens of other flows queued; the first will fail in the source
        await using var db = FakeDb.Create(o => { o.MaxConnections = 1; o.AcquireTimeout = TimeSpan.FromSeconds(5); });
        var held = await db.Helper.OpenAsync();
        var hold = db.Source.HoldOpens();
        var failing = Flows.RunDetached(async () => await db.Helper.OpenAsync());
        await db.WaitForQueuedAsync(1);
        var next = Flows.RunDetached(async () => await db.Helper.OpenAsync());
        await db.WaitForQueuedAsync(2);

        // When the slot is released, the first waiter reaches the source, and the source fails it
        await held.DisposeAsync();
        await hold.WaitForArrivalAsync();
        db.Source.NextOpenFailure = new InvalidOperationException("The server is gone.");
        hold.Release();
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing.Bounded());

        // Then the slot it gave back goes to the next waiter, which opens
        await using var scope = await next.Bounded();
        Assert.Equal(1, db.Stats.HeldConnections);
        Assert.Equal(0, db.Stats.AcquireTimeouts);
        Assert.Equal(["open 1", "close 1", "open failed", "open 1"], db.Source.Log);
    }
}

namespace SqlHelpers.UnitTests.Pooling;

/// <summary>A scope gives its connection back exactly once, whoever disposes it, however often, from whatever thread.</summary>
[Collection(StressCollection.Name)]
public sealed class ReleaseTests
{
    [Fact]
    public async Task Dispose_ConcurrentlyFromSeveralThreadsSyncAndAsync_ReleasesExactlyOnce()
    {
        // Each round: thread 0 opens a scope, then every thread disposes it at once (even threads Dispose, odd DisposeAsync)
        const int rounds = 100;
        const int threads = 4;
        await using var db = FakeDb.Create(o => o.MaxConnections = 2);
        using var barrier = new Barrier(threads);
        SqlScope? scope = null;

        var workers = Enumerable.Range(0, threads).Select(t => Flows.RunOnOwnThread(() =>
        {
            for (var i = 0; i < rounds; i++)
            {
                if (t == 0)
                    scope = db.Helper.Open();
                barrier.SignalAndWait();
                if (t % 2 == 0)
                    scope!.Dispose();
                else
                    scope!.DisposeAsync().AsTask().GetAwaiter().GetResult();
                barrier.SignalAndWait();
                if (t == 0)
                {
                    Assert.True(scope!.IsDisposed);
                    Assert.Equal(0, db.Stats.HeldConnections);
                    Assert.Equal(i + 1, db.Source.Closes);
                }
            }
        }));

        await TestTime.AllBounded(workers);

        var stats = db.Stats;
        Assert.Equal(rounds, db.Source.Closes);
        Assert.Equal(0, db.Source.InUse);
        Assert.Equal(0, stats.HeldConnections);
        Assert.Equal(0, stats.OpenScopes);
        Assert.Equal(rounds, stats.ScopesOpened);
        Assert.Equal(0, stats.MisnestedDisposals);
        Assert.Empty(db.Helper.GetOpenScopes());
    }

    [Fact]
    public async Task Release_ManyFlowsNestingTwoDeep_NeverCountsMoreScopesOpenThanConnections()
    {
        // A released slot goes to the next scope at once, on another thread: the released scope must already be counted
        // closed by then. The overlap needs two threads at the same instant, so it runs enough rounds to meet it.
        const int maxConnections = 4;
        for (var round = 0; round < 20; round++)
        {
            // Given 200 flows, each nesting two scopes, over four connections
            await using var db = FakeDb.Create(o => { o.MaxConnections = maxConnections; o.AcquireTimeout = TimeSpan.FromHours(1); });

            async Task FlowAsync()
            {
                await using var outer = await db.Helper.OpenAsync();
                await Task.Yield();
                await using var inner = await db.Helper.OpenAsync();
                await Task.Yield();
            }

            // When they all run at once
            await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Flows.RunDetached(FlowAsync))).Bounded();

            // Then no more scopes were ever counted open than there are connections
            var stats = db.Stats;
            Assert.True(stats.PeakOpenScopes <= maxConnections, $"round {round}: PeakOpenScopes was {stats.PeakOpenScopes}");
            Assert.Equal(400, stats.ScopesOpened);
            Assert.Equal(0, stats.OpenScopes);
            Assert.Equal(0, stats.HeldConnections);
        }
    }

    [Fact]
    public async Task Dispose_Twice_SecondDoesNothing()
    {
        await using var db = FakeDb.Create();
        var scope = await db.Helper.OpenAsync();

        await scope.DisposeAsync();
        scope.Dispose();
        await scope.DisposeAsync();

        Assert.Equal(1, db.Source.Closes);
        Assert.Equal(0, db.Stats.HeldConnections);
        Assert.Equal(0, db.Stats.OpenScopes);
        Assert.Throws<ObjectDisposedException>(() => scope.Connection);
    }
}

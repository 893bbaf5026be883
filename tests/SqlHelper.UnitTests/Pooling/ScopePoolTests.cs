using Microsoft.Extensions.Logging.Abstractions;
using SqlHelpers.Diagnostics;
using SqlHelpers.Pooling;
using SqlHelpers.Queries;
using SqlHelpers.Scopes;
using SqlHelpers.UnitTests.Fakes;
using SqlHelpers.Utilities;

namespace SqlHelpers.UnitTests.Pooling;

/// <summary>The pool on its own (limits by depth, open and release of a lease) and its reserve for nested scopes through a helper.</summary>
public sealed class ScopePoolTests
{
    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 4)]
    [InlineData(3, 5)]
    [InlineData(4, 5)]
    public void LimitFor_FiveConnectionsTwoReserved_OneFewerPerLevelAboveTheReserve(int depth, int limit)
    {
        using var pool = NewPool(new FakeConnectionSource(), maxConnections: 5, reservedForNested: 2);

        Assert.Equal(limit, pool.LimitFor(depth));
    }

    [Fact]
    public void ReservedForNested_NotBelowMaxConnections_IsCappedSoOutermostScopesGetOne()
    {
        using var pool = NewPool(new FakeConnectionSource(), maxConnections: 2, reservedForNested: 5);

        Assert.Equal(1, pool.ReservedForNested);
        Assert.Equal(1, pool.LimitFor(1));
    }

    [Fact]
    public async Task OpenThenReleaseConcurrently_ReturnsTheConnectionAndTheSlotOnce()
    {
        var source = new FakeConnectionSource();
        await using var pool = NewPool(source, maxConnections: 2, reservedForNested: 0);
        var lease = new ScopeLease(1, 1, 1, 0, openSite: null) { Pool = pool };

        lease.Connection = await pool.OpenAsync(lease, flow: null, IOBehavior.Asynchronous, CancellationToken.None);
        Assert.Equal(1, pool.Gate.Held);
        Assert.Equal([lease], pool.Registry.Snapshot());

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => pool.ReleaseAsync(lease, IOBehavior.Asynchronous).AsTask()))).Bounded();

        Assert.Equal(0, pool.Gate.Held);
        Assert.Empty(pool.Registry.Snapshot());
        Assert.Equal(1, source.Closes);
        Assert.Equal(-1, lease.Slot);
    }

    [Fact]
    public async Task OpenAsync_SourceFails_GivesTheSlotAndRegistrySlotBack()
    {
        var source = new FakeConnectionSource { OpenFailure = new InvalidOperationException("The server is gone.") };
        await using var pool = NewPool(source, maxConnections: 1, reservedForNested: 0);
        var lease = new ScopeLease(1, 1, 1, 0, openSite: null) { Pool = pool };

        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.OpenAsync(lease, flow: null, IOBehavior.Asynchronous, CancellationToken.None).AsTask());

        Assert.Equal(0, pool.Gate.Held);
        Assert.Empty(pool.Registry.Snapshot());
        Assert.True(pool.Gate.TryEnter(pool.LimitFor(1)));
    }

    [Fact]
    public async Task Open_NestedScopeWhileAnOutermostOneWaits_TakesTheReservedConnectionAtOnce()
    {
        // Given three connections, one reserved for nested scopes, and two flows each holding an outermost scope
        await using var db = FakeDb.Create(o => { o.MaxConnections = 3; o.AcquireTimeout = TimeSpan.FromSeconds(5); });
        var first = await db.Helper.OpenAsync();
        await using var second = await Flows.RunDetached(async () => await db.Helper.OpenAsync()).Bounded();
        var thirdOutermost = Flows.RunDetached(async () => await db.Helper.OpenAsync());
        await db.WaitForQueuedAsync(1);

        // When the first flow nests a scope
        var nested = await db.Helper.OpenAsync().Bounded();

        // Then it gets the reserved connection without waiting, while the third outermost scope still waits
        Assert.Equal(2, nested.Depth);
        Assert.Equal(3, db.Stats.HeldConnections);
        Assert.False(thirdOutermost.IsCompleted);
        Assert.Equal(0, db.Stats.AcquireWaits);
        await nested.DisposeAsync();
        Assert.False(thirdOutermost.IsCompleted);   // the reserve freed up again is not for outermost scopes
        await first.DisposeAsync();
        await using var third = await thirdOutermost.Bounded();
        Assert.Equal(1, db.Stats.AcquireWaits);
    }

    private static ScopePool NewPool(FakeConnectionSource source, int maxConnections, int reservedForNested)
    {
        var clock = new Clock(new TestTimeProvider());
        var events = new ScopeEvents(NullLogger.Instance, "fake:3306/db", maxConnections, static () => 0, ScopeMode.AsyncFlowStack);
        var settings = new ScopePoolSettings
        {
            MaxConnections = maxConnections,
            ReservedForNested = reservedForNested,
            Blocking = true,
            AcquireTimeout = TimeSpan.FromSeconds(5),
            SessionReset = SessionResetPolicy.Always,
            RewriteBatchedInserts = false,
            PingAfterIdle = TimeSpan.FromMilliseconds(500),
            ParameterCheck = new ParameterCheck(enabled: true, []),
            Statements = new StatementAnalyzer(),
            Clock = clock,
        };
        return new ScopePool("fake:3306/db", isReplica: false, source, settings, events, selfDeadlockDetector: null);
    }
}

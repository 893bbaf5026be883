using System.Diagnostics;
using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Pooling;

[Collection(DatabaseCollection.Name)]
public sealed class AdmissionTests(DatabaseFixture db)
{
    [Fact]
    public async Task NonBlocking_PoolFull_OtherFlowFailsAtOnceThenSucceedsAfterRelease()
    {
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.Blocking = false; });
        var held = helper.Open();

        var watch = Stopwatch.StartNew();
        var ex = await Flows.RunDetached(() => Assert.Throws<SqlPoolExhaustedException>(() => helper.Open()));
        watch.Stop();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        Assert.False(ex.WouldDeadlock);
        Assert.Equal(1, ex.MaxConnections);
        Assert.Equal(1, ex.HeldConnections);
        Assert.Equal(0, ex.HeldByThisFlow);
        Assert.Contains("Blocking is off", ex.Message, StringComparison.Ordinal);
        held.Dispose();

        var scope = await Flows.RunDetached(() => helper.Open());
        Assert.Equal(1L, scope.ExecuteScalar<long>("SELECT 1"));
        scope.Dispose();
        Assert.Equal(1, helper.GetStatistics().PoolExhaustions);
    }

    [Fact]
    public async Task Blocking_WaitingOpenGetsTheConnectionWhenAnotherFlowReleasesIt()
    {
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.AcquireTimeout = TimeSpan.FromSeconds(20); });
        var held = await helper.OpenAsync();
        var heldId = held.Connection.ServerThread;

        var waiting = Flows.RunDetached(async () =>
        {
            await using var scope = await helper.OpenAsync();
            return scope.Connection.ServerThread;
        });
        await WaitUntil(() => helper.GetStatistics().HeldConnections == 1 && !waiting.IsCompleted);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);

        var released = Stopwatch.StartNew();
        await held.DisposeAsync();
        var gotId = await waiting;
        released.Stop();

        Assert.Equal(heldId, gotId);
        Assert.True(released.Elapsed < TimeSpan.FromSeconds(5), $"took {released.Elapsed}");
        var stats = helper.GetStatistics();
        Assert.Equal(1, stats.AcquireWaits);
        Assert.True(stats.TotalAcquireWait > TimeSpan.FromMilliseconds(150));
    }

    [Fact]
    public async Task Blocking_NobodyReleases_FailsAfterAcquireTimeoutWithTheFullMessage()
    {
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 2; o.ReservedForNested = 0; o.AcquireTimeout = TimeSpan.FromMilliseconds(300); });
        using var a = await Flows.RunDetached(() => helper.Open());
        using var b = await Flows.RunDetached(() => helper.Open());

        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<SqlPoolExhaustedException>(async () => await helper.OpenAsync());
        watch.Stop();

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.False(ex.WouldDeadlock);
        Assert.Equal(2, ex.HeldConnections);
        Assert.Equal(0, ex.HeldByThisFlow);
        Assert.Contains("Timed out after 0.3 s", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2 of 2 connections", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2 flows", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0 of them by the calling flow", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the oldest has been held for", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Raise MaxConnections", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(db.Server.Password, ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, helper.GetStatistics().AcquireTimeouts);

        // the synchronous twin times out the same way
        Assert.Throws<SqlPoolExhaustedException>(() => helper.Open());
        Assert.Equal(2, helper.GetStatistics().HeldConnections);
    }

    [Fact]
    public async Task OpenAsync_WhileWaiting_HonoursCancellationWithoutBlockingAThread()
    {
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.AcquireTimeout = TimeSpan.FromSeconds(30); });
        using var held = await Flows.RunDetached(() => helper.Open());
        using var cts = new CancellationTokenSource();

        var pending = helper.OpenAsync(cts.Token).AsTask();
        await Task.Delay(100);
        Assert.False(pending.IsCompleted);
        Assert.Null(helper.Current);                 // still opening: never visible
        cts.Cancel();

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2));
        Assert.Null(helper.Current);
        Assert.Equal(1, helper.GetStatistics().HeldConnections);
        held.Dispose();
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
        using var next = helper.Open();
        Assert.Equal(1, next.Depth);
    }

    [Fact]
    public async Task DefaultOptions_300FlowsNestingTwoDeepOver16Connections_AllComplete()
    {
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 16; o.AcquireTimeout = SqlHelperOptions.DefaultAcquireTimeout; });

        async Task FlowAsync()
        {
            await using var outer = await helper.OpenAsync();
            await Task.Yield();
            await using var inner = await helper.OpenAsync();
            Assert.Equal(2, inner.Depth);
            await inner.ExecuteScalarAsync<long>("SELECT 1");
        }

        await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => Flows.RunDetached(FlowAsync)));

        var stats = helper.GetStatistics();
        Assert.Equal(0, stats.HeldConnections);
        Assert.Equal(600, stats.ScopesOpened);
        Assert.Equal(0, stats.AcquireTimeouts);
        Assert.True(stats.PeakOpenScopes <= 16);
    }

    [Fact]
    public void OneFlowNestingMaxConnectionsDeep_AskingForOneMore_FailsAtOnceWithWouldDeadlock()
    {
        using var helper = db.CreateHelper(o => { o.MaxConnections = 4; o.AcquireTimeout = TimeSpan.FromSeconds(30); });
        var scopes = new List<SqlScope>();
        SqlPoolExhaustedException? ex = null;
        var watch = new Stopwatch();
        // A dedicated thread, as in a console app or a request thread of its own; on a thread-pool thread the check
        // cannot tell the owner from a child flow and waits instead (see the next test).
        var thread = new Thread(() =>
        {
            for (var i = 0; i < 4; i++)
                scopes.Add(helper.Open());
            watch.Start();
            ex = Assert.Throws<SqlPoolExhaustedException>(() => helper.Open());
            watch.Stop();
            Assert.Same(scopes[3], helper.Current);
        });
        thread.Start();
        thread.Join();

        Assert.NotNull(ex);
        Assert.True(ex.WouldDeadlock);
        Assert.Equal(4, ex.HeldByThisFlow);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        Assert.Contains("would wait forever", ex.Message, StringComparison.Ordinal);
        scopes.Reverse();
        scopes.ForEach(s => s.Dispose());
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
    }

    [Fact]
    public async Task OutermostScopes_CannotTakeTheNestedReserve_NestedOnesCan()
    {
        using var helper = db.CreateHelper(o => { o.MaxConnections = 3; o.ReservedForNested = 1; o.Blocking = false; });
        using var outer = helper.Open();
        using var other = await Flows.RunDetached(() => helper.Open());

        var ex = await Assert.ThrowsAsync<SqlPoolExhaustedException>(() => Flows.RunDetached(() => helper.Open()));
        Assert.Contains("1 reserved for nested scopes", ex.Message, StringComparison.Ordinal);

        using var nested = helper.Open();
        Assert.Equal(2, nested.Depth);
        Assert.Equal(3, helper.GetStatistics().HeldConnections);
        Assert.Equal([2, 1], helper.GetStatistics().OpenScopesByDepth);
    }

    [Fact]
    public async Task ChildFlowInsideParentsOnlyScope_WaitsAndGetsItWhenTheParentReleases()
    {
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.AcquireTimeout = TimeSpan.FromSeconds(20); });
        var parent = helper.Open();
        var parentId = parent.Connection.ServerThread;

        var child = Task.Run(() =>
        {
            using var scope = helper.Open();        // inherits the parent's stack; a wait, not a deadlock
            return (scope.Depth, scope.Connection.ServerThread);
        });
        await Task.Delay(300);
        Assert.False(child.IsCompleted);
        parent.Dispose();

        var (depth, id) = await child;
        Assert.Equal(2, depth);
        Assert.Equal(parentId, id);
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
    }

    [Fact]
    public async Task ChildFlowOnThreadPool_SyncOpenWaitingForItsParent_IsNotTakenForADeadlock()
    {
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.AcquireTimeout = TimeSpan.FromSeconds(20); });
        var outcomes = new List<Task<int>>();
        for (var i = 0; i < 10; i++)
        {
            await Task.Run(async () =>
            {
                var parent = helper.Open();                         // opened on a pool thread...
                var child = Task.Run(() =>
                {
                    using var scope = helper.Open();                // ...the child often runs on that same thread
                    return scope.Depth;
                });
                await Task.Delay(50);
                parent.Dispose();
                outcomes.Add(child);
            });
        }
        Assert.All(await Task.WhenAll(outcomes), depth => Assert.Equal(2, depth));
        Assert.Equal(0, helper.GetStatistics().PoolExhaustions);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
            await Task.Delay(10);
    }
}

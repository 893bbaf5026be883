using SqlHelpers.Scopes;

namespace SqlHelpers.UnitTests.Scopes;

/// <summary>The AsyncLocal stack: forks, misnested and cross-flow disposal, and what a failed open leaves behind.</summary>
public sealed class ScopeStackTests
{
    [Fact]
    public async Task Fork_ChildFlowSeesParentScope_ParentNeverSeesChildScope()
    {
        await using var db = FakeDb.Create();
        await using var outer = await db.Helper.OpenAsync();
        var childOpened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var parentLooked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var child = Task.Run(async () =>
        {
            Assert.Same(outer, db.Helper.Current);
            await using var inner = await db.Helper.OpenAsync();
            Assert.Same(inner, db.Helper.Current);
            Assert.Equal(2, inner.Depth);
            Assert.Equal(2, db.Helper.Depth);
            childOpened.SetResult();
            await parentLooked.Task;
            Assert.Same(inner, db.Helper.Current);
        });
        await childOpened.Task.Bounded();

        // While the child's scope is open, the parent still sees only its own
        Assert.Same(outer, db.Helper.Current);
        Assert.Equal(1, db.Helper.Depth);
        Assert.Equal(2, db.Stats.HeldConnections);
        parentLooked.SetResult();
        await child.Bounded();

        Assert.Same(outer, db.Helper.Current);
        Assert.Equal(1, db.Helper.Depth);
        Assert.Equal(1, db.Stats.HeldConnections);
        Assert.Equal(0, db.Stats.MisnestedDisposals);
    }

    [Fact]
    public async Task Fork_SiblingFlows_EachSeesOnlyItsOwnScopeOverTheSharedParent()
    {
        await using var db = FakeDb.Create();
        await using var outer = await db.Helper.OpenAsync();
        using var bothOpened = new CountdownEvent(2);

        async Task<bool> Sibling()
        {
            await using var mine = await db.Helper.OpenAsync();
            bothOpened.Signal();
            await Task.Run(() => Assert.True(bothOpened.Wait(TestTime.SafetyNet)));
            return ReferenceEquals(db.Helper.Current, mine) && mine.Depth == 2 && db.Helper.Depth == 2;
        }

        var results = await Task.WhenAll(Task.Run(Sibling), Task.Run(Sibling)).Bounded();

        Assert.All(results, Assert.True);
        Assert.Same(outer, db.Helper.Current);
        Assert.Equal(0, db.Stats.MisnestedDisposals);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Dispose_OuterBeforeInner_CountsMisnestedReleasesOuterAndDepthCountsOnlyLiveScopes(bool async)
    {
        // Given two nested scopes
        await using var db = FakeDb.Create();
        var outer = db.Helper.Open();
        var inner = db.Helper.Open();

        // When the outer one is disposed first
        if (async)
            await outer.DisposeAsync();
        else
            outer.Dispose();

        // Then it is counted as misnested, its connection goes back, and the inner scope stays current
        var stats = db.Stats;
        Assert.Equal(1, stats.MisnestedDisposals);
        Assert.Equal(1, stats.HeldConnections);
        Assert.Equal(1, stats.OpenScopes);
        Assert.Equal(["open 1", "open 2", "close 1"], db.Source.Log);
        Assert.True(outer.IsDisposed);
        Assert.Same(inner, db.Helper.Current);
        Assert.Equal(1, db.Helper.Depth);   // only live scopes count
        Assert.Equal(2, inner.Depth);       // the depth it was opened at
        using (var third = db.Helper.Open())
        {
            Assert.Equal(3, third.Depth);   // nested in the inner scope
            Assert.Equal(2, db.Helper.Depth);
        }

        // And disposing the inner one afterwards is in order
        if (async)
            await inner.DisposeAsync();
        else
            inner.Dispose();
        stats = db.Stats;
        Assert.Equal(1, stats.MisnestedDisposals);
        Assert.Equal(0, stats.HeldConnections);
        Assert.Null(db.Helper.Current);
        Assert.Equal(0, db.Helper.Depth);
    }

    [Fact]
    public async Task Dispose_FromAnotherFlow_ReleasesOnceAndOwnerFlowNoLongerSeesIt()
    {
        await using var db = FakeDb.Create();
        var scope = await db.Helper.OpenAsync();

        await Flows.RunDetached(() => scope.Dispose()).Bounded();

        Assert.True(scope.IsDisposed);
        Assert.Null(db.Helper.Current);
        Assert.Equal(0, db.Helper.Depth);
        Assert.Equal(0, db.Stats.HeldConnections);
        Assert.Equal(0, db.Stats.MisnestedDisposals);
        Assert.Equal(1, db.Source.Closes);
        await using var next = await db.Helper.OpenAsync();
        Assert.Equal(1, next.Depth);   // nothing left of the disposed scope on this flow's stack
    }

    [Fact]
    public async Task Dispose_ChildFlowScopeDisposedByParent_ParentStackIsUntouched()
    {
        await using var db = FakeDb.Create();
        await using var outer = await db.Helper.OpenAsync();
        var childScope = await Task.Run(async () => await db.Helper.OpenAsync()).Bounded();   // returned, not disposed
        Assert.Same(outer, db.Helper.Current);

        await childScope.DisposeAsync();

        Assert.Same(outer, db.Helper.Current);
        Assert.Equal(1, db.Helper.Depth);
        Assert.Equal(1, db.Stats.HeldConnections);
        Assert.Equal(0, db.Stats.MisnestedDisposals);
    }

    [Fact]
    public async Task OpenAsync_SourceCompletesLater_ScopeIsCurrentInTheCallersFlow()
    {
        // The open is a plain method that pushes in the caller's flow; only the I/O is awaited.
        await using var db = FakeDb.Create();
        var hold = db.Source.HoldOpens();
        var opening = db.Helper.OpenAsync();
        await hold.WaitForArrivalAsync();
        Assert.False(opening.IsCompleted);
        Assert.Null(db.Helper.Current);   // an opening scope is skipped by readers

        hold.Release();
        await using var scope = await opening.Bounded();

        Assert.Same(scope, db.Helper.Current);
        Assert.Equal(1, db.Helper.Depth);
    }

    [Fact]
    public void Pop_FailedScopeOnTop_UnlinksItAndItsParentIsWhereTheNextScopeNests()
    {
        var stack = new ScopeStack();
        var outer = NewScope(stack, parent: null, depth: 1);
        stack.Push(outer);
        var failed = NewScope(stack, outer, depth: 2);
        outer.ChildStarted();
        stack.Push(failed);

        failed.MarkFailed();

        Assert.False(outer.HasLiveChildren);
        Assert.Same(outer, stack.PeekForPush());   // a failed scope is skipped even while linked
        Assert.True(stack.Pop(failed));
        Assert.Same(outer, stack.PeekForPush());
    }

    [Fact]
    public void Pop_ScopeBelowAnOpeningScope_ReturnsFalseAndLeavesTheStack()
    {
        var stack = new ScopeStack();
        var outer = NewScope(stack, parent: null, depth: 1);
        stack.Push(outer);
        var inner = NewScope(stack, outer, depth: 2);
        stack.Push(inner);

        Assert.False(stack.Pop(outer));
        Assert.Same(inner, stack.PeekForPush());
    }

    [Fact]
    public async Task Pop_ScopePushedByAnotherFlow_ReturnsFalse()
    {
        var stack = new ScopeStack();
        var scope = NewScope(stack, parent: null, depth: 1);
        await Task.Run(() => stack.Push(scope)).Bounded();

        Assert.Null(stack.PeekForPush());   // the child flow's push never reached this flow
        Assert.False(stack.Pop(scope));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Dispose_NothingChangedTheFlowSinceTheOpen_PutsBackTheVeryContextTheOpenReplaced(bool async)
    {
        // Given a flow whose context holds another value (as a web request's does), and an open outer scope
        await using var db = FakeDb.Create();
        var other = new AsyncLocal<string>();
        var (beforeOuter, beforeInner, afterInner, afterOuter, innerCurrent, otherValue) = await Flows.RunDetached(async () =>
        {
            other.Value = "request";
            var beforeOuter = ExecutionContext.Capture();
            var outer = async ? await db.Helper.OpenAsync() : db.Helper.Open();
            var beforeInner = ExecutionContext.Capture();

            // When a nested scope opens and is disposed, then the outer one
            var inner = async ? await db.Helper.OpenAsync() : db.Helper.Open();
            var innerCurrent = db.Helper.Current;
            await ScopeDisposal.Dispose(inner, async);
            var afterInner = ExecutionContext.Capture();
            await ScopeDisposal.Dispose(outer, async);
            return (beforeOuter, beforeInner, afterInner, ExecutionContext.Capture(), innerCurrent, other.Value);
        }).Bounded();

        // Then each dispose restores the context object its open replaced (no new context is built), with the other value kept
        Assert.NotNull(innerCurrent);
        Assert.Same(beforeInner, afterInner);
        Assert.Same(beforeOuter, afterOuter);
        Assert.Equal("request", otherValue);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Dispose_AnotherValueSetInsideTheScope_UnlinksTheScopeAndKeepsThatValue(bool async)
    {
        // Given an open outer scope and a nested one, inside which synchronous code sets another AsyncLocal
        await using var db = FakeDb.Create();
        var other = new AsyncLocal<string>();
        var (current, depth, otherValue) = await Flows.RunDetached(async () =>
        {
            var outer = async ? await db.Helper.OpenAsync() : db.Helper.Open();
            var inner = async ? await db.Helper.OpenAsync() : db.Helper.Open();
            other.Value = "set inside";

            // When the nested scope is disposed
            await ScopeDisposal.Dispose(inner, async);
            var result = (db.Helper.Current == outer, db.Helper.Depth, other.Value);
            await ScopeDisposal.Dispose(outer, async);
            return result;
        }).Bounded();

        // Then the flow is back at the outer scope and the value set inside stays (putting back the old context would lose it)
        Assert.True(current);
        Assert.Equal(1, depth);
        Assert.Equal("set inside", otherValue);
    }

    [Fact]
    public async Task Dispose_ScopeKeptAfterwards_DoesNotKeepTheFlowsOtherValuesAlive()
    {
        // Given a scope opened and disposed in a flow that held another value, which the flow then dropped
        await using var db = FakeDb.Create();
        var (scope, value) = await Flows.RunDetached(() => OpenAndDisposeWhileHolding(db.Helper, new AsyncLocal<object?>())).Bounded();

        // When the value is collected while the disposed scope is still referenced
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // Then the scope did not keep the context it was pushed in (and the value in it) alive
        Assert.False(value.IsAlive, "A disposed scope kept the execution context of its push alive.");
        GC.KeepAlive(scope);
    }

    [Fact]
    public async Task Dispose_FlowSuppressed_UnlinksTheScope()
    {
        // Given a flow whose context flow is suppressed (ExecutionContext.Capture returns null)
        await using var db = FakeDb.Create();
        var (insideCurrent, afterCurrent, afterDepth) = await Flows.RunDetached(() =>
        {
            using var suppressed = ExecutionContext.SuppressFlow();
            var scope = db.Helper.Open();
            var inside = db.Helper.Current == scope;

            // When the scope is disposed
            scope.Dispose();
            return (inside, db.Helper.Current, db.Helper.Depth);
        }).Bounded();

        // Then it was current while open and is gone afterwards
        Assert.True(insideCurrent);
        Assert.Null(afterCurrent);
        Assert.Equal(0, afterDepth);
        Assert.Equal(0, db.Stats.HeldConnections);
    }

    /// <summary>A scope that stays opening (never activated, so it holds nothing and its finalizer does nothing).</summary>
    private static SqlScope NewScope(ScopeStack stack, SqlScope? parent, int depth) =>
        new(stack, parent, new ScopeLease(depth, 1, depth, 0, openSite: null));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (SqlScope Scope, WeakReference Value) OpenAndDisposeWhileHolding(SqlHelper helper, AsyncLocal<object?> other)
    {
        var value = new WeakReference(other.Value = new object());
        var scope = helper.Open();
        scope.Dispose();
        other.Value = null;
        return (scope, value);
    }
}

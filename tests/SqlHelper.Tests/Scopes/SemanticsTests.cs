using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Scopes;

/// <summary>The meanings issue #12 fixed: each test failed before it.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class SemanticsTests(DatabaseFixture db)
{
    [Fact]
    public void Depth_AfterTheOuterScopeWasDisposedOutOfOrder_CountsOnlyLiveScopes()
    {
        using var helper = db.CreateHelper();
        var outer = helper.Open();
        using var inner = helper.Open();
        Assert.Equal(2, helper.Depth);

        outer.Dispose();   // misnested: the inner scope stays usable

        Assert.Same(inner, helper.Current);
        Assert.Equal(1, helper.Depth);
        Assert.Equal(2, inner.Depth);   // the depth it was opened at, documented as such
        Assert.Equal(1L, helper.GetStatistics().MisnestedDisposals);
    }

    [Fact]
    public async Task ChildFlowWaitingForItsParentsConnection_TimesOut_WithWouldDeadlockFalse()
    {
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.AcquireTimeout = TimeSpan.FromMilliseconds(300); });
        using var parent = helper.Open();

        // The child flow inherits the parent's stack; whether the parent will release is unknowable, so it waits.
        var ex = await Assert.ThrowsAsync<SqlPoolExhaustedException>(() => Task.Run(() => helper.Open()));

        Assert.False(ex.WouldDeadlock);
        Assert.Equal(1, ex.HeldByThisFlow);
        Assert.Contains("enclosing scope", ex.Message, StringComparison.Ordinal);   // still names the likely cause
        Assert.Equal(1L, helper.GetStatistics().AcquireTimeouts);
    }

    [Fact]
    public async Task OpenScopesByDepth_CoversReplicaPoolsToo()
    {
        await using var helper = db.CreateHelper(o => o.ReplicaConnectionStrings = [db.ConnectionString]);
        await using var primary = await helper.OpenAsync();
        await using var replica = await helper.OpenReadOnlyAsync();   // the replica is the same server under another pool
        var stats = helper.GetStatistics();
        Assert.Equal([1, 1], stats.OpenScopesByDepth);
        Assert.Equal(1, stats.HeldConnections);
        Assert.Equal(1, stats.ReplicaHeldConnections);
    }

    [Fact]
    public async Task LostConnection_IsASqlConnectionLostException_ThatIsASqlHelperException()
    {
        await using var helper = db.CreateHelper();
        await using var scope = await helper.OpenAsync();
        var id = await scope.ExecuteScalarAsync<long>("SELECT CONNECTION_ID()");
        await db.KillAsync(id);
        var sent = await Assert.ThrowsAsync<SqlConnectionLostException>(() => scope.ExecuteScalarAsync<long>("SELECT 1"));
        Assert.True(sent.OutcomeUnknown);

        var ex = await Assert.ThrowsAsync<SqlConnectionLostException>(() => scope.ExecuteScalarAsync<long>("SELECT 1"));
        Assert.False(ex.OutcomeUnknown);   // found closed before anything was sent

        Assert.IsAssignableFrom<SqlHelperException>(ex);
        Assert.True(ex.IsTransient);
        Assert.Equal(id, ex.ConnectionId);
        Assert.Contains("127.0.0.1:", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("assword", ex.Message, StringComparison.Ordinal);
    }
}

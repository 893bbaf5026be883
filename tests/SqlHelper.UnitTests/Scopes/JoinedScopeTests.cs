namespace SqlHelpers.UnitTests.Scopes;

/// <summary>A scope that joins <see cref="SqlHelper.Current"/> takes no slot and gives no connection back.</summary>
public sealed class JoinedScopeTests
{
    [Fact]
    public async Task Open_RequiredWithPoolFull_JoinsCurrentWithoutWaitingOrTakingASlot()
    {
        await using var db = FakeDb.Create(o => o.MaxConnections = 1);
        await using var outer = await db.Helper.OpenAsync();

        var joined = db.Helper.Open(ScopeOption.Required);

        Assert.True(joined.IsJoined);
        Assert.Same(joined, db.Helper.Current);
        Assert.Equal(2, joined.Depth);
        Assert.Same(outer.Connection, joined.Connection);
        var stats = db.Stats;
        Assert.Equal(1, stats.HeldConnections);
        Assert.Equal(2, stats.OpenScopes);
        Assert.Equal(0, stats.AcquireWaits);
        Assert.Equal([1], stats.OpenScopesByDepth);   // counts scopes that hold a connection
        joined.Dispose();
        Assert.Same(outer, db.Helper.Current);
        Assert.Equal(0, db.Source.Closes);
        Assert.Equal(1, db.Stats.HeldConnections);
    }

    [Fact]
    public async Task Open_RequiredWithNoCurrentScope_TakesAConnectionOfItsOwn()
    {
        await using var db = FakeDb.Create();

        await using var scope = await db.Helper.OpenAsync(ScopeOption.Required);

        Assert.False(scope.IsJoined);
        Assert.Equal(1, db.Stats.HeldConnections);
    }
}

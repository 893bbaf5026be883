namespace SqlHelpers.UnitTests.SessionState;

/// <summary>
/// Under <see cref="SessionResetPolicy.WhenDirty"/>: a pooled connection is pinged before a scope gets it only when it sat
/// idle at least <see cref="SqlHelperOptions.PingAfterIdle"/> in fake time (or nobody knows how long), a dead one is
/// replaced before any scope sees it, and only a dirty session is reset on release.
/// </summary>
public sealed class SessionTrackerTests
{
    private static readonly TimeSpan PingAfterIdle = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task Open_NewConnection_IsPingedBecauseItsIdleTimeIsUnknown()
    {
        await using var db = CreateWhenDirty();

        await using var scope = await db.Helper.OpenAsync();

        Assert.Equal(["open 1", "ping 1 alive"], db.Source.Log);
        Assert.Equal(1, db.Stats.ConnectionPings);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(499, false)]
    [InlineData(500, true)]
    [InlineData(60_000, true)]
    public async Task Open_PooledConnectionIdleFor_IsPingedOnlyFromPingAfterIdleOn(int idleMilliseconds, bool pinged)
    {
        // Given connection 1 opened (and pinged, being new) and given back clean
        await using var db = CreateWhenDirty();
        (await db.Helper.OpenAsync()).Dispose();

        // When it sat idle for the given fake time and is opened again
        db.Time.Advance(TimeSpan.FromMilliseconds(idleMilliseconds));
        await using var scope = await db.Helper.OpenAsync();

        // Then it is the same connection, pinged first only when it was idle long enough
        Assert.Equal(1, Assert.Single(db.Helper.GetOpenScopes()).ConnectionId);
        Assert.Equal(pinged ? 2 : 1, db.Source.Pings);
        Assert.Equal(pinged ? 2 : 1, db.Stats.ConnectionPings);
        Assert.Equal(0, db.Stats.DeadConnectionsReplaced);
    }

    [Fact]
    public async Task Open_IdleConnectionDied_IsClosedAndReplacedBeforeTheScopeGetsIt()
    {
        // Given connection 1 idle for a second, and then killed by the server
        await using var db = CreateWhenDirty();
        (await db.Helper.OpenAsync()).Dispose();
        db.Time.Advance(TimeSpan.FromSeconds(1));
        db.Source.Kill(1);

        // When a scope opens
        await using var scope = await db.Helper.OpenAsync();

        // Then the dead connection was pinged, closed (and so discarded), its idle siblings dropped, and replaced; the scope
        // only ever had the new one
        Assert.Equal(
            ["open 1", "ping 1 alive", "close 1", "open 1", "ping 1 dead", "close 1 discarded", "clear", "open 2", "ping 2 alive"],
            db.Source.Log);
        Assert.Equal(2, Assert.Single(db.Helper.GetOpenScopes()).ConnectionId);
        Assert.Contains("connection 2", scope.ToString(), StringComparison.Ordinal);
        var stats = db.Stats;
        Assert.Equal(1, stats.DeadConnectionsReplaced);
        Assert.Equal(3, stats.ConnectionPings);
        Assert.Equal(1, stats.HeldConnections);
        Assert.Equal(1, db.Source.InUse);
        Assert.Empty(db.Source.IdleIds);
    }

    [Fact]
    public async Task Dispose_DirtyLease_ResetsTheSessionBeforeReturningIt()
    {
        await using var db = CreateWhenDirty();
        var scope = await db.Helper.OpenAsync();
        _ = scope.Connection;   // the raw connection is out of SqlHelper's sight: the session may have changed (its first touch empties the previous scope's warnings)

        await scope.DisposeAsync();

        Assert.Equal(["open 1", "ping 1 alive", "clear warnings 1", "reset 1", "close 1"], db.Source.Log);
        Assert.Equal(1, db.Stats.DiagnosticsClears);
        Assert.Equal(1, db.Stats.SessionResets);
        Assert.Equal(0, db.Stats.SessionResetsSkipped);
    }

    [Fact]
    public async Task Dispose_CleanLease_SkipsTheReset()
    {
        await using var db = CreateWhenDirty();
        var scope = await db.Helper.OpenAsync();

        scope.Dispose();

        Assert.Equal(0, db.Source.Resets);
        Assert.Equal(0, db.Stats.SessionResets);
        Assert.Equal(1, db.Stats.SessionResetsSkipped);
        Assert.Equal([1], db.Source.IdleIds);
    }

    [Fact]
    public async Task Dispose_ResetFails_ClearsThePoolAndTheConnectionIsNotTrustedAgain()
    {
        // Given a dirty scope whose session cannot be reset
        await using var db = CreateWhenDirty();
        var scope = await db.Helper.OpenAsync();
        _ = scope.Connection;
        db.Source.ResetFailure = new InvalidOperationException("The reset failed.");

        // When it is disposed, Then the failure stays inside: the pool is cleared and the connection discarded
        await scope.DisposeAsync();
        Assert.Equal(["open 1", "ping 1 alive", "clear warnings 1", "reset 1", "clear", "close 1 discarded"], db.Source.Log);
        Assert.Equal(0, db.Stats.SessionResets);
        Assert.Equal(0, db.Stats.HeldConnections);

        // And the next scope gets a new connection, which is pinged since nothing is known about it
        db.Source.ResetFailure = null;
        await using var next = await db.Helper.OpenAsync();
        Assert.Equal(2, Assert.Single(db.Helper.GetOpenScopes()).ConnectionId);
        Assert.Equal(2, db.Stats.ConnectionPings);
    }

    [Fact]
    public async Task Dispose_AfterReset_ConnectionCountsAsFreshlyIdleAndIsNotPingedSoon()
    {
        await using var db = CreateWhenDirty();
        var scope = await db.Helper.OpenAsync();
        _ = scope.Connection;
        db.Time.Advance(TimeSpan.FromSeconds(30));   // held for a long time: idle time starts at release
        scope.Dispose();

        db.Time.Advance(TimeSpan.FromMilliseconds(100));
        await using var next = await db.Helper.OpenAsync();

        Assert.Equal(1, db.Stats.ConnectionPings);
        Assert.Equal(1, db.Stats.SessionResets);
    }

    [Fact]
    public async Task OpenAndDispose_ResetPolicyAlways_SqlHelperNeitherPingsNorResets()
    {
        // Under Always MySqlConnector's reset on open proves every connection alive and cleans it.
        await using var db = FakeDb.Create(o => o.SessionReset = SessionResetPolicy.Always);
        var scope = await db.Helper.OpenAsync();
        _ = scope.Connection;
        scope.Dispose();
        db.Time.Advance(TimeSpan.FromMinutes(5));

        (await db.Helper.OpenAsync()).Dispose();

        Assert.Equal(["open 1", "close 1", "open 1", "close 1"], db.Source.Log);
        var stats = db.Stats;
        Assert.Equal(0, stats.ConnectionPings);
        Assert.Equal(0, stats.SessionResets);
        Assert.Equal(0, stats.SessionResetsSkipped);
    }

    private static FakeDb CreateWhenDirty() => FakeDb.Create(o =>
    {
        o.SessionReset = SessionResetPolicy.WhenDirty;
        o.PingAfterIdle = PingAfterIdle;
    });
}

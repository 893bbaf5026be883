using SqlHelpers.Tests.Infrastructure;

namespace SqlHelpers.Tests.Pooling;

[Collection(DatabaseCollection.Name)]
public sealed class SessionInitTests(DatabaseFixture db)
{
    private static readonly string[] Init = ["SET @tenant = 42", "SET time_zone = '+00:00'"];

    [Fact]
    public void SessionInit_EveryScopeSeesIt_EvenAfterAnEarlierScopeChangedItOnTheSameConnection()
    {
        using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.SessionInit = Init; });
        long firstId;
        using (var a = helper.Open())
        {
            AssertInitialised(a);
            firstId = a.ExecuteScalar<long>("SELECT CONNECTION_ID()");
            a.Execute("SET @tenant = 7, time_zone = '+05:00'");
        }
        using (var b = helper.Open())
        {
            Assert.Equal(firstId, b.ExecuteScalar<long>("SELECT CONNECTION_ID()"));   // same physical connection, after a reset
            AssertInitialised(b);
        }
    }

    [Fact]
    public async Task SessionInit_AsyncOpen_SeesIt()
    {
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.SessionInit = Init; });
        await using (var a = await helper.OpenAsync())
        {
            AssertInitialised(a);
            await a.ExecuteAsync("SET @tenant = 1");
        }
        await using var b = await helper.OpenAsync();
        AssertInitialised(b);
    }

    [Fact]
    public async Task SessionInit_AfterTheConnectionWasKilledAndReplaced_StillApplies()
    {
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 1; o.SessionInit = Init; });
        long killedId;
        using (var a = helper.Open())
            killedId = a.ExecuteScalar<long>("SELECT CONNECTION_ID()");
        await db.KillAsync(killedId);

        using var b = helper.Open();
        Assert.NotEqual(killedId, b.ExecuteScalar<long>("SELECT CONNECTION_ID()"));
        AssertInitialised(b);
    }

    [Fact]
    public async Task KilledIdleConnection_IsNeverHandedToAScope()
    {
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 3; o.ReservedForNested = 0; });
        var ids = new List<long>();
        var scopes = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Flows.RunDetached(() => helper.Open())));
        foreach (var scope in scopes)
        {
            ids.Add(scope.ExecuteScalar<long>("SELECT CONNECTION_ID()"));
            scope.Dispose();
        }
        foreach (var id in ids)
            await db.KillAsync(id);

        for (var i = 0; i < 3; i++)
        {
            using var scope = helper.Open();
            Assert.Equal(1L, scope.ExecuteScalar<long>("SELECT 1"));           // first command works, first time
            Assert.DoesNotContain(scope.ExecuteScalar<long>("SELECT CONNECTION_ID()"), ids);
        }
    }

    [Fact]
    public async Task MinIdle_WarmUp_OpensThatManySessionsWithNoScopeOpen()
    {
        var before = await db.CountUserSessionsAsync();
        await using var helper = db.CreateHelper(o => { o.MaxConnections = 5; o.MinIdle = 3; });
        await helper.WarmUpAsync();

        Assert.Equal(before + 3, await db.WaitForUserSessionsAsync(before + 3));
        Assert.Equal(0, helper.GetStatistics().OpenScopes);
        await helper.DisposeAsync();
        Assert.Equal(before, await db.WaitForUserSessionsAsync(before));
    }

    [Fact]
    public void SessionInit_ABadStatement_FailsTheOpenWithAMessageNamingTheOption()
    {
        using var helper = db.CreateHelper(o => o.SessionInit = ["SET @@no_such_variable_x = 1"]);
        var ex = Assert.Throws<InvalidOperationException>(() => helper.Open());
        Assert.Contains("SessionInit", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, helper.GetStatistics().HeldConnections);
        Assert.Null(helper.Current);
    }

    private static void AssertInitialised(SqlScope scope)
    {
        Assert.Equal(42L, scope.ExecuteScalar<long>("SELECT @tenant"));
        Assert.Equal("+00:00", scope.ExecuteScalar<string>("SELECT @@session.time_zone"));
    }
}
